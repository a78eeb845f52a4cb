import ArmDebug
import BootwireCore
import Testing
import USB
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// The debug-probe seam (issue #24): the SWD session, Cortex-M debug and a flash controller work
/// over a probe that is no ST-LINK, and an ST-LINK status reaches callers as a typed fault.
@Suite struct DebugProbeSeamTests {
    /// Not an ST-LINK: fixed words, a core that halts when asked, and faults at chosen addresses.
    final class FakeProbe: DebugProbe {
        let name = "fake probe"
        let firmware = "1.0"
        let serial: String? = "F1"
        let voltage: Double? = 3.3
        var clockKHz = 4000
        var tarBoundary = 1024
        var words: [UInt32: UInt32]
        var faults: [UInt32: ProbeFault] = [:]
        var halted = false
        /// NRST levels driven, in order (`true`: held in reset).
        var resets: [Bool] = []

        init(words: [UInt32: UInt32]) { self.words = words }

        func setClock(kHz: Int) throws -> Int {
            clockKHz = kHz
            return kHz
        }
        func enterSWD() throws {}
        func readDPIDR() throws -> UInt32 { 0x2BA0_1477 }
        var accessPort: UInt8 = 0
        func selectAP(_ port: UInt8) throws { accessPort = port }
        func setReset(asserted: Bool) throws { resets.append(asserted) }
        func exitDebug() {}

        func check(_ address: UInt32) throws {
            if let fault = faults[address] {
                throw ProbeError(fault, operation: "accessing \(address)", status: "fake \(fault)", probe: name)
            }
        }

        func readWord(_ address: UInt32) throws -> UInt32 {
            try check(address)
            if address == CortexDebug.dhcsr { return halted ? CortexDebug.sHalt : 0 }
            return words[address] ?? 0
        }

        func writeWord(_ address: UInt32, _ value: UInt32) throws {
            try check(address)
            if address == CortexDebug.dhcsr { halted = value & CortexDebug.cHalt != 0 } else { words[address] = value }
        }

        func readMemory(_ address: UInt32, count: Int) throws -> [UInt8] {
            try check(address)
            return (address..<address + UInt32(count)).map {
                UInt8(truncatingIfNeeded: (words[$0 & ~3] ?? 0) >> (8 * ($0 % 4)))
            }
        }

        func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws { try check(address) }
    }

    static let l4OPTR: UInt32 = 0x4002_2020

    /// An STM32L476 as words: Cortex-M4 CPUID, DBGMCU_IDCODE, FLASH_SIZE 1024 KiB, OPTR.
    static func l476(optr: UInt32 = 0xFFEF_F8AA) -> FakeProbe {
        FakeProbe(words: [
            CortexDebug.cpuid: 0x410F_C241, 0xE004_2000: 0x1007_6415, 0x1FFF_75E0: 0x0400, l4OPTR: optr,
        ])
    }

    @Test func theSessionIdentifiesAndBuildsTheControllerOverAFakeProbe() throws {
        let probe = Self.l476()
        let session = try STM32SWDSession(probe: probe, events: { _ in })
        #expect(session.identity.deviceID == 0x415)
        #expect(session.identity.flashSize == 1 << 20)
        #expect(try session.flash().layout.size == 1 << 20)
        #expect(probe.halted, "connect halts the core through CortexDebug")
        #expect(probe.tarBoundary == 4096, "a Cortex-M4's TAR boundary")
        #expect(try session.flash().readProtection() == nil)
    }

    @Test func readProtectionSeesTheFakeProbesTypedFault() throws {
        let probe = Self.l476(optr: 0xFFEF_F8BB)
        probe.faults[0x0800_0000] = .fault(address: 0x0800_0000)
        let session = try STM32SWDSession(probe: probe, events: { _ in })
        let refused = try #require(try session.flash().readProtection())
        #expect(refused.code == .flashReadProtected)
        #expect(refused.evidence["flash-read"] != nil, "the probe's fault is the evidence")
    }

    @Test func aCoreThatVanishesAtResetCountsAsReset() throws {
        let probe = Self.l476()
        probe.faults[CortexDebug.dhcsr] = .lostConnection
        #expect(try probe.hardReset())
        #expect(probe.resets == [true, false])
    }

    @Test func aTargetThatNeverAnswersIsSWDNoTarget() throws {
        let probe = Self.l476()
        probe.faults[CortexDebug.cpuid] = .noTarget
        let error = #expect(throws: BootwireError.self) { try STM32SWDSession(probe: probe, events: { _ in }) }
        #expect(error?.code == .swdNoTarget)
    }

    @Test func stlinkStatusesMapToProbeFaults() {
        #expect(STLinkStatus.apWait.probeFault == .wait)
        #expect(STLinkStatus.dpWait.probeFault == .wait)
        #expect(STLinkStatus.apFault.probeFault == .fault(address: nil))
        #expect(STLinkStatus(0x15).probeFault == .lostConnection)
        #expect(STLinkStatus.dpError.probeFault == .lostConnection)
        #expect(STLinkStatus.noDeviceConnected.probeFault == .noTarget)
        #expect(STLinkStatus.unknownCommand.probeFault == .unsupportedCommand)
        #expect(STLinkStatus.badAP.probeFault == .probeError)
        #expect(ProbeError(.unknownCommand, operation: "x").error.code == .stlinkFirmwareTooOld)
        #expect(ProbeError(.apFault, address: 4, operation: "x").error.code == .stlinkError)
    }

    /// Over the virtual ST-LINK: GETLASTRWSTATUS2's SWD_AP_FAULT with its address, and a WAIT
    /// storm that outlasts the retries, reach the caller as `ProbeFault`s.
    @Test func stlinkAPFaultAndWaitReachCallersTyped() throws {
        let (handle, device) = try ProbeProtocolTests.open()
        (device.target.flash as! VirtualL4Flash).setOption(0x20, 0xFFEF_F8BB)
        let session = try STM32SWDSession(handle: handle, events: { _ in })
        let stlink = try #require(session.probe as? STLinkProbe)
        let read = #expect(throws: ProbeError.self) { try session.probe.readMemory(0x0800_0000, count: 16) }
        #expect(read?.fault == .fault(address: 0x0800_0000))
        device.waitStorm = 1000
        device.stormClearKHz = 0
        stlink.minimumClockKHz = Int.max
        let wait = #expect(throws: ProbeError.self) { try session.probe.readWord(CortexDebug.cpuid) }
        #expect(wait?.fault == .wait)
    }
}
