/// Collects data records of a text image (HEX, S-record) with their line numbers, then finds
/// records that write the same address (naming both lines) and joins touching records into
/// segments. Records keep an index into one shared buffer, so a multi-megabyte file does not
/// become hundreds of thousands of small arrays.
struct RecordAssembler {
    private struct Record {
        var address: UInt64
        var start: Int
        var count: Int
        var line: Int
        var last: UInt64 { address + UInt64(count - 1) }
    }

    let file: String
    /// The format's hint on every line error (`the file is not valid Intel HEX`).
    let hint: String
    private var records: [Record] = []
    private var buffer: [UInt8] = []

    init(file: String, hint: String) {
        self.file = file
        self.hint = hint
    }

    /// A line's error, named by file and line, with the format's hint.
    func error(_ line: TextLine, _ message: String, _ evidence: [String: String] = [:]) -> BootwireError {
        BootwireError(
            .badImage, "\(file) line \(line.number): \(message)", hint: hint,
            evidence: evidence.merging(["file": file, "line": "\(line.number)"]) { $1 })
    }

    // The checks both text formats make on a record, stated once: its digits, its length
    // against its byte count, its checksum.

    /// A file without its end record (`record` names it as the format does): it may be cut
    /// short, so none of it is flashed. Named at the line after the file's last.
    static func missingEnd(_ record: String, file: String, lines: [TextLine]) -> BootwireError {
        let line = (lines.last?.number ?? 0) + 1
        return BootwireError(
            .badImage, "\(file) has no \(record); it may be truncated",
            hint: "regenerate or copy the file again", evidence: ["file": file, "line": "\(line)"])
    }

    /// Nothing may follow the record that ends the file (`end`: its line, once seen), and a
    /// record starts with the format's `mark` (`:`, `S`).
    func checkStart(of line: TextLine, mark: UInt8, after end: (record: String, line: Int)?) throws {
        if let end {
            throw error(line, "data after the \(end.record) record of line \(end.line)", ["other_line": "\(end.line)"])
        }
        guard let first = line.bytes.first, first == mark else {
            let found = line.bytes.first.map(printable) ?? "nothing"
            throw error(
                line, "a record starts with '\(Character(Unicode.Scalar(mark)))', not \(found)", ["column": "1"])
        }
    }

    /// The record's hex digits after its first `prefix` characters, as bytes; a character that
    /// is not a digit is named with its column.
    func bytes(of line: TextLine, after prefix: Int) throws -> [UInt8] {
        let text = line.bytes
        switch HexDigits.decode(text.dropFirst(prefix)) {
        case .success(let decoded): return decoded
        case .failure(let bad):
            throw error(
                line, "\(printable(text[bad.index])) is not a hex digit",
                ["column": "\(bad.index - text.startIndex + 1)"])
        }
    }

    /// The record must be as long as its byte count says: `expected` characters.
    func checkLength(of line: TextLine, expected: Int) throws {
        let length = line.bytes.count
        guard length == expected else {
            throw error(
                line, "the record is \(length) characters long; its byte count says \(expected)",
                ["expected_length": "\(expected)", "actual_length": "\(length)"])
        }
    }

    /// The checksum the record states against the one its bytes add up to.
    func checkChecksum(of line: TextLine, stated: UInt8, expected: UInt8) throws {
        guard stated != expected else { return }
        let (want, got) = (
            Hex.digits(expected, width: 2, uppercase: true), Hex.digits(stated, width: 2, uppercase: true)
        )
        throw error(
            line, "checksum is \(got), the record adds up to \(want)",
            ["expected_checksum": want, "actual_checksum": got])
    }

    /// `address + bytes.count` must already be checked against the format's address space.
    mutating func add(address: UInt64, bytes: ArraySlice<UInt8>, line: Int) {
        guard !bytes.isEmpty else { return }
        records.append(Record(address: address, start: buffer.count, count: bytes.count, line: line))
        buffer.append(contentsOf: bytes)
    }

    func segments() throws -> [Segment] {
        // Files are nearly always in address order already; the stable sort keeps file order
        // for equal addresses so the earlier line is named first.
        let sorted = records.enumerated()
            .sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }
            .map(\.element)
        if let (a, b) = FlashPlan.firstOverlap(sorted.map { $0.address...$0.last }) {
            let (early, late) = sorted[a].line <= sorted[b].line ? (sorted[a], sorted[b]) : (sorted[b], sorted[a])
            let shared = max(early.address, late.address)...min(early.last, late.last)
            throw BootwireError(
                .badImage,
                "\(file) line \(late.line) writes \(AddressText.of(shared)), already written by line \(early.line)",
                hint: "the file's records overlap; rebuild it",
                evidence: [
                    "file": file, "line": "\(late.line)", "other_line": "\(early.line)",
                    "start": AddressText.of(shared.lowerBound), "end": AddressText.of(shared.upperBound),
                ])
        }
        var out: [Segment] = []
        var index = 0
        while index < sorted.count {
            let first = sorted[index]
            var bytes = Array(buffer[first.start..<first.start + first.count])
            var lines = first.line...first.line
            var last = first.last
            index += 1
            while index < sorted.count, last != .max, sorted[index].address == last + 1 {
                let next = sorted[index]
                bytes.append(contentsOf: buffer[next.start..<next.start + next.count])
                lines = min(lines.lowerBound, next.line)...max(lines.upperBound, next.line)
                last = next.last
                index += 1
            }
            out.append(
                Segment(address: first.address, bytes: bytes, origin: Origin(file: file, location: .lines(lines))))
        }
        return out
    }
}
