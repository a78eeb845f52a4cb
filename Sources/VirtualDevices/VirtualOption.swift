import BootwireCore

/// `virtual:NAME[,key[=value]…]` split once, for every virtual kind (serial, DFU, ST-LINK):
/// an empty option, a `=` with no name before it or no value after it is a usage error here,
/// so no device parser ever sees one (issue #23: `virtual:qcc743,=` crashed every kind).
public struct VirtualPortSpec: Sendable, Equatable {
    public var name: String
    public var options: [VirtualOption]

    public static func parse(_ spec: String) throws -> VirtualPortSpec {
        let body = spec.hasPrefix(VirtualPort.prefix) ? spec.dropFirst(VirtualPort.prefix.count) : Substring(spec)
        let parts = body.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return VirtualPortSpec(name: parts[0], options: try parts.dropFirst().map(VirtualOption.init(parsing:)))
    }
}

/// One `key` or `key=value` of a virtual port, with the typed readings every device uses:
/// numbers are checked for range (and finiteness) here, never converted unchecked.
public struct VirtualOption: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String?

    public init(parsing text: String) throws {
        guard !text.isEmpty else {
            throw BootwireError(
                .usage, "an empty virtual port option (two commas in a row, or one at the end)",
                hint: "write options as virtual:NAME,key=value,flag")
        }
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        key = parts[0]
        value = parts.count == 2 ? parts[1] : nil
        guard !key.isEmpty else {
            throw BootwireError(
                .usage, "`\(text)`: a virtual port option needs a name before `=`",
                hint: "write options as virtual:NAME,key=value,flag")
        }
        if value?.isEmpty == true {
            throw BootwireError(.usage, "`\(text)`: give a value after `=`", hint: "e.g. \(key)=1")
        }
    }

    public var description: String { value.map { "\(key)=\($0)" } ?? key }

    /// The value as text (a path, a name).
    public func text(_ form: String) throws -> String {
        guard let value else { throw bad(form) }
        return value
    }

    /// A whole number in `range` (decimal, 0x hex, or with K/M), e.g. a byte count.
    public func integer(in range: ClosedRange<Int>, _ form: String) throws -> Int {
        guard let value, let n = Hex.integer(value), n <= UInt64(Int.max), range.contains(Int(n)) else {
            throw bad("\(form), \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(n)
    }

    /// A finite decimal number in `range` (milliseconds, seconds, a rate): `inf`, `nan` and
    /// values a later conversion to an integer would trap on are refused here.
    public func real(in range: ClosedRange<Double>, _ form: String) throws -> Double {
        guard let value, let n = Double(value), n.isFinite, range.contains(n) else {
            throw bad("\(form), \(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound))")
        }
        return n
    }

    /// One of `choices`.
    public func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws -> T where T.RawValue == String {
        guard let value, let parsed = T(rawValue: value) else {
            throw bad("\(key)=" + T.allCases.map(\.rawValue).joined(separator: "|"))
        }
        return parsed
    }

    /// A switch that takes no value.
    public func flag() throws {
        guard value == nil else { throw bad("\(key) alone, without a value") }
    }

    public func bad(_ form: String) -> BootwireError {
        BootwireError(.usage, "`\(self)`: write \(form)", hint: "the README lists each virtual device's options")
    }

    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
