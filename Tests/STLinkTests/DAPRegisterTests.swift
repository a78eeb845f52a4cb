import Foundation
import Testing
import USB
import VirtualDevices

@testable import STLink

/// What pyOCD asks of an ST-LINK before it flashes: the board identifiers, the DP and the access
/// ports' registers (READ/WRITE_DAP_REG), and the ROM table that names the core.
@Suite struct DAPRegisterTests {
    typealias P = ProbeProtocolTests
    static let dp: [UInt8] = [0xFF, 0xFF]

    /// A virtual ST-LINK on a part with `cpuid`, whose core is on `coreAccessPort`, in debug mode.
    static func open(
        cpuid: UInt32 = 0x410F_C241, coreAccessPort: UInt8 = 0, identity: VirtualSTLink.Identity = .v21
    ) throws -> any USBDeviceHandle {
        let flash = VirtualL4Flash(flashSize: 1 << 20)
        let target = VirtualSWDTarget(
            cpuid: cpuid, idcode: 0x1007_6415, idcodeAddress: 0xE004_2000, flash: flash,
            sram: [(0x2000_0000, 96 << 10)], coreAccessPort: coreAccessPort)
        flash.target = target
        let bus = VirtualUSBBus()
        bus.attach(VirtualSTLink(identity: identity, target: target))
        let handle = try bus.openDiagnosed(try bus.devices()[0], interface: 0)
        #expect(try P.send(handle, [0xF2, 0x30, 0xA3], reply: 2) == [0x80, 0])
        return handle
    }

    static func readDAP(_ handle: any USBDeviceHandle, port: [UInt8], _ register: UInt16) throws -> UInt32? {
        let command = [0xF2, 0x45] + port + [UInt8(register & 0xFF), UInt8(register >> 8)]
        let answer = try P.send(handle, command, reply: 8)
        return answer[0] == 0x80 ? STLinkCommand.le32(answer, at: 4) : nil
    }

    static func writeDAP(_ handle: any USBDeviceHandle, port: [UInt8], _ register: UInt16, _ value: UInt32) throws
        -> UInt8
    {
        let command = [0xF2, 0x46] + port + [UInt8(register & 0xFF), UInt8(register >> 8)] + STLinkCommand.le32(value)
        return try P.send(handle, command, reply: 2)[0]
    }

    static func read32(_ handle: any USBDeviceHandle, _ address: UInt32) throws -> UInt32 {
        STLinkCommand.le32(try P.send(handle, [0xF2, 0x36] + STLinkCommand.le32(address), reply: 8), at: 4)
    }

    /// V2J36+: 128 bytes, status OK, no Mbed board ID (a stand-alone probe).
    @Test func boardIdentifiersAnswerTheirFullLength() throws {
        let handle = try Self.open()
        let answer = try P.send(handle, [0xF2, 0x56], reply: 128)
        #expect(answer.count == 128 && answer[0] == 0x80 && answer[2..<6].allSatisfy { $0 == 0 })
    }

    /// DPIDR, the power-up handshake, and the core AP's IDR and BASE (an M4's AHB-AP).
    @Test func dapRegistersReadTheDPAndTheCoreAP() throws {
        let handle = try Self.open()
        #expect(try Self.readDAP(handle, port: Self.dp, 0x0) == 0x2BA0_1477)
        #expect(try Self.writeDAP(handle, port: Self.dp, 0x4, 0x5000_0000) == 0x80)
        #expect(try Self.readDAP(handle, port: Self.dp, 0x4) == 0xF000_0000)
        #expect(try Self.readDAP(handle, port: [0, 0], 0xFC) == 0x2477_0011)
        #expect(try Self.readDAP(handle, port: [0, 0], 0xF8) == 0xE00F_F003)
        #expect(try Self.readDAP(handle, port: [1, 0], 0xFC) == 0, "no AP1 on an L4")
    }

    /// TAR then DRW reads and writes memory (pyOCD's H7 MinimalMemAP reads DBGMCU this way),
    /// with single auto-increment.
    @Test func tarAndDRWReachMemory() throws {
        let handle = try Self.open()
        #expect(try Self.writeDAP(handle, port: [0, 0], 0x00, 0x0300_0012) == 0x80)
        #expect(try Self.writeDAP(handle, port: [0, 0], 0x04, 0xE000_ED00) == 0x80)
        #expect(try Self.readDAP(handle, port: [0, 0], 0x0C) == 0x410F_C241)
        #expect(try Self.readDAP(handle, port: [0, 0], 0x04) == 0xE000_ED04)
        #expect(try Self.writeDAP(handle, port: [0, 0], 0x04, 0x2000_0010) == 0x80)
        #expect(try Self.writeDAP(handle, port: [0, 0], 0x0C, 0xCAFE_F00D) == 0x80)
        #expect(try Self.read32(handle, 0x2000_0010) == 0xCAFE_F00D)
        #expect(try Self.writeDAP(handle, port: [0, 0], 0x04, 0x9000_0000) == 0x80)
        #expect(try Self.readDAP(handle, port: [0, 0], 0x0C) == nil, "unmapped: SWD_AP_FAULT")
    }

    /// Older firmware (before V2J24) has neither command.
    @Test func dapRegisterCommandsNeedJ24() throws {
        var old = VirtualSTLink.Identity.v2
        old.jtag = 23
        let handle = try Self.open(identity: old)
        #expect(try P.send(handle, [0xF2, 0x45, 0xFF, 0xFF, 0, 0], reply: 8)[0] == 0x42)
    }

    /// The ROM table at BASE names the SCS; its ID registers say what core it is: v7-M SCS
    /// (class 0xE, part 0x00C) on an M4, v8-M SCS (class 9, part 0xD21, DEVARCH 0x2A04) on an M33.
    @Test func romTableLeadsToTheCoresSCS() throws {
        let m4 = try Self.open()
        #expect(try Self.read32(m4, 0xE00F_F000) == 0xFFF0_F003)
        #expect(try (0..<4).map { try Self.read32(m4, 0xE000_EFF0 + 4 * $0) } == [0x0D, 0xE0, 0x05, 0xB1])
        #expect(try Self.read32(m4, 0xE000_EFE0) == 0x0C)
        #expect(try Self.read32(m4, 0xE00F_FFF4) == 0x10, "a class-1 ROM table")
        let m33 = try Self.open(cpuid: 0x410F_D214)
        #expect(try Self.read32(m33, 0xE000_EFF4) == 0x90)
        #expect(try Self.read32(m33, 0xE000_EFE0) == 0x21)
        #expect(try Self.read32(m33, 0xE000_EFBC) == 0x4770_2A04)
        #expect(try Self.readDAP(m33, port: [0, 0], 0xFC) == 0x1477_0015)
    }

    /// An H5: the scan finds no AP0 (the mailbox) and the core's AHB5-AP on AP1.
    @Test func anH5ScanFindsTheCoreOnAP1() throws {
        let handle = try Self.open(cpuid: 0x410F_D214, coreAccessPort: 1)
        #expect(try Self.readDAP(handle, port: [0, 0], 0xFC) == 0)
        #expect(try Self.readDAP(handle, port: [1, 0], 0xFC) == 0x1477_0015)
        #expect(try Self.readDAP(handle, port: [1, 0], 0xF8) == 0xE00F_F003)
        #expect(try Self.readDAP(handle, port: [2, 0], 0xFC) == 0)
    }
}
