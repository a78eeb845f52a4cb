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
    private var records: [Record] = []
    private var buffer: [UInt8] = []

    init(file: String) {
        self.file = file
    }

    /// A line's error, named by file and line, with the format's own hint.
    func error(_ line: TextLine, _ message: String, hint: String, _ evidence: [String: String] = [:])
        -> BootwireError
    {
        BootwireError(
            .badImage, "\(file) line \(line.number): \(message)", hint: hint,
            evidence: evidence.merging(["file": file, "line": "\(line.number)"]) { $1 })
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
