import Testing
import VirtualDevices

/// What the ROM says about itself: boot info (spec 8), MAC (6.1), JEDEC id, and the eFuse a
/// factory-fresh or ST-locked module holds (12.2, 12.5).
@Suite struct IdentityTests {
    /// Seed A from the user log, spec section 8.
    let seedA = bytes("02 00 16 06 01 00 01 00 a7 12 82 01 dc d2 03 7b 82 40 1c 00 8f 75 80 90 e8 80 5b e3")

    @Test func bootInfoOfAFactoryModule() {
        let device = VirtualQCC743.synced(efuse: VirtualQCC743.factoryEfuse())
        var expected = seedA
        expected[4] = 0  // sign: not locked
        expected[8] = 0x27  // sw_usage_0 without bit 7 (sign_cfg)
        #expect(device.answer([0x10, 0x00, 0x00, 0x00]) == bytes("4f 4b 1c 00") + expected)
    }

    @Test func bootInfoOfALockedModuleIsSeedA() {
        var efuse = VirtualQCC743.factoryEfuse()
        VirtualQCC743.lock(&efuse)
        let device = VirtualQCC743.synced(efuse: efuse)
        #expect(device.answer([0x10, 0x00, 0x00, 0x00]) == okData(seedA))
    }

    @Test func bootInfoEchoesTheChipIdAndFlashPin() {
        // Seed B's chip id (spec 8): printed 40827b037742, stored reversed.
        let device = VirtualQCC743.synced(
            efuse: VirtualQCC743.factoryEfuse(chipID: [0x42, 0x77, 0x03, 0x7B, 0x82, 0x40]))
        let info = Array(device.answer(frame(0x10)).dropFirst(4))
        #expect(info.count == 28)
        #expect(Array(info[12..<18]) == [0x42, 0x77, 0x03, 0x7B, 0x82, 0x40])
        let swUsage0 = UInt32(info[8]) | UInt32(info[9]) << 8 | UInt32(info[10]) << 16 | UInt32(info[11]) << 24
        #expect((swUsage0 >> 14) & 0x3F == 0x08)
    }

    @Test func lockBurnsWhatSTsEfuseFileBurns() {
        var efuse = VirtualQCC743.factoryEfuse()
        VirtualQCC743.lock(&efuse)
        let device = VirtualQCC743.synced(efuse: efuse)
        func read(_ address: Int, _ count: Int) -> [UInt8] {
            device.answer(frame(0x41, le32(address) + le32(count)))
        }
        #expect(read(0x000, 4) == okData(le32(UInt32(0x0C00_0000))))
        #expect(
            read(0x01C, 32) == okData(bytes("9e0cb122 65b514e6 50717435 55e9c9d1 937d1287 a7ff63aa 5add5d76 c08b35eb")))
        #expect(read(0x05C, 4) == okData(bytes("a7 12 82 01")))
        #expect(read(0x07C, 4) == okData(le32(UInt32(0x0006_1000))))
        #expect(read(0x014, 6) == okData(bytes("dc d2 03 7b 82 40")))
    }

    @Test func factoryEfuseHasNoKeyAndNoLocks() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x41, le32(0x1C) + le32(32))) == okData([UInt8](repeating: 0, count: 32)))
        #expect(device.answer(frame(0x41, le32(0x5C) + le32(4))) == okData(bytes("27 12 82 01")))
        #expect(device.answer(frame(0x41, le32(0x7C) + le32(4))) == okData([0, 0, 0, 0]))
    }

    @Test func efuseReadMACIsTheMACAndItsCRC32() {
        let device = VirtualQCC743.synced()
        // CRC32 (zlib) of dc d2 03 7b 82 40 is 0x1273C2C8, sent little-endian.
        #expect(device.answer([0x42, 0x00, 0x00, 0x00]) == bytes("4f 4b 0a 00 dc d2 03 7b 82 40 c8 c2 73 12"))
    }

    @Test func jedecIdIsTheUserLogs() {
        let device = VirtualQCC743.synced()
        #expect(device.answer([0x36, 0x00, 0x00, 0x00]) == bytes("4f 4b 04 00 c4 60 16 00"))
    }

    @Test func theFlashIsAsLargeAsTheJedecCapacitySays() {
        var configuration = VirtualQCC743.Configuration()
        configuration.jedecID = [0xEF, 0x40, 0x15, 0x00]  // 2 MiB
        let device = VirtualQCC743.synced(configuration: configuration)
        #expect(device.flash.size == 2 << 20)
        #expect(device.answer(frame(0x32, le32(0x1F_FFFF) + le32(1))) == okData([0xFF]))
        #expect(device.answer(frame(0x32, le32(0x20_0000) + le32(1))).prefix(2) == [0x46, 0x4C])
    }

    @Test func clkSetAnswersAtTheOldRateThenListensAtTheNew() {
        let device = VirtualQCC743.synced()
        // QConn's frame, byte for byte ([RUN], spec 6.1): irq 1, 2000000 baud.
        #expect(frame(0x22, le32(1) + le32(2_000_000)) == bytes("22 2b 08 00 01 00 00 00 80 84 1e 00"))
        #expect(device.listeningBaud == 500_000)
        let actions = device.receive(bytes("22 2b 08 00 01 00 00 00 80 84 1e 00"))
        #expect(actions == [.send(ok, baud: 500_000)])
        #expect(device.listeningBaud == 2_000_000)
        // Everything after goes out at the new rate.
        #expect(device.receive(frame(0x36)) == [.send(okData([0xC4, 0x60, 0x16, 0x00]), baud: 2_000_000)])
    }

    @Test func clkSetWithClockParametersIsAccepted() {
        let device = VirtualQCC743.synced()
        // 8 bytes + the 20-byte PCFG clock block the host may append (spec 6.1).
        #expect(device.answer(frame(0x22, le32(1) + le32(1_000_000) + [UInt8](repeating: 0x11, count: 20))) == ok)
        #expect(device.listeningBaud == 1_000_000)
    }

    @Test(arguments: [UInt8(0x3B), 0x50, 0x60, 0x61, 0x3A])
    func sessionHousekeepingCommandsAnswerOK(id: UInt8) {
        let device = VirtualQCC743.synced()
        let payload: [UInt8] =
            switch id {
            case 0x3B: [0x08, 0x41, 0x01, 0x01] + [UInt8](repeating: 0xA5, count: 84)
            case 0x50: le32(0x2000_F108) + le32(0)
            default: []
            }
        #expect(device.answer(frame(id, payload)) == ok)
    }

    @Test func resetCommandAnswersThenWaitsForSync() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x22, le32(1) + le32(2_000_000))) == ok)
        #expect(device.receive(frame(0x21)) == [.send(ok, baud: 2_000_000)])
        #expect(device.listeningBaud == 500_000)
        #expect(device.answer(frame(0x36)).isEmpty)
    }
}
