/// NOR flash semantics: erase sets whole 4 KiB sectors to 0xFF; programming can only clear
/// bits, so writing over unerased flash leaves the AND of old and new, as real flash does.
public struct NORFlash: Sendable {
    public static let sectorSize = 4096
    public private(set) var bytes: [UInt8]

    public init(size: Int, contents: [UInt8]? = nil) {
        var bytes = [UInt8](repeating: 0xFF, count: size)
        if let contents { bytes.replaceSubrange(0..<min(size, contents.count), with: contents.prefix(size)) }
        self.bytes = bytes
    }

    public var size: Int { bytes.count }

    public func contains(_ address: Int, count: Int) -> Bool {
        address >= 0 && count >= 0 && address + count <= bytes.count
    }

    /// Erases every sector that [start, end) touches; returns the erased range.
    @discardableResult
    public mutating func erase(start: Int, end: Int) -> Range<Int> {
        let first = max(0, start) / Self.sectorSize * Self.sectorSize
        let last = min(bytes.count, (end + Self.sectorSize - 1) / Self.sectorSize * Self.sectorSize)
        guard first < last else { return first..<first }
        for i in first..<last { bytes[i] = 0xFF }
        return first..<last
    }

    public mutating func eraseAll() {
        for i in bytes.indices { bytes[i] = 0xFF }
    }

    public mutating func program(_ data: [UInt8], at address: Int) {
        for (i, byte) in data.enumerated() { bytes[address + i] &= byte }
    }

    public func read(_ address: Int, count: Int) -> ArraySlice<UInt8> {
        bytes[address..<(address + count)]
    }
}
