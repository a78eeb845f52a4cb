import Testing
import VirtualDevices

/// NOR-flash semantics behind 0x30, 0x31, 0x32, 0x3C, 0x3D and 0x3E (spec 6 and 10).
@Suite struct FlashTests {
    func read(_ device: VirtualQCC743, _ address: Int, _ count: Int) -> [UInt8] {
        Array(device.answer(frame(0x32, le32(address) + le32(count))).dropFirst(4))
    }

    @Test func aWriteToErasedFlashStoresTheData() {
        let device = VirtualQCC743.synced()
        let data = noise(count: 2048)
        #expect(device.answer(frame(0x31, le32(0x10000) + data)) == ok)
        #expect(read(device, 0x10000, 2048) == data)
        #expect(read(device, 0xFFFF, 1) == [0xFF])
        #expect(read(device, 0x10800, 1) == [0xFF])
        #expect(device.flash.bytes[0x10000..<0x10800].elementsEqual(data))
    }

    @Test func aWriteOverUnerasedFlashLeavesTheAND() {
        let device = VirtualQCC743.synced(flash: [UInt8](repeating: 0xF0, count: 16))
        #expect(device.answer(frame(0x31, le32(0) + [UInt8](repeating: 0x3C, count: 16))) == ok)
        #expect(read(device, 0, 16) == [UInt8](repeating: 0x30, count: 16))
        // Writing twice to erased flash: 0xAA then 0x55 leaves 0x00; a 0xFF write changes nothing.
        #expect(device.answer(frame(0x31, le32(0x100) + [0xAA, 0xAA])) == ok)
        #expect(device.answer(frame(0x31, le32(0x100) + [0x55, 0xFF])) == ok)
        #expect(read(device, 0x100, 2) == [0x00, 0xAA])
    }

    @Test func eraseRoundsOutToWholeSectors() {
        let device = VirtualQCC743.synced(flash: [UInt8](repeating: 0x00, count: 0x4000))
        // One byte in sector 1 erases all of sector 1 and nothing else.
        #expect(device.answer(frame(0x30, le32(0x1800) + le32(0x1800))) == ok)
        #expect(read(device, 0x0FFF, 1) == [0x00])
        #expect(read(device, 0x1000, 4096) == [UInt8](repeating: 0xFF, count: 4096))
        #expect(read(device, 0x2000, 1) == [0x00])
    }

    @Test func eraseEndIsInclusive() {
        let device = VirtualQCC743.synced(flash: [UInt8](repeating: 0x00, count: 0x5000))
        // [0x1000, 0x1FFF] is exactly sector 1.
        #expect(device.answer(frame(0x30, le32(0x1000) + le32(0x1FFF))) == ok)
        #expect(read(device, 0x1FFF, 2) == [0xFF, 0x00])
        // [0x3000, 0x4000] reaches one byte into sector 4, so sector 4 goes too.
        #expect(device.answer(frame(0x30, le32(0x3000) + le32(0x4000))) == ok)
        #expect(read(device, 0x2FFF, 1) == [0x00])
        #expect(read(device, 0x3000, 0x2000) == [UInt8](repeating: 0xFF, count: 0x2000))
    }

    @Test func badEraseRangesGetEraseError() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x30, le32(0x2000) + le32(0x1000))) == fail(0x0003))
        #expect(device.answer(frame(0x30, le32(0x3F_F000) + le32(0x40_0000))) == fail(0x0003))
    }

    @Test func chipEraseAnswersPendingOncePerSecondThenOK() {
        let device = VirtualQCC743.synced(flash: [UInt8](repeating: 0x12, count: 8192))
        let actions = device.receive([0x3C, 0x00, 0x00, 0x00])
        #expect(sent(actions) == Array([[UInt8]](repeating: pendingReply, count: 10).joined()) + ok)
        #expect(busyNanoseconds(actions) == 10_000_000_000)
        #expect(device.flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func aLargeEraseAlsoSendsPending() {
        let device = VirtualQCC743.synced()
        // All 4 MiB in 64 KiB blocks at 150 ms: 9.6 s, so nine PD before the OK.
        let actions = device.receive(frame(0x30, le32(0) + le32(0x3F_FFFF)))
        #expect(sent(actions) == Array([[UInt8]](repeating: pendingReply, count: 9).joined()) + ok)
        #expect(busyNanoseconds(actions) == 9_600_000_000)
    }

    @Test func writesAndReadsOutsideTheFlashFail() {
        let device = VirtualQCC743.synced()
        let end = 4 << 20
        #expect(device.answer(frame(0x31, le32(end - 2) + [1, 2, 3, 4])) == fail(0x0005))
        #expect(read(device, end - 2, 2) == [0xFF, 0xFF])
        #expect(device.answer(frame(0x31, le32(0x8000_0000) + [1])) == fail(0x0005))
        #expect(device.answer(frame(0x32, le32(end - 1) + le32(2))).prefix(2) == [0x46, 0x4C])
        #expect(device.answer(frame(0x3E, le32(end) + le32(1))).prefix(2) == [0x46, 0x4C])
        #expect(device.answer(frame(0x36)) == okData([0xC4, 0x60, 0x16, 0x00]))
    }

    @Test(arguments: [UInt8(0x3E), 0x3D])
    func shaIsTheSHA256OfTheFlashRange(id: UInt8) {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x31, le32(0x2000) + Array("abc".utf8))) == ok)
        #expect(
            device.answer(frame(id, le32(0x2000) + le32(3)))
                == okData(bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
        // An erased sector: SHA-256 of 4096 × 0xFF.
        #expect(
            device.answer(frame(id, le32(0x3000) + le32(4096)))
                == okData(bytes("f47a8ec3e9aff2318d896942282ad4fe37d6391c82914f54a5da8a37de1300c6")))
    }

    @Test func aVendorSessionWritesThenVerifies() {
        // The per-file sequence of spec section 7 step 10 with erase = 1 and a small file.
        let device = VirtualQCC743.synced(flash: [UInt8](repeating: 0x00, count: 0x2_0000))
        let file = noise(count: 3000)
        #expect(device.answer(frame(0x3B, [0x08, 0x41, 0x01, 0x01] + [UInt8](repeating: 0, count: 84))) == ok)
        #expect(device.answer(frame(0x30, le32(0xE000) + le32(0xE000 + file.count - 1))) == ok)
        #expect(device.answer(frame(0x31, le32(0xE000) + Array(file[0..<2048]))) == ok)
        #expect(device.answer(frame(0x31, le32(0xE800) + Array(file[2048...]))) == ok)
        #expect(device.answer(frame(0x3A)) == ok)
        #expect(device.answer(frame(0x60)) == ok)
        let sha = device.answer(frame(0x3E, le32(0xE000) + le32(file.count)))
        #expect(device.answer(frame(0x61)) == ok)
        #expect(sha.count == 4 + 32)
        let tail = read(device, 0xE000 + file.count, 0xF000 - 0xE000 - file.count)
        #expect(tail.allSatisfy { $0 == 0xFF })
        #expect(read(device, 0xE000, 2048) + read(device, 0xE800, file.count - 2048) == file)
        #expect(read(device, 0xDFFF, 1) == [0x00])
        #expect(read(device, 0xF000, 1) == [0x00])
    }
}
