import BootwireCore

/// How many plain bytes each part of an xz stream decodes to, at 256-byte steps of the
/// compressed stream, so that a chunk's wait can follow the pages the device will program.
struct PlainYield {
    static let step = 256
    /// cumulative[k] = plain bytes out after the first k × step compressed bytes.
    private var cumulative: [Int] = [0]

    init(_ stream: [UInt8]) throws {
        let decoder = try XZDecoder()
        var offset = 0
        var total = 0
        while offset < stream.count {
            let end = min(offset + Self.step, stream.count)
            total += try decoder.feed(Array(stream[offset..<end])).count
            if end == stream.count { total += try decoder.finish().count }
            cumulative.append(total)
            offset = end
        }
    }

    /// An upper bound on the plain bytes that `range` of the stream yields.
    func plainBytes(_ range: Range<Int>) -> Int {
        let first = range.lowerBound / Self.step
        let last = min(cumulative.count - 1, (range.upperBound + Self.step - 1) / Self.step)
        return cumulative[last] - cumulative[first]
    }
}
