import BootwireCore
import Foundation
import STM32
import Testing
import VirtualDevices

// The virtual STM32 bootloader byte for byte against the spec (shared/specs/stm32-uart-bootloader.md
// sections 1, 2 and 6). Expected bytes are written out from the spec's traces.

extension VirtualSTM32 {
    /// Feeds bytes and returns what came back on the line.
    func answer(_ hex: String) -> [UInt8] { sent(receive(bytes(hex))) }
    func answer(_ bytes: [UInt8]) -> [UInt8] { sent(receive(bytes)) }

    static func synced(_ device: STM32Device, configure: (inout Configuration) -> Void = { _ in }) -> VirtualSTM32 {
        var configuration = Configuration(device: device)
        configure(&configuration)
        let virtual = VirtualSTM32(configuration: configuration)
        #expect(virtual.answer("7f") == [0x79])
        return virtual
    }
}

/// Address frame: 4 bytes big-endian and their XOR.
func stm32Address(_ address: UInt32) -> [UInt8] {
    let b = [UInt8(address >> 24), UInt8((address >> 16) & 0xFF), UInt8((address >> 8) & 0xFF), UInt8(address & 0xFF)]
    return b + [b[0] ^ b[1] ^ b[2] ^ b[3]]
}

/// Write Memory data frame: N-1, data, XOR of both.
func stm32Data(_ data: [UInt8]) -> [UInt8] {
    [UInt8(data.count - 1)] + data + [data.reduce(UInt8(data.count - 1), ^)]
}

let l476 = STM32DeviceTable.l476
let f103 = STM32DeviceTable.f103

@Suite struct VirtualSTM32SyncTests {
    @Test func silentUntil7F() {
        let device = VirtualSTM32(configuration: .init(device: l476))
        #expect(device.answer("00 ff 11 ee 02 fd 55 55").isEmpty)
        #expect(device.answer("7f") == [0x79])
        #expect(device.isSynced)
    }

    @Test func aSecond7FIsACommandByteAndTheThirdGetsNACK() {
        let device = VirtualSTM32.synced(l476)
        // Waits for the complement of 0x7F: silence.
        #expect(device.answer("7f").isEmpty)
        // 7F 7F fails the complement test.
        #expect(device.answer("7f") == [0x1F])
        // Back to waiting for a command.
        #expect(device.answer("02 fd") == bytes("79 01 04 15 79"))
    }

    @Test func aBadComplementOrAnUnknownCommandGetsNACK() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("11 ef") == [0x1F])
        #expect(device.answer("43 bc") == [0x1F])  // L476 lists 0x44, not 0x43
        #expect(device.answer("a1 5e") == [0x1F])  // no Get Checksum on L4
        #expect(device.answer("50 af") == [0x1F])
        #expect(device.answer("01 fe") == bytes("79 31 00 00 79"))
    }

    @Test func theSyncGlitchComesOncePerReset() {
        let device = VirtualSTM32.make(device: l476, faults: [.syncGlitch])
        #expect(device.answer("7f") == bytes("00 79"))
        #expect(device.answer("7f 7f") == [0x1F])
        device.reset()
        #expect(device.answer("7f") == bytes("00 79"))
    }

    @Test func levelTwoHasNoBootloader() {
        var configuration = VirtualSTM32.Configuration(device: l476)
        configuration.optionBytes.setReadoutProtection(.level2)
        let device = VirtualSTM32(configuration: configuration)
        #expect(device.answer("7f").isEmpty)
        device.reset()
        #expect(device.answer("7f 7f 7f").isEmpty)
    }
}

@Suite struct VirtualSTM32CommandTests {
    @Test func getOnF103IsTheSpecTrace() {
        let device = VirtualSTM32.synced(f103)
        #expect(device.answer("00 ff") == bytes("79 0b 22 00 01 02 11 21 31 43 63 73 82 92 79"))
        #expect(device.answer("01 fe") == bytes("79 22 00 00 79"))
        #expect(device.answer("02 fd") == bytes("79 01 04 10 79"))
    }

    @Test func getIDOnL476() {
        #expect(VirtualSTM32.synced(l476).answer("02 fd") == bytes("79 01 04 15 79"))
    }

    @Test func readMemoryHasNoTrailingACK() {
        let device = VirtualSTM32.synced(f103)
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x1FFF_F7E0)) == [0x79])
        // 64 KiB, as the spec's F1 trace answers: 40 00, and nothing after.
        #expect(device.answer("01 fe") == bytes("79 40 00"))
        #expect(device.answer("02 fd") == bytes("79 01 04 10 79"))
    }

    @Test func readMemoryRefusals() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x6000_0000)) == [0x1F])  // unmapped
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer("08 00 00 00 09") == [0x1F])  // bad address checksum
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer("ff 01") == [0x1F])  // bad length complement
        // Past the end of flash.
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x080F_FF80)) == [0x79])
        #expect(device.answer("ff 00") == [0x1F])
    }

    @Test func writeMemoryByteExact() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer(stm32Data([1, 2, 3, 4, 5, 6, 7, 8])) == [0x79])
        #expect(Array(device.flash[0..<9]) == [1, 2, 3, 4, 5, 6, 7, 8, 0xFF])
        // The spec's 1000-byte image ends with a 232-byte block: E7 …232 bytes… cs.
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0300)) == [0x79])
        #expect(device.answer(stm32Data([UInt8](repeating: 0x5A, count: 232))) == [0x79])
    }

    @Test func writeMemoryRefusals() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0002)) == [0x1F])  // not 4-aligned
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        var frame = stm32Data([1, 2, 3, 4])
        frame[frame.count - 1] ^= 0xFF
        #expect(device.answer(frame) == [0x1F])  // bad checksum
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer(stm32Data([1, 2, 3])) == [0x1F])  // not whole words
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x2000_0000)) == [0x1F])  // the bootloader's own RAM
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x2000_3100)) == [0x79])  // first free RAM
        #expect(device.answer(stm32Data([1, 2, 3, 4])) == [0x79])
        #expect(device.flash.allSatisfy { $0 == 0xFF })
    }

    /// L4 flash words are 64 bits with ECC: one program per erase (spec 2, 0x31, and 5).
    @Test func l4DoubleWordIsProgrammedOnce() {
        let device = VirtualSTM32.synced(l476)
        for (address, data, reply) in [
            (UInt32(0x0800_0000), [UInt8](repeating: 0x11, count: 4), UInt8(0x79)),
            (0x0800_0004, [UInt8](repeating: 0x22, count: 4), 0x1F),  // same double word
            (0x0800_0008, [UInt8](repeating: 0x33, count: 4), 0x79),
            (0x0800_0008, [UInt8](repeating: 0x00, count: 8), 0x79),  // all zeros is allowed
        ] {
            #expect(device.answer("31 ce") == [0x79])
            #expect(device.answer(stm32Address(address)) == [0x79])
            #expect(device.answer(stm32Data(data)) == [reply])
        }
        #expect(Array(device.flash[0..<16]) == bytes("11111111 ffffffff 00000000 00000000"))
    }

    /// F1 programs half-words: the same two writes both succeed there.
    @Test func f1HalfWordsAllowAdjacentWords() {
        let device = VirtualSTM32.synced(f103)
        for address in [UInt32(0x0800_0000), 0x0800_0004] {
            #expect(device.answer("31 ce") == [0x79])
            #expect(device.answer(stm32Address(address)) == [0x79])
            #expect(device.answer(stm32Data([0x12, 0x34, 0x56, 0x78])) == [0x79])
        }
        // But not over itself.
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer(stm32Data([0x02, 0x04, 0x06, 0x08])) == [0x1F])
    }

    @Test func legacyEraseTraces() {
        let device = VirtualSTM32(configuration: .init(device: f103), flash: [UInt8](repeating: 0, count: 64 << 10))
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("01 02 03 00") == [0x79])  // pages 2..3
        #expect(
            device.flash[0x7FF] == 0 && device.flash[0x800..<0x1000].allSatisfy { $0 == 0xFF }
                && device.flash[0x1000] == 0)
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("00 00 01") == [0x1F])  // bad checksum
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("00 40 40") == [0x1F])  // page 64 does not exist on 64 KiB
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("ff 00") == [0x79])  // global
        #expect(device.flash.allSatisfy { $0 == 0xFF })
    }

    @Test func extendedEraseOnTheL476DualBank() {
        let device = VirtualSTM32(configuration: .init(device: l476), flash: [UInt8](repeating: 0, count: 1 << 20))
        #expect(device.answer("7f") == [0x79])
        // The spec's trace: page 1 only.
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 00 01 01") == [0x79])
        #expect(
            device.flash[0x7FF] == 0 && device.flash[0x800..<0x1000].allSatisfy { $0 == 0xFF }
                && device.flash[0x1000] == 0)
        // Page 256 is bank 2's first page, at 0x08080000.
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 01 00 01") == [0x79])
        #expect(
            device.flash[0x7_FFFF] == 0 && device.flash[0x8_0000..<0x8_0800].allSatisfy { $0 == 0xFF }
                && device.flash[0x8_0800] == 0)
        // Page 512 does not exist.
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 02 00 02") == [0x1F])
        // Bank 2, then bank 1.
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff fd 02") == [0x79])
        #expect(device.flash[0x8_0000...].allSatisfy { $0 == 0xFF } && device.flash[0x1000] == 0)
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff fe 01") == [0x79])
        #expect(device.flash.allSatisfy { $0 == 0xFF })
        // Reserved codes are refused (OpenBL), and a bad checksum too.
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff fc 03") == [0x1F])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff ff 01") == [0x1F])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff ff 00") == [0x79])
    }

    @Test func aSingleBankPartRefusesBankErase() {
        let device = VirtualSTM32.synced(STM32DeviceTable.wb55)
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff fe 01") == [0x1F])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff ff 00") == [0x79])
    }

    @Test func eraseTakesThePagesTime() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("44 bb") == [0x79])
        let actions = device.receive(bytes("00 01 00 05 00 06 02"))
        #expect(sent(actions) == [0x79])
        #expect(busyNanoseconds(actions) == 2 * l476.times.pageEraseTypical)
    }

    @Test func goRunsTheApplicationUntilAReset() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("21 de") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.isRunningApplication)
        #expect(device.answer("7f 7f 00 ff").isEmpty)
        device.reset()
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("21 de") == [0x79])
        #expect(device.answer(stm32Address(0x6000_0000)) == [0x1F])
    }

    /// stm32flash -R: a stub in RAM that writes SYSRESETREQ; Go to it resets the part.
    @Test func goToTheResetStubResets() {
        let device = VirtualSTM32.synced(f103)
        let stub = bytes("00200020 09020020 0149 024a 0a60 fee7 0ced00e0 0400fa05")
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x2000_0200)) == [0x79])
        #expect(device.answer(stm32Data(stub)) == [0x79])
        let resets = device.resets
        #expect(device.answer("21 de") == [0x79])
        #expect(device.answer(stm32Address(0x2000_0200)) == [0x79])
        #expect(device.resets == resets + 1 && !device.isRunningApplication)
        #expect(device.answer("7f") == [0x79])
    }

    @Test func getChecksumOnH563() {
        let device = VirtualSTM32.synced(STM32DeviceTable.h563)
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer(stm32Data(bytes("78563412"))) == [0x79])
        #expect(device.answer("a1 5e") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        // Length 4, then ACK, then the CRC MSB first and its XOR.
        #expect(device.answer(stm32Address(4)) == bytes("79 79 df 8a 8a 2b") + [0xDF ^ 0x8A ^ 0x8A ^ 0x2B])
        #expect(device.answer("a1 5e") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer(stm32Address(6)) == [0x1F])  // not whole words
    }

    @Test func wbSecureAreaIsNotReachable() {
        let device = VirtualSTM32.synced(STM32DeviceTable.wb55)
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x080F_4000)) == [0x1F])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 00 f4 f4") == [0x1F])
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x1FFF_8070)) == [0x79])
        #expect(device.answer("03 fc") == bytes("79 f4 fe ff ff"))
    }
}

/// Readout and write protection (spec 1 "RDP gating", 2 0x63–0x92, 6 item 4).
@Suite struct VirtualSTM32ProtectionTests {
    func locked(_ device: STM32Device = l476) -> VirtualSTM32 {
        let virtual = VirtualSTM32.make(
            device: device, faults: [.locked(keyHash: nil)], flash: [UInt8](repeating: 0x42, count: 4096))
        #expect(virtual.readoutProtection == .level1)
        #expect(virtual.answer("7f") == [0x79])
        return virtual
    }

    @Test func levelOneAllowsOnlyGetGetVersionGetIDAndReadoutUnprotect() {
        let device = locked()
        #expect(device.answer("00 ff") == bytes("79 0b 31 00 01 02 11 21 31 44 63 73 82 92 79"))
        #expect(device.answer("01 fe") == bytes("79 31 00 00 79"))
        #expect(device.answer("02 fd") == bytes("79 01 04 15 79"))
        for command in ["11 ee", "21 de", "31 ce", "44 bb", "63 9c", "73 8c", "82 7d"] {
            #expect(device.answer(command) == [0x1F], "\(command)")
        }
    }

    @Test func readoutUnprotectMassErasesAndResets() {
        let device = locked()
        let actions = device.receive(bytes("92 6d"))
        // Two ACKs with the mass erase between them, then nothing.
        #expect(sent(actions) == bytes("79 79"))
        #expect(busyNanoseconds(actions) >= 2 * l476.times.massEraseTypical)
        #expect(device.flash.allSatisfy { $0 == 0xFF })
        #expect(device.readoutProtection == .level0)
        // The part reset: it waits for a new 0x7F.
        #expect(device.answer("02 fd").isEmpty)
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("11 ee") == [0x79])
    }

    @Test func f1ReadoutUnprotectRestoresFactoryOptions() {
        var configuration = VirtualSTM32.Configuration(device: f103)
        configuration.optionBytes.setReadoutProtection(.level1)
        _ = configuration.optionBytes.applyWriteProtect(codes: [0])
        let device = VirtualSTM32(configuration: configuration)
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("92 6d") == bytes("79 79"))
        #expect(device.optionBytes.areas[0] == bytes("a5 5a ff 00 ff 00 ff 00 ff 00 ff 00 ff 00 ff 00"))
    }

    @Test func readoutProtectResetsIntoLevelOne() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("82 7d") == bytes("79 79"))
        #expect(device.readoutProtection == .level1)
        #expect(device.answer("11 ee").isEmpty)  // waiting for 0x7F
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("11 ee") == [0x1F])
    }

    @Test func writeProtectPairsThenUnprotect() {
        let device = VirtualSTM32.synced(l476)
        #expect(device.answer("63 9c") == [0x79])
        // Two codes: WRP1A from page 0 to page 3; checksum over the count and codes.
        #expect(device.answer("01 00 03 02") == [0x79])
        #expect(!device.isSynced)
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 00 03 03") == [0x1F])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 00 04 04") == [0x79])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("ff ff 00") == [0x1F])  // mass erase with protection set
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x0800_1800)) == [0x79])
        #expect(device.answer(stm32Data([1, 2, 3, 4])) == [0x1F])
        #expect(device.answer("73 8c") == bytes("79 79"))
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("44 bb") == [0x79])
        #expect(device.answer("00 00 00 03 03") == [0x79])
    }

    @Test func f1WriteProtectBits() {
        let device = VirtualSTM32.synced(f103)
        #expect(device.answer("63 9c") == [0x79])
        #expect(device.answer("00 01 01") == [0x79])  // WRP bit 1: pages 4-7
        #expect(device.answer("7f") == [0x79])
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("00 05 05") == [0x1F])
        #expect(device.answer("43 bc") == [0x79])
        #expect(device.answer("00 08 08") == [0x79])
    }

    @Test func optionByteWritesApplyAtTheReset() {
        let device = VirtualSTM32(
            configuration: .init(device: l476),
            flash: [UInt8](repeating: 0xA0, count: 16) + [UInt8](repeating: 0xFF, count: 0x8_0000 - 16)
                + [UInt8](repeating: 0xB0, count: 16))
        #expect(device.answer("7f") == [0x79])
        // OPTR with BFB2 (bit 20) set: ff ff ef ff → ff ff ff ff in the third byte.
        #expect(device.answer("31 ce") == [0x79])
        #expect(device.answer(stm32Address(0x1FFF_7800)) == [0x79])
        #expect(device.answer(stm32Data(bytes("aa f8 ff ff 55 07 00 00"))) == [0x79])
        #expect(!device.isSynced)
        #expect(device.answer("7f") == [0x79])
        // Bank 2 now appears at 0x08000000.
        #expect(device.answer("11 ee") == [0x79])
        #expect(device.answer(stm32Address(0x0800_0000)) == [0x79])
        #expect(device.answer("03 fc") == bytes("79 b0 b0 b0 b0"))
    }
}

/// The virtual STM32 behind a real pty: autobaud, the reset on open, the wire model.
@MainActor @Suite struct VirtualSTM32RunnerTests {
    func withSTM32(_ device: VirtualSTM32, wire: WireModel = .instant, _ body: (VirtualDeviceRunner) throws -> Void)
        throws
    {
        let runner = try VirtualDeviceRunner(device: device, wire: wire)
        runner.start()
        defer { runner.stop() }
        try body(runner)
    }

    @Test(arguments: [9600, 57600, 115_200, 921_600])
    func theBootloaderAdoptsTheHostsRate(baud: Int) throws {
        try withSTM32(VirtualSTM32(configuration: .init(device: l476))) { runner in
            let host = try Host(runner.slavePath, baud: baud)
            try host.write([0x7F])
            #expect(try host.read(1) == [0x79])
            try host.write(bytes("02 fd"))
            #expect(try host.read(5) == bytes("79 01 04 15 79"))
        }
    }

    @Test func theRateIsKeptUntilAReset() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withSTM32(device) { runner in
            do {
                let host = try Host(runner.slavePath, baud: 57600)
                try host.write([0x7F])
                #expect(try host.read(1) == [0x79])
                try host.setBaud(115_200)
                try host.write(bytes("02 fd"))
                let heard = try host.collect(milliseconds: 150)
                #expect(!heard.starts(with: [0x79, 0x01]))
                #expect(device.listeningBaud == 57600)
            }
            letTheRunnerNotice(runner)
            // A new open is a reset: the next 0x7F sets the rate again.
            let host = try Host(runner.slavePath, baud: 115_200)
            try host.write([0x7F])
            #expect(try host.read(1) == [0x79])
            #expect(device.listeningBaud == 115_200)
        }
    }

    @Test func virtualPortNamesAndElevenBitBytes() throws {
        let runner = try VirtualPort.start("virtual:stm32l476,wire=instant")
        defer { runner.stop() }
        #expect((runner.device as? VirtualSTM32)?.device.productID == 0x415)
        #expect(runner.wire.bitsPerByte == 11)
        let host = try Host(runner.slavePath, baud: 115_200)
        try host.write([0x7F])
        #expect(try host.read(1) == [0x79])
        #expect(VirtualPort.names.contains("stm32f103") && VirtualPort.names.contains("stm32h563"))
        #expect(throws: BootwireError.self) { _ = try VirtualPort.start("virtual:stm32f999") }
    }

    @Test func realisticWireCountsElevenBitsAByte() throws {
        var wire = WireModel.realistic
        wire.bitsPerByte = 11
        try withSTM32(VirtualSTM32(configuration: .init(device: l476)), wire: wire) { runner in
            let host = try Host(runner.slavePath, baud: 11_000)
            try host.write([0x7F])
            #expect(try host.read(1) == [0x79])
            // Two bytes on the wire at 11000 baud, 11 bits each: 2 ms.
            #expect(runner.statistics.wireNanoseconds == 2_000_000)
        }
    }
}

/// `bootwire emulate stm32` as a user runs it.
@Suite struct EmulateSTM32CommandTests {
    @Test func writesReachTheDumpAndTheOptionBytesDump() throws {
        let executable = try #require(EmulateCommandTests.executable, "build the package first: bootwire not found")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bootwire-stm32-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let link = folder.appendingPathComponent("tty").path
        let dump = folder.appendingPathComponent("flash.bin").path
        let optionDump = folder.appendingPathComponent("ob.bin").path
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "emulate", "stm32", "--device", "f103", "--wire", "instant", "--link", link, "--dump", dump,
            "--option-bytes-dump", optionDump,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let deadline = Deadline.after(milliseconds: 10_000)
        while !FileManager.default.fileExists(atPath: link) && !deadline.hasPassed {
            MonotonicClock.sleep(milliseconds: 10)
        }
        do {
            let host = try Host(link, baud: 115_200)
            try host.write([0x7F])
            #expect(try host.read(1) == [0x79])
            try host.write(bytes("31 ce") + stm32Address(0x0800_0400))
            #expect(try host.read(2) == bytes("79 79"))
            try host.write(stm32Data([0xDE, 0xAD, 0xBE, 0xEF]))
            #expect(try host.read(1) == [0x79])
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let flash = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dump)))
        #expect(flash.count == 64 << 10)
        #expect(Array(flash[0x400..<0x404]) == bytes("de ad be ef") && flash[0x3FF] == 0xFF)
        let options = try [UInt8](Data(contentsOf: URL(fileURLWithPath: optionDump)))
        #expect(options == bytes("a5 5a ff 00 ff 00 ff 00 ff 00 ff 00 ff 00 ff 00"))
    }

    @Test(arguments: [
        ["stm32", "--efuse-dump", "/tmp/x"], ["stm32", "--device", "f999"], ["qcc743", "--rdp", "1"],
        ["stm32", "--rdp", "3"],
    ])
    func usageErrorsExitWith2(arguments: [String]) throws {
        let executable = try #require(EmulateCommandTests.executable, "build the package first: bootwire not found")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["emulate"] + arguments + ["--wire", "instant"]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        let deadline = Deadline.after(milliseconds: 10_000)
        while process.isRunning && !deadline.hasPassed { MonotonicClock.sleep(milliseconds: 10) }
        if process.isRunning { process.terminate() }
        #expect(process.terminationStatus == 2)
    }
}
