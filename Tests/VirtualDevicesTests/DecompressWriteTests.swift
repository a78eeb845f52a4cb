import BootwireCore
import Testing
import VirtualDevices

/// 0x3F decompress write and 0x3A write check (spec section 10): chunk 0 carries bit 31 and
/// the destination, every later chunk destination + its offset in the compressed stream.
@Suite struct DecompressWriteTests {
    let destination = 0x1_0000

    /// Splits a stream into chunks of the given sizes, then 2048-byte chunks, then the rest.
    func chunks(_ stream: [UInt8], first sizes: [Int]) -> [(offset: Int, bytes: [UInt8])] {
        var result: [(Int, [UInt8])] = []
        var offset = 0
        var plan = sizes
        while offset < stream.count {
            let size = min(plan.isEmpty ? 2048 : plan.removeFirst(), stream.count - offset)
            result.append((offset, Array(stream[offset..<(offset + size)])))
            offset += size
        }
        return result
    }

    func chunkFrame(_ offset: Int, _ bytes: [UInt8], destination: Int) -> [UInt8] {
        let field = offset == 0 ? UInt32(destination) | 0x8000_0000 : UInt32(destination + offset)
        return frame(0x3F, le32(field) + bytes)
    }

    @Test func oddChunkBoundariesDecodeToTheData() throws {
        let data = noise(count: 9000) + [UInt8](repeating: 0x5A, count: 3000)
        let stream = try XZ.compress(data)
        #expect(Array(stream.prefix(6)) == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])
        let parts = chunks(stream, first: [1, 13, 2047])
        #expect(parts.map(\.bytes.count).prefix(3) == [1, 13, 2047])
        #expect(parts.count >= 5)
        #expect(parts.last!.bytes.count < 2048)

        let device = VirtualQCC743.synced()
        for part in parts {
            #expect(device.answer(chunkFrame(part.offset, part.bytes, destination: destination)) == ok)
        }
        #expect(device.answer([0x3A, 0x00, 0x00, 0x00]) == ok)
        #expect(device.flash.bytes[destination..<(destination + data.count)].elementsEqual(data))
        #expect(device.flash.bytes[destination - 1] == 0xFF)
        #expect(device.flash.bytes[destination + data.count] == 0xFF)
        let sha = device.answer(frame(0x3E, le32(destination) + le32(data.count)))
        #expect(sha == okData(SHA256Digest.of(data)))
    }

    @Test func theAddressFieldsAreTheVendorsForWholeChunks() throws {
        // [RUN]: 0x80010000, then 0x00010800, then 0x00011000.
        let stream = try XZ.compress(noise(count: 6000))
        let parts = chunks(stream, first: [])
        let fields = parts.map { Array(chunkFrame($0.offset, $0.bytes, destination: destination)[4..<8]) }
        #expect(fields.prefix(3) == [bytes("00 00 01 80"), bytes("00 08 01 00"), bytes("00 10 01 00")])
        let device = VirtualQCC743.synced()
        for part in parts {
            #expect(device.answer(chunkFrame(part.offset, part.bytes, destination: destination)) == ok)
        }
        #expect(device.answer(frame(0x3A)) == ok)
        #expect(device.flash.bytes[destination..<(destination + 6000)].elementsEqual(noise(count: 6000)))
    }

    @Test func twoFilesOneAfterTheOther() throws {
        let first = noise(count: 5000, seed: 1)
        let second = [UInt8](repeating: 0xC3, count: 40_000)
        let device = VirtualQCC743.synced()
        for (data, at) in [(first, 0x0), (second, 0x1_0000)] {
            let stream = try XZ.compress(data)
            for part in chunks(stream, first: []) {
                #expect(device.answer(chunkFrame(part.offset, part.bytes, destination: at)) == ok)
            }
            #expect(device.answer(frame(0x3A)) == ok)
        }
        #expect(device.flash.bytes[0..<5000].elementsEqual(first))
        #expect(device.flash.bytes[0x1_0000..<(0x1_0000 + 40_000)].elementsEqual(second))
        #expect(device.flash.bytes[5000] == 0xFF)
    }

    @Test func aChunkWithAWrongAddressFieldGetsXZError() throws {
        let stream = try XZ.compress(noise(count: 8000))
        let parts = chunks(stream, first: [])
        let device = VirtualQCC743.synced()
        #expect(device.answer(chunkFrame(0, parts[0].bytes, destination: destination)) == ok)
        // Offset one byte off.
        let wrong = frame(0x3F, le32(destination + parts[1].offset + 1) + parts[1].bytes)
        #expect(device.answer(wrong) == bytes("46 4c 0c 00"))
    }

    @Test func aRepeatedChunkGetsXZError() throws {
        let stream = try XZ.compress(noise(count: 8000))
        let parts = chunks(stream, first: [])
        let device = VirtualQCC743.synced()
        #expect(device.answer(chunkFrame(0, parts[0].bytes, destination: destination)) == ok)
        #expect(device.answer(chunkFrame(parts[1].offset, parts[1].bytes, destination: destination)) == ok)
        #expect(device.answer(chunkFrame(parts[1].offset, parts[1].bytes, destination: destination)) == fail(0x000C))
    }

    @Test func writeCheckOnAnIncompleteStreamFails() throws {
        let stream = try XZ.compress(noise(count: 8000))
        let parts = chunks(stream, first: [])
        let device = VirtualQCC743.synced()
        for part in parts.dropLast() {
            #expect(device.answer(chunkFrame(part.offset, part.bytes, destination: destination)) == ok)
        }
        #expect(device.answer([0x3A, 0x00, 0x00, 0x00]) == bytes("46 4c 0b 00"))
    }

    @Test func aCorruptStreamIsRefused() throws {
        var stream = try XZ.compress(noise(count: 3000))
        stream[stream.count / 2] ^= 0xFF
        let device = VirtualQCC743.synced()
        var answers: [[UInt8]] = []
        for part in chunks(stream, first: []) {
            answers.append(device.answer(chunkFrame(part.offset, part.bytes, destination: destination)))
        }
        answers.append(device.answer(frame(0x3A)))
        #expect(answers.contains { $0.prefix(2) == [0x46, 0x4C] })
    }
}
