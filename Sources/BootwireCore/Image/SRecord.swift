/// Motorola S-records (srec(5)): S0 header, S1/S2/S3 data with 16/24/32-bit addresses, S5/S6
/// record counts, S7/S8/S9 termination with a 32/24/16-bit start address. Each record's
/// checksum is the ones' complement of the low byte of the sum of count, address and data.
///
/// Decisions where the format is loose or tools disagree:
/// - A termination record (S7/S8/S9) is required, for the reason Intel HEX's end-of-file is:
///   a truncated file must not flash part of a firmware. Its start address is the entry point,
///   reported as written (many tools write 0 when there is none).
/// - Only blank lines may follow the termination record (concatenated files are an error).
/// - The termination's width need not match the data records' (S3 data with S9 is common).
/// - S5/S6 are optional; when present, each must equal the number of S1/S2/S3 records before
///   it. S0's contents are not interpreted, and S0 may appear anywhere.
/// - Addresses are linear: an S1 record may run past 0xFFFF; past 4 GiB is an error.
/// - Two data records writing the same address are an error naming both lines.
public enum SRecord {
    public static func parse(_ data: [UInt8], file: String) throws -> FlashPlan {
        var parser = Parser(file: file)
        let lines = TextLine.split(data)
        for line in lines where !line.isBlank {
            try parser.take(line)
        }
        guard let end = parser.termination else {
            throw RecordAssembler.missingEnd("termination record (S7, S8 or S9)", file: file, lines: lines)
        }
        return FlashPlan(validated: try parser.assembler.segments(), entryPoint: end.entry)
    }

    /// Bytes of address each record type carries; nil for S4, which is reserved.
    static func addressSize(_ type: UInt8) -> Int? {
        switch type {
        case 0, 1, 5, 9: 2
        case 2, 6, 8: 3
        case 3, 7: 4
        default: nil
        }
    }

    private struct Parser {
        let file: String
        var assembler: RecordAssembler
        var dataRecords = 0
        var termination: (line: Int, entry: UInt64)?

        init(file: String) {
            self.file = file
            assembler = RecordAssembler(file: file, hint: "the file is not a valid S-record file")
        }

        mutating func take(_ line: TextLine) throws {
            try assembler.checkStart(
                of: line, mark: UInt8(ascii: "S"), after: termination.map { ("termination", $0.line) })
            let text = line.bytes
            guard text.count >= 2, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[text.startIndex + 1]) else {
                throw assembler.error(line, "S must be followed by a record type 0-9", ["column": "2"])
            }
            let type = text[text.startIndex + 1] - UInt8(ascii: "0")
            let bytes = try assembler.bytes(of: line, after: 2)
            // 'S', type, count, then two digits for each byte the count covers.
            try assembler.checkLength(of: line, expected: 4 + 2 * Int(bytes.first ?? 0))
            guard let size = SRecord.addressSize(type) else {
                throw assembler.error(line, "record type S\(type) is reserved", ["type": "S\(type)"])
            }
            let count = Int(bytes[0])
            guard count >= size + 1 else {
                throw assembler.error(
                    line, "a byte count of \(count) leaves no room for S\(type)'s \(size)-byte address and checksum",
                    ["type": "S\(type)"])
            }
            let sum = bytes.dropLast().reduce(UInt8(0), &+)
            // The ones' complement of the sum of count, address and data.
            try assembler.checkChecksum(of: line, stated: bytes[count], expected: ~sum)
            let address = bytes[1...size].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let payload = bytes[(1 + size)..<count]
            switch type {
            case 0: break
            case 1, 2, 3:
                guard address + UInt64(payload.count) <= 0x1_0000_0000 else {
                    throw assembler.error(line, "the record runs past 4 GiB", ["address": AddressText.of(address)])
                }
                assembler.add(address: address, bytes: payload, line: line.number)
                dataRecords += 1
            case 5, 6:
                guard payload.isEmpty else {
                    throw assembler.error(line, "a count record carries no data", ["type": "S\(type)"])
                }
                guard address == UInt64(dataRecords) else {
                    throw assembler.error(
                        line, "the count record says \(address) data records; \(dataRecords) precede it",
                        ["stated_count": "\(address)", "actual_count": "\(dataRecords)"])
                }
            default:  // 7, 8, 9
                guard payload.isEmpty else {
                    throw assembler.error(line, "a termination record carries no data", ["type": "S\(type)"])
                }
                termination = (line.number, address)
            }
        }
    }
}
