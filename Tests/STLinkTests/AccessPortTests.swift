import ArmDebug
import BootwireCore
import Foundation
import STM32
import Testing
import USB
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// Access ports and debug ports (issue #25 items 1 and 16): the ST-LINK memory commands carry
/// the AP number where the firmware has it, the session finds a core that is not on AP0 (the
/// STM32H5's Cortex-M33 is on AP1), and every virtual target answers its own core's DPIDR.
@Suite struct AccessPortTests {
    /// The session on `virtual:NAME` (a virtual ST-LINK on the catalogue's part).
    static func session(_ spec: String, events: @escaping EventSink = { _ in }) throws -> STM32SWDSession {
        let (bus, match) = try VirtualUSBPort.start(spec)
        let record = try #require(try bus.devices().first { match.matches($0) })
        return try STM32SWDSession(handle: try bus.openDiagnosed(record, interface: 0), events: events)
    }

    @Test func memoryCommandsCarryTheAccessPortInByteEight() {
        let command = STLinkCommand.memory(
            STLinkCommand.Debug.readMem32, address: 0xE000_ED00, length: 4, accessPort: 1)
        #expect(command == [0xF2, 0x07, 0x00, 0xED, 0x00, 0xE0, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0])
        #expect(STLinkCommand.memory(STLinkCommand.Debug.writeMem8, address: 0x2000_0000, length: 3)[8] == 0)
        #expect(STLinkCommand.name(command) == "DEBUG READMEM_32BIT 0xe000ed00 4 AP1")
        #expect(STLinkCommand.name(STLinkCommand.frame([0xF2, 0x4B, 1])) == "DEBUG APIV2_INIT_AP 1")
        #expect(
            STLinkCommand.name(STLinkCommand.memory(STLinkCommand.Debug.readMem32, address: 0x0800_0000, length: 64))
                == "DEBUG READMEM_32BIT 0x8000000 64")
    }

    /// openocd's gate (`STLINK_F_HAS_CSW`): an AP number other than 0 from V2J32 and V3J2.
    @Test(arguments: [(2, 31, false), (2, 32, true), (2, 37, true), (3, 2, true), (3, 7, true)])
    func theAccessPortNumberNeedsItsFirmware(hardware: Int, jtag: Int, has: Bool) {
        let version = STLinkVersion(
            hardware: hardware, jtag: jtag, low: 0, lowIsMassStorage: true, vendorID: 0x0483, productID: 0x374B)
        #expect(version.hasAccessPortNumber == has)
    }

    /// The virtual H563: AP1 is the core's MEM-AP (CPUID), AP0 the mailbox (no core's memory),
    /// AP2 nothing; AP1 needs INIT_AP first, and J31 firmware refuses the AP number.
    @Test func theVirtualH563AnswersItsCoreOnAP1Only() throws {
        func cpuid(_ spec: String, ap: UInt8, open: Bool) throws -> (status: UInt8, word: UInt32) {
            let (bus, match) = try VirtualUSBPort.start(spec)
            let record = try #require(try bus.devices().first { match.matches($0) })
            let handle = try bus.openDiagnosed(record, interface: 0)
            _ = try ProbeProtocolTests.send(handle, [0xF2, 0x30, 0xA3], reply: 2)
            if open { _ = try ProbeProtocolTests.send(handle, [0xF2, 0x4B, ap], reply: 2) }
            let read = STLinkCommand.memory(
                STLinkCommand.Debug.readMem32, address: 0xE000_ED00, length: 4, accessPort: ap)
            let word = STLinkCommand.le32(try ProbeProtocolTests.send(handle, read, reply: 4), at: 0)
            let status = try ProbeProtocolTests.send(handle, [0xF2, 0x3E], reply: 12)[0]
            return (status, word)
        }
        #expect(try cpuid("virtual:stlink-h563", ap: 1, open: true) == (0x80, 0x410F_D214))
        #expect(try cpuid("virtual:stlink-h563", ap: 0, open: false) == (0x80, 0), "the mailbox is no memory")
        #expect(try cpuid("virtual:stlink-h563", ap: 1, open: false).status == 0x1D, "INIT_AP opens AP1")
        #expect(try cpuid("virtual:stlink-h563", ap: 2, open: true).status == 0x11, "no AP2")
        #expect(try cpuid("virtual:stlink-h563,firmware=31", ap: 1, open: true).status == 0x1D)
        #expect(try cpuid("virtual:stlink-l476", ap: 0, open: false) == (0x80, 0x410F_C241))
    }

    @Test func theSessionFindsTheH563CoreOnAP1AndTheL476OnAP0() throws {
        let h5 = try Self.session("virtual:stlink-h563")
        #expect(h5.identity.accessPort == 1)
        #expect(h5.probe.accessPort == 1)
        #expect(h5.identity.part?.coreAccessPort == 1)
        #expect(h5.identity.deviceID == 0x484)
        let l4 = try Self.session("virtual:stlink-l476")
        #expect(l4.identity.accessPort == 0 && l4.probe.accessPort == 0)
        #expect(l4.identity.deviceID == 0x415)
    }

    @Test func firmwareWithoutAccessPortNumbersSaysSoForTheH563() throws {
        #expect {
            _ = try Self.session("virtual:stlink-h563,firmware=31")
        } throws: { ($0 as? BootwireError)?.code == .stlinkFirmwareTooOld }
    }

    /// openocd's `_CPUTAPID` for SWD in each family's target file.
    static let dpidrs: [(String, UInt32)] = [
        ("stlink-l476", 0x2BA0_1477), ("stlink-l432", 0x2BA0_1477), ("stlink-l452", 0x2BA0_1477),
        ("stlink-f4", 0x2BA0_1477), ("stlink-f429", 0x2BA0_1477), ("stlink-g474", 0x2BA0_1477),
        ("stlink-g071", 0x0BC1_1477), ("stlink-c031", 0x0BC1_1477), ("stlink-u575", 0x0BE1_2477),
        ("stlink-h563", 0x0BE1_2477), ("stlink-h723", 0x6BA0_2477), ("stlink-h743", 0x6BA0_2477),
        ("stlink-wb55", 0x6BA0_2477), ("stlink-g473", 0x2BA0_1477), ("stlink-g491", 0x2BA0_1477),
        ("stlink-wb15", 0x6BA0_2477), ("stlink-u535", 0x0BE1_2477), ("stlink-h743zg", 0x6BA0_2477),
        ("stlink-h750", 0x6BA0_2477),
    ]

    @Test(arguments: dpidrs)
    func everyVirtualTargetAnswersItsOwnDPIDR(name: String, dpidr: UInt32) throws {
        #expect(try Self.session("virtual:" + name).identity.dpidr == dpidr)
    }

    @Test func everyVirtualTargetHasItsDPIDRListed() {
        #expect(Set(Self.dpidrs.map(\.0)) == Set(VirtualPartCatalogue.stlinkNames))
    }
}
