import ArmDebug
import BootwireCore
import Foundation
import Testing
import USB
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// The probe's byte protocol against the virtual ST-LINK: what each firmware answers, in what
/// length, and how the host reads it.
@Suite struct ProbeProtocolTests {
    /// A bus with one virtual ST-LINK on a virtual L476, opened and claimed.
    static func open(_ identity: VirtualSTLink.Identity = .v21) throws -> (any USBDeviceHandle, VirtualSTLink) {
        let flash = VirtualL4Flash(flashSize: 1 << 20)
        let target = VirtualSWDTarget(
            cpuid: 0x410F_C241, idcode: 0x1007_6415, idcodeAddress: 0xE004_2000, flash: flash,
            sram: [(0x2000_0000, 96 << 10)])
        flash.target = target
        let device = VirtualSTLink(identity: identity, target: target)
        let bus = VirtualUSBBus()
        bus.attach(device)
        let handle = try bus.openDiagnosed(try bus.devices()[0], interface: 0)
        return (handle, device)
    }

    static func send(_ handle: any USBDeviceHandle, _ command: [UInt8], reply: Int) throws -> [UInt8] {
        let out: UInt8 = handle.record.productID == 0x3748 ? 0x02 : 0x01
        try handle.bulkWrite(endpoint: out, STLinkCommand.frame(command), timeout: .seconds(1))
        return reply == 0 ? [] : try handle.bulkRead(endpoint: 0x81, length: reply, timeout: .seconds(1))
    }

    @Test func versionDecodesBothForms() {
        let short = STLinkVersion.decode(short: [0x29, 0x5A, 0x83, 0x04, 0x4B, 0x37])!
        #expect(short.description == "V2J37M26")
        #expect(short.hasInitAP && short.hasSWDSetFrequency && short.isSupported)
        let v2 = STLinkVersion.decode(short: [0x26, 0x47, 0x83, 0x04, 0x48, 0x37])!
        #expect(v2.description == "V2J25S7")
        #expect(!v2.isSupported, "J25 lacks what Bootwire needs")
        let v3 = STLinkVersion.decode(extended: [3, 0, 7, 3, 0, 0, 0, 0, 0x83, 0x04, 0x4E, 0x37])!
        #expect(v3.description == "V3J7M3")
        #expect(v3.hasComFrequency && !v3.hasSWDSetFrequency)
    }

    @Test func commandsAreSixteenLittleEndianBytes() {
        let read = STLinkCommand.memory(STLinkCommand.Debug.readMem32, address: 0x0800_1234, length: 0x1800)
        #expect(read == [0xF2, 0x07, 0x34, 0x12, 0x00, 0x08, 0x00, 0x18, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func memoryIsSplitAtTheBufferAndTARBoundary() {
        let pieces = STLinkProbe.pieces(address: 0x2000_0003, count: 10_000, byteLimit: 64, boundary: 4096)
        #expect(pieces.first! == (0x2000_0003, 1, false))
        #expect(pieces.dropFirst().first! == (0x2000_0004, 4092, true))
        #expect(pieces.allSatisfy { !$0.wide || $0.count <= 6144 && $0.address % 4 == 0 })
        #expect(pieces.allSatisfy { UInt64($0.address) % 4096 + UInt64($0.count) <= 4096 || !$0.wide })
        #expect(pieces.reduce(0) { $0 + $1.count } == 10_000)
        #expect(pieces.last!.wide == false, "the 3-byte tail goes as bytes")
    }

    @Test func v2DivisorTableAndSteps() {
        #expect(SWDClock.v2Divisor(atMost: 1000).divisor == 3)
        #expect(SWDClock.v2Divisor(atMost: 1).kHz == 5)
        #expect(SWDClock.lower(than: 1800) == 1200)
        #expect(SWDClock.pick([24000, 8000, 3300, 1000], atMost: 1800) == 1000)
    }

    /// AP0 answers right after ENTER (stlink-org never sends INIT_AP and works on J28+ and V3
    /// probes); INIT_AP 0 is accepted as well, as OpenOCD sends it.
    @Test func debugCommandsNeedDebugModeAndAP0IsOpenAfterEnter() throws {
        let (handle, _) = try Self.open()
        let outside = try Self.send(handle, [0xF2, 0x36] + STLinkCommand.le32(0xE000_ED00), reply: 8)
        #expect(outside.count == 8 && outside[0] == STLinkStatus.cmdError.code)
        #expect(try Self.send(handle, [0xF2, 0x30, 0xA3], reply: 2) == [0x80, 0])
        let beforeInit = try Self.send(handle, [0xF2, 0x36] + STLinkCommand.le32(0xE000_ED00), reply: 8)
        #expect(beforeInit[0] == 0x80 && STLinkCommand.le32(beforeInit, at: 4) == 0x410F_C241)
        #expect(try Self.send(handle, [0xF2, 0x4B, 0], reply: 2) == [0x80, 0])
        let cpuid = try Self.send(handle, [0xF2, 0x36] + STLinkCommand.le32(0xE000_ED00), reply: 8)
        #expect(cpuid[0] == 0x80 && STLinkCommand.le32(cpuid, at: 4) == 0x410F_C241)
    }

    @Test func exitAndWriteMemHaveNoReply() throws {
        let (handle, _) = try Self.open()
        _ = try Self.send(handle, [0xF2, 0x30, 0xA3], reply: 2)
        _ = try Self.send(handle, [0xF2, 0x4B, 0], reply: 2)
        _ = try Self.send(handle, STLinkCommand.memory(0x08, address: 0x2000_0000, length: 8), reply: 0)
        try handle.bulkWrite(endpoint: 0x01, [1, 2, 3, 4, 5, 6, 7, 8], timeout: .seconds(1))
        #expect(throws: USBError.timeout) { try handle.bulkRead(endpoint: 0x81, length: 2, timeout: .seconds(1)) }
        let status = try Self.send(handle, [0xF2, 0x3E], reply: 12)
        #expect(status[0] == 0x80)
        _ = try Self.send(handle, [0xF2, 0x21], reply: 0)
        #expect(throws: USBError.timeout) { try handle.bulkRead(endpoint: 0x81, length: 2, timeout: .seconds(1)) }
    }

    @Test func commandsNewerThanTheFirmwareAnswerUnknownCommand() throws {
        var old = VirtualSTLink.Identity.v2
        old.jtag = 21
        let (handle, _) = try Self.open(old)
        let answer = try Self.send(handle, [0xF2, 0x43, 1, 0], reply: 2)
        #expect(answer[0] == STLinkStatus.unknownCommand.code)
        let v3Only = try Self.send(handle, [0xF2, 0x62, 0], reply: 52)
        #expect(v3Only.count == 52 && v3Only[0] == 0x42)
    }

    @Test func aFlashReadUnderRDP1FaultsWithTheAddress() throws {
        let (handle, device) = try Self.open()
        (device.target.flash as! VirtualL4Flash).setOption(0x20, 0xFFEF_F8BB)
        _ = try Self.send(handle, [0xF2, 0x30, 0xA3], reply: 2)
        _ = try Self.send(handle, [0xF2, 0x4B, 0], reply: 2)
        let data = try Self.send(handle, STLinkCommand.memory(0x07, address: 0x0800_0000, length: 16), reply: 16)
        #expect(data.count == 16)
        let status = try Self.send(handle, [0xF2, 0x3E], reply: 12)
        #expect(status[0] == STLinkStatus.apFault.code)
        #expect(STLinkCommand.le32(status, at: 4) == 0x0800_0000)
    }

    @Test func hostOpensAndReadsTheProbe() throws {
        let (handle, _) = try Self.open(.v3)
        let probe = try STLinkProbe(handle: handle, events: { _ in })
        try probe.open()
        #expect(probe.version.description == "V3J7M3")
        #expect(abs((probe.voltage ?? 0) - 3.3) < 0.01)
        #expect(try probe.setClock(kHz: 4000) == 3300)
    }

    @Test func probeTableNamesEveryDebugPID() throws {
        #expect(STLinkProbeKind.kind(productID: 0x374B)?.outEndpoint == 0x01)
        #expect(STLinkProbeKind.kind(productID: 0x3748)?.outEndpoint == 0x02)
        #expect(!STLinkProbeKind.debugProductIDs.contains(0x374D), "the V3 loader is no debug interface")
        #expect(try STLinkProbeKind.match(port: "stlink:ABC").serial == "ABC")
        #expect(STLinkProbeKind.displaySerial("\u{0055}\u{00FF}") == "55FF")
    }
}

extension ProbeProtocolTests {
    @Test func aFamilyWithoutAControllerIsIdentifiedAndSaysSo() throws {
        let flash = VirtualL4Flash(flashSize: 512 << 10)
        // A dual-bank G0B/G0C (DEV_ID 0x467, a Cortex-M0+) is identified but not driven.
        let target = VirtualSWDTarget(
            cpuid: 0x410C_C601, idcode: 0x2000_6467, idcodeAddress: 0x4001_5800, flash: flash,
            sram: [(0x2000_0000, 1024)])
        flash.target = target
        let bus = VirtualUSBBus()
        bus.attach(VirtualSTLink(target: target))
        let handle = try bus.openDiagnosed(try bus.devices()[0], interface: 0)
        let session = try STM32SWDSession(handle: handle, events: { _ in })
        #expect(session.identity.partName == "STM32G0Bx/G0Cx")
        #expect(session.identity.flashSize == 512 << 10)
        #expect(throws: BootwireError.self) { try session.flash() }
        do {
            _ = try session.flash()
        } catch let error as BootwireError {
            #expect(error.code == .flashFamilyUnsupported)
        }
    }
}
