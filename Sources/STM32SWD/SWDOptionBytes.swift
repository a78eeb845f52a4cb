import BootwireCore
import STM32

/// A family's option registers as read over SWD, decoded field by field and editable.
public struct SWDOptionBytes: Sendable, Equatable {
    public var registers: [STM32OptionRegister: UInt32]
    /// Register names in address order, with addresses.
    public var addresses: [(register: STM32OptionRegister, address: UInt32)]
    public var fields: [SWDOptionField]

    public static func == (a: Self, b: Self) -> Bool { a.registers == b.registers && a.fields == b.fields }

    public init(
        registers: [STM32OptionRegister: UInt32], addresses: [(register: STM32OptionRegister, address: UInt32)],
        fields: [SWDOptionField]
    ) {
        self.registers = registers
        self.addresses = addresses
        self.fields = fields
    }

    public func raw(_ field: SWDOptionField) -> UInt32 {
        ((registers[field.register] ?? 0) & field.mask) >> UInt32(field.shift)
    }

    public func field(named name: String) -> SWDOptionField? {
        fields.first { $0.name.lowercased() == name.lowercased() }
    }

    public var readoutProtection: STM32ReadoutProtection {
        if let state = fields.first(where: { $0.kind == .productState }) {
            return STM32ProductState.protection(UInt8(truncatingIfNeeded: raw(state)))
        }
        guard let rdp = fields.first(where: { $0.kind == .rdp }) else { return .level0 }
        return STM32RDPCodes.l4.level(raw(rdp))
    }

    /// Write-protected areas as (bank, first page, last page) with the field and register.
    public var writeProtectedAreas: [(bank: Int, first: Int, last: Int, field: String, register: STM32OptionRegister)] {
        fields.compactMap { field in
            guard case .wrpArea(let bank) = field.kind, let value = registers[field.register],
                let pages = STM32WRPArea.pages(value)
            else { return nil }
            return (bank, pages.lowerBound, pages.upperBound, field.name, field.register)
        }
    }

    /// F4: sectors whose nWRP bit is 0.
    public var writeProtectedSectors: [Int] {
        guard let field = fields.first(where: { $0.kind == .sectorMask }) else { return [] }
        let mask = raw(field)
        return (0..<field.width).filter { mask & (1 << UInt32($0)) == 0 }
    }

    public func text(_ field: SWDOptionField) -> String {
        let value = raw(field)
        switch field.kind {
        case .rdp:
            let level = STM32RDPCodes.l4.level(value).rawValue
            return "level \(level) (0x\(String(value, radix: 16, uppercase: true)))"
        case .flag: return "\(value)"
        case .number: return "\(value)"
        case .wrpArea(let bank):
            return STM32WRPArea.pages(value).map { "pages \($0.lowerBound)-\($0.upperBound) of bank \(bank)" } ?? "none"
        case .sectorMask:
            // This field's own bits: H7 has one mask per bank.
            let protected = (0..<field.width).filter { value & (1 << UInt32($0)) == 0 }
            return protected.isEmpty ? "none" : "sectors " + protected.map(String.init).joined(separator: ",")
        case .groupMask(let per):
            let groups = (0..<field.width).filter { value & (1 << UInt32($0)) == 0 }
            return groups.isEmpty
                ? "none" : "sectors " + groups.map { "\($0 * per)-\($0 * per + per - 1)" }.joined(separator: ",")
        case .productState: return STM32ProductState.name(UInt8(truncatingIfNeeded: value))
        }
    }

    /// `field=value` pairs as `option-bytes show` lists them.
    public var decoded: [(name: String, value: String)] { fields.map { ($0.name, text($0)) } }

    /// Sets a field from its text: `0`/`1`/`2` or a byte for RDP, `FIRST-LAST` or `none` for a
    /// WRP area, a number otherwise.
    public mutating func set(_ name: String, to text: String) throws {
        guard let field = field(named: name) else {
            throw BootwireError(
                .usage, "no option field `\(name)`",
                hint: "fields: " + fields.map(\.name).joined(separator: ", "))
        }
        func number(_ t: String) -> UInt32? {
            t.lowercased().hasPrefix("0x") ? UInt32(t.dropFirst(2), radix: 16) : UInt32(t)
        }
        let value: UInt32
        switch field.kind {
        case .rdp:
            if ["0", "1", "2"].contains(text), let level = Int(text).flatMap(STM32ReadoutProtection.init(rawValue:)),
                let code = STM32RDPCodes.l4.written[level]
            {
                value = code
            } else {
                guard let v = number(text), v <= 0xFF else { throw badValue(name, text, "0, 1, 2 or a byte") }
                value = v
            }
        case .wrpArea:
            if text.lowercased() == "none" {
                value = 0xFF
                registers[field.register] = (registers[field.register] ?? 0) & ~0x00FF_00FF | 0x0000_00FF
                return
            }
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= parts[1], parts[1] <= 0xFF else {
                throw badValue(name, text, "FIRST-LAST pages of the bank, or none")
            }
            registers[field.register] =
                (registers[field.register] ?? 0) & ~0x00FF_00FF | UInt32(parts[0]) | UInt32(parts[1]) << 16
            return
        case .groupMask(let per):
            if text.lowercased() == "none" {
                value = field.mask >> UInt32(field.shift)
            } else {
                let groups = text.split(separator: ",").compactMap { Int($0) }.map { $0 / per }
                guard !groups.isEmpty, groups.allSatisfy({ $0 >= 0 && $0 < field.width }) else {
                    throw badValue(name, text, "sector numbers like 0,4 (each protects its group of \(per)) or none")
                }
                value = groups.reduce(field.mask >> UInt32(field.shift)) { $0 & ~(1 << UInt32($1)) }
            }
        case .productState:
            throw BootwireError(
                .usage, "`\(name)`: Bootwire does not change the product state",
                hint: "closing or regressing an STM32H5 needs ST's provisioning tools (OEM keys, debug authentication)")
        case .sectorMask:
            if text.lowercased() == "none" {
                value = field.mask >> UInt32(field.shift)
            } else {
                let sectors = text.split(separator: ",").compactMap { Int($0) }
                guard !sectors.isEmpty, sectors.allSatisfy({ $0 >= 0 && $0 < field.width }) else {
                    throw badValue(name, text, "sector numbers like 0,1 or none")
                }
                value = sectors.reduce(field.mask >> UInt32(field.shift)) { $0 & ~(1 << UInt32($1)) }
            }
        case .flag, .number:
            guard let v = number(text), v <= field.mask >> UInt32(field.shift) else {
                throw badValue(name, text, field.width == 1 ? "0 or 1" : "a number below \(1 << field.width)")
            }
            value = v
        }
        registers[field.register] = (registers[field.register] ?? 0) & ~field.mask | value << UInt32(field.shift)
    }

    private func badValue(_ name: String, _ text: String, _ expected: String) -> BootwireError {
        BootwireError(.usage, "`\(name)=\(text)`: \(name) takes \(expected)")
    }

    /// Fields whose value differs from `other`, as `name: old → new`.
    public func changes(from other: SWDOptionBytes) -> [String] {
        fields.filter { other.raw($0) != raw($0) }.map { "\($0.name): \(other.text($0)) → \(text($0))" }
    }
}
