import Testing
import VirtualDevices

/// eFuse 0x40 / 0x41 (spec 12.3): one-time programmable, so writes OR bits in.
@Suite struct EfuseTests {
    func read(_ device: VirtualQCC743, _ address: Int, _ count: Int) -> [UInt8] {
        device.answer(frame(0x41, le32(address) + le32(count)))
    }

    @Test func writesOrBitsIn() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x40, le32(0x64) + [0x0F])) == ok)
        #expect(read(device, 0x64, 1) == okData([0x0F]))
        #expect(device.answer(frame(0x40, le32(0x64) + [0xF0])) == ok)
        #expect(read(device, 0x64, 1) == okData([0xFF]))
    }

    @Test func aWriteCanNeverClearABit() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x40, le32(0x70) + [0xA5, 0x5A])) == ok)
        #expect(device.answer(frame(0x40, le32(0x70) + [0x00, 0x00])) == ok)
        #expect(read(device, 0x70, 2) == okData([0xA5, 0x5A]))
        // The factory MAC stays whatever is written over it.
        #expect(device.answer(frame(0x40, le32(0x14) + [UInt8](repeating: 0, count: 6))) == ok)
        #expect(read(device, 0x14, 6) == okData(bytes("dc d2 03 7b 82 40")))
        #expect(device.efuse.count == 512)
    }

    @Test func qconnsWriteSequenceLandsAsWritten() {
        // Spec 12.3: addr 0 with eFuse[0..123] + 4 zeros, then addr 0x70 with 12 zeros + [124..127].
        var image = [UInt8](repeating: 0, count: 128)
        image.replaceSubrange(0x1C..<0x3C, with: VirtualQCC743.stKeyHash)
        image.replaceSubrange(0x5C..<0x60, with: le32(UInt32(0x80)))
        image.replaceSubrange(0x7C..<0x80, with: le32(UInt32(0x0006_1000)))
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x40, le32(0) + Array(image[0..<124]) + [0, 0, 0, 0])) == ok)
        #expect(
            device.answer(frame(0x40, le32(0x70) + [UInt8](repeating: 0, count: 12) + Array(image[124..<128]))) == ok)
        #expect(read(device, 0x1C, 32) == okData(VirtualQCC743.stKeyHash))
        #expect(read(device, 0x7C, 4) == okData(bytes("00 10 06 00")))
        // sign_cfg is now set, and boot info says so.
        #expect(read(device, 0x5C, 4) == okData(bytes("a7 12 82 01")))
        #expect(device.answer(frame(0x10))[4 + 4] == 1)
    }

    @Test func theWholeArrayReadsBack() {
        let device = VirtualQCC743.synced()
        let reply = read(device, 0, 512)
        #expect(reply.count == 4 + 512)
        #expect(Array(reply[0..<4]) == bytes("4f 4b 00 02"))
        #expect(Array(reply[(4 + 0x14)..<(4 + 0x1A)]) == bytes("dc d2 03 7b 82 40"))
    }

    @Test func accessBeyondTheArrayFails() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x40, le32(0x1FF) + [1, 2])) == fail(0x0402))
        #expect(read(device, 0x1FF, 1) == okData([0]))
        #expect(read(device, 0x1FF, 2) == fail(0x0405))
        #expect(read(device, 0xFFFF_FFFF, 4) == fail(0x0405))
    }
}
