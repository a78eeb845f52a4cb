import Testing
import VirtualDevices

/// Frame checksums and ids (spec 5.1, 5.2 and the checklist's item 10).
@Suite struct FramingTests {
    let jedec = okData([0xC4, 0x60, 0x16, 0x00])

    @Test func aCorrectChecksumIsAccepted() {
        let device = VirtualQCC743.synced()
        // QConn's flash_set_para frame, byte for byte (spec section 7 step 7).
        #expect(frame(0x3B, [0x08, 0x41, 0x01, 0x01]) == bytes("3b 4f 04 00 08 41 01 01"))
        #expect(device.answer(bytes("3b 4f 04 00 08 41 01 01")) == ok)
        // The checksum counts the length bytes: 0x3E with a 8-byte payload of zeros sums to 8.
        #expect(device.answer(bytes("3e 08 08 00 00 00 00 00 00 00 00 00")) == okData(sha256OfNothing))
    }

    @Test func aZeroChecksumIsNotChecked() {
        let device = VirtualQCC743.synced()
        // Boot-ROM-layer frames carry 0x00 even with a payload (spec 5.1, [RUN] captures).
        #expect(device.answer(bytes("50 00 08 00 08 f1 00 20 00 00 00 00")) == ok)
        #expect(device.answer(bytes("23 00 04 00 10 27 00 00")) == ok)
        #expect(device.answer(bytes("40 00 08 00 64 00 00 00 01 02 03 04")) == ok)
        #expect(device.answer(frame(0x41, le32(0x64) + le32(4))) == okData([1, 2, 3, 4]))
    }

    @Test(arguments: [UInt8(0x01), 0x4E, 0x50, 0xFF])
    func aWrongNonZeroChecksumGetsCRCError(checksum: UInt8) {
        let device = VirtualQCC743.synced()
        #expect(device.answer([0x3B, checksum, 0x04, 0x00, 0x08, 0x41, 0x01, 0x01]) == bytes("46 4c 03 01"))
        // The frame was refused, not acted on: a wrongly summed eFuse write changes nothing.
        #expect(device.answer(frame(0x40, le32(0x64) + [0xFF], checksum: 0x77)) == fail(0x0103))
        #expect(device.answer(frame(0x41, le32(0x64) + le32(1))) == okData([0x00]))
        // And the device is still in step with the host.
        #expect(device.answer(frame(0x36)) == jedec)
    }

    @Test func aChecksumOnAnEmptyPayloadIsTheLengthSum() {
        let device = VirtualQCC743.synced()
        #expect(device.answer([0x36, 0x01, 0x00, 0x00]) == fail(0x0103))
        #expect(device.answer([0x36, 0x00, 0x00, 0x00]) == jedec)
    }

    @Test(arguments: [UInt8(0x01), 0x11, 0x1A, 0x33, 0x7F, 0x90, 0xA0, 0xFE])
    func anUnknownIdGetsCommandIdError(id: UInt8) {
        let device = VirtualQCC743.synced()
        #expect(device.answer([id, 0x00, 0x00, 0x00]) == bytes("46 4c 01 01"))
        #expect(device.answer(frame(id, [1, 2, 3])) == fail(0x0101))
        #expect(device.answer(frame(0x36)) == jedec)
    }

    @Test func aFrameMaySpanManyReads() {
        let device = VirtualQCC743.synced()
        let request = frame(0x41, le32(0x14) + le32(6))
        var answer: [UInt8] = []
        for byte in request { answer += device.answer([byte]) }
        #expect(answer == okData([0xDC, 0xD2, 0x03, 0x7B, 0x82, 0x40]))
    }

    @Test func severalFramesInOneReadAreAllAnswered() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x36) + frame(0x60) + frame(0x61)) == jedec + ok + ok)
    }

    @Test func aTooShortPayloadGetsLengthError() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x22, le32(1))) == fail(0x0102))
        #expect(device.listeningBaud == 500_000)
        #expect(device.answer(frame(0x32, le32(0))) == fail(0x0102))
    }
}

/// SHA-256 of the empty string.
let sha256OfNothing = bytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
