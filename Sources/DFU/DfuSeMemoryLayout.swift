import BootwireCore

/// A DfuSe alternate setting's memory layout, parsed from its interface string
/// (`@Internal Flash  /0x08000000/256*02Kg`), spec 1.1.
public struct DfuSeMemoryLayout: Sendable, Equatable, CustomStringConvertible {
    /// A run of equal pages.
    public struct Segment: Sendable, Equatable {
        public var start: UInt32
        public var count: Int
        public var pageSize: Int
        /// Bit 0 readable, bit 1 erasable, bit 2 writable (the type letter − 0x60).
        public var attributes: UInt8

        public var end: UInt64 { UInt64(start) + UInt64(count * pageSize) }
        public var readable: Bool { attributes & 1 != 0 }
        public var erasable: Bool { attributes & 2 != 0 }
        public var writable: Bool { attributes & 4 != 0 }
    }

    /// A page: where it starts, how long it is, what it allows.
    public struct Page: Sendable, Equatable, Hashable {
        public var start: UInt32
        public var size: Int
        public var attributes: UInt8
        public var writable: Bool { attributes & 4 != 0 }
        public var erasable: Bool { attributes & 2 != 0 }
    }

    public var name: String
    public var segments: [Segment]

    public init(name: String, segments: [Segment]) {
        self.name = name
        self.segments = segments
    }

    public init(_ text: String) throws {
        func bad(_ why: String) -> BootwireError {
            BootwireError(
                .protocolError, "the DfuSe layout string `\(text)` is malformed: \(why)",
                evidence: ["layout": text])
        }
        guard text.hasPrefix("@") else { throw bad("it does not start with @") }
        let fields = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 3, fields.count % 2 == 1 else { throw bad("expected NAME/ADDR/SEGMENTS") }
        name = fields[0].trimmingCharacters(in: .whitespaces)
        segments = []
        for group in stride(from: 1, to: fields.count, by: 2) {
            let addressText = fields[group].trimmingCharacters(in: .whitespaces).lowercased()
            guard addressText.hasPrefix("0x"), var address = UInt64(addressText.dropFirst(2), radix: 16) else {
                throw bad("`\(fields[group])` is not a 0x address")
            }
            for item in fields[group + 1].split(separator: ",") {
                let seg = try Self.segment(String(item), start: address, bad: bad)
                segments.append(seg)
                address = seg.end
            }
        }
        guard !segments.isEmpty else { throw bad("no segments") }
    }

    private static func segment(
        _ text: String, start: UInt64, bad: (String) -> BootwireError
    ) throws -> Segment {
        let parts = text.split(separator: "*", maxSplits: 1).map(String.init)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)) else {
            throw bad("`\(text)` is not COUNT*SIZE")
        }
        let spec = Array(parts[1].trimmingCharacters(in: .whitespaces))
        let digits = spec.prefix { $0.isASCII && $0.isNumber }
        guard let size = Int(String(digits)), digits.count < spec.count else { throw bad("`\(text)` has no size") }
        var rest = spec.dropFirst(digits.count)
        var multiplier = 1
        if rest.count == 2 {
            switch rest.first {
            case "K": multiplier = 1024
            case "M": multiplier = 1024 * 1024
            case " ", "B": multiplier = 1
            default: throw bad("`\(text)` has an unknown multiplier")
            }
            rest = rest.dropFirst()
        }
        guard rest.count == 1, let type = rest.first?.asciiValue, (0x61...0x67).contains(type) else {
            throw bad("`\(text)` has no type letter a-g")
        }
        guard start <= UInt64(UInt32.max) else { throw bad("the address is beyond 32 bits") }
        return Segment(start: UInt32(start), count: count, pageSize: size * multiplier, attributes: type - 0x60)
    }

    public var start: UInt32 { segments.first?.start ?? 0 }

    /// Every page, numbered from 0 in the order the string lists them.
    public var allPages: [Page] {
        segments.flatMap { segment in
            (0..<segment.count).map {
                Page(
                    start: segment.start + UInt32($0 * segment.pageSize), size: segment.pageSize,
                    attributes: segment.attributes)
            }
        }
    }
    public var size: Int { segments.reduce(0) { $0 + $1.count * $1.pageSize } }

    public func page(containing address: UInt32) -> Page? {
        for segment in segments where UInt64(address) >= UInt64(segment.start) && UInt64(address) < segment.end {
            let index = Int(address - segment.start) / segment.pageSize
            return Page(
                start: segment.start + UInt32(index * segment.pageSize), size: segment.pageSize,
                attributes: segment.attributes)
        }
        return nil
    }

    /// Every page the bytes [address, address+length) touch, in order; nil when some byte lies
    /// outside the layout.
    public func pages(covering address: UInt32, length: Int) -> [Page]? {
        var pages: [Page] = []
        var cursor = UInt64(address)
        let end = UInt64(address) + UInt64(length)
        while cursor < end {
            guard cursor <= UInt64(UInt32.max), let page = page(containing: UInt32(cursor)) else { return nil }
            pages.append(page)
            cursor = UInt64(page.start) + UInt64(page.size)
        }
        return pages
    }

    public var description: String {
        let runs = segments.map {
            "\($0.count)×\($0.pageSize >= 1024 ? "\($0.pageSize / 1024) KiB" : "\($0.pageSize) B")"
        }
        let total = size >= 1024 ? "\(size / 1024) KiB" : "\(size) B"
        return "\(name) at \(Hex.address(start, uppercase: true)), \(total) (\(runs.joined(separator: ", ")))"
    }
}
