/// Intel HEX (Intel's "Hexadecimal Object File Format Specification", rev. A, 1988): record
/// types 00 data, 01 end of file, 02 extended segment address, 03 start segment address, 04
/// extended linear address, 05 start linear address.
///
/// Decisions where the specification is loose or tools disagree:
/// - The end-of-file record is required. A file cut short (a failed copy, a full disk) would
///   otherwise flash part of a firmware without complaint.
/// - Anything but blank lines after the end-of-file record is an error: it is almost always two
///   files concatenated, and ignoring the second would silently drop its data.
/// - A data record that crosses a 64 KiB boundary is allowed after an 04 record (the
///   specification makes such addresses linear) and refused otherwise: for plain 16-bit and
///   segment (02) addressing the specification wraps within the segment while common tools do
///   not, so the bytes' address would depend on the tool. Linear addresses past 4 GiB are
///   refused.
/// - Two data records writing the same address are an error naming both lines, even when they
///   agree: the file is inconsistent and the user should know.
/// - Two start records (03/05) that disagree are an error; repeats of one value are accepted.
/// - Blank lines, CRLF and trailing spaces are accepted; the address field of 01/02/04/05 is
///   ignored, as every common reader does.
public enum IntelHex {
    public static func parse(_ data: [UInt8], file: String) throws -> FlashPlan {
        var parser = Parser(file: file)
        let lines = TextLine.split(data)
        for line in lines where !line.isBlank {
            try parser.take(line)
        }
        guard parser.endLine != nil else {
            throw RecordAssembler.missingEnd("end-of-file record (:00000001FF)", file: file, lines: lines)
        }
        return FlashPlan(validated: try parser.assembler.segments(), entryPoint: parser.entry?.value)
    }

    private struct Parser {
        enum Addressing { case plain, segment, linear }

        let file: String
        var assembler: RecordAssembler
        var base: UInt64 = 0
        var addressing = Addressing.plain
        var entry: (value: UInt64, line: Int)?
        var endLine: Int?

        init(file: String) {
            self.file = file
            assembler = RecordAssembler(file: file, hint: "the file is not valid Intel HEX")
        }

        mutating func take(_ line: TextLine) throws {
            try assembler.checkStart(of: line, mark: UInt8(ascii: ":"), after: endLine.map { ("end-of-file", $0) })
            let bytes = try assembler.bytes(of: line, after: 1)
            // ':' + count + address + type + checksum, then two digits per data byte.
            try assembler.checkLength(of: line, expected: 11 + 2 * Int(bytes.first ?? 0))
            // The two's complement of the sum of the other bytes.
            let sum = bytes.dropLast().reduce(UInt8(0), &+)
            try assembler.checkChecksum(of: line, stated: bytes[bytes.count - 1], expected: 0 &- sum)
            let count = Int(bytes[0])
            let offset = UInt64(bytes[1]) << 8 | UInt64(bytes[2])
            let payload = bytes[4..<4 + count]
            let type = bytes[3]
            switch type {
            case 0x00: try data(line, offset: offset, payload: payload)
            case 0x01:
                guard count == 0 else {
                    throw assembler.error(line, "an end-of-file record carries no data", ["type": "01"])
                }
                endLine = line.number
            case 0x02, 0x04:
                guard count == 2 else {
                    throw assembler.error(
                        line, "an address record holds 2 bytes, not \(count)",
                        ["type": Hex.digits(type, width: 2, uppercase: true)])
                }
                let value = UInt64(payload.first!) << 8 | UInt64(payload.last!)
                base = type == 0x02 ? value << 4 : value << 16
                addressing = type == 0x02 ? .segment : .linear
            case 0x03, 0x05:
                guard count == 4 else {
                    throw assembler.error(
                        line, "a start record holds 4 bytes, not \(count)",
                        ["type": Hex.digits(type, width: 2, uppercase: true)])
                }
                let p = payload.map(UInt64.init)
                let high = p[0] << 8 | p[1]
                let low = p[2] << 8 | p[3]
                // 03 is CS:IP, a real-mode segment and offset; 05 is a 32-bit address.
                let value = type == 0x03 ? (high << 4) + low : high << 16 | low
                if let entry, entry.value != value {
                    throw assembler.error(
                        line, "a second start address, different from line \(entry.line)'s",
                        ["other_line": "\(entry.line)", "type": Hex.digits(type, width: 2, uppercase: true)])
                }
                entry = entry ?? (value, line.number)
            default:
                throw assembler.error(
                    line, "record type \(Hex.digits(type, width: 2, uppercase: true)) does not exist",
                    ["type": Hex.digits(type, width: 2, uppercase: true)])
            }
        }

        mutating func data(_ line: TextLine, offset: UInt64, payload: ArraySlice<UInt8>) throws {
            let count = UInt64(payload.count)
            if addressing != .linear, offset + count > 0x1_0000 {
                throw assembler.error(
                    line, "the record runs past its 64 KiB segment; tools disagree on where those bytes go",
                    ["address": AddressText.of(base + offset)])
            }
            let address = base + offset
            guard address + count <= 0x1_0000_0000 else {
                throw assembler.error(line, "the record runs past 4 GiB", ["address": AddressText.of(address)])
            }
            assembler.add(address: address, bytes: payload, line: line.number)
        }
    }
}
