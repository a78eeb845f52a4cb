import BootwireCore

/// What ST's `read_chip_info.py` (X-CUBE-ST67W61, `Projects/ST67W6X_Scripts/Binaries/NCP_info`)
/// prints for a 512-byte eFuse image, with the same labels, in the same order and with the same
/// values, so a user of ST's `NCP_get_chip_info.sh` can compare line by line.
///
/// The layout is ST's: every field below is a row of ST's table (the script, and the same table
/// in `read_chip_info.c` and in the ST67W6X host driver's trim table). Rows marked `confirmed`
/// also agree with a second, independent source (the BL616 eFuse map in `EfuseField`, spec 12.2,
/// ST's real efusedata.bin); the others are UNCONFIRMED beyond ST's own reader.
///
/// Where ST's Python and C readers disagree, this follows the Python script (the one ST's Linux
/// script runs): the Wi-Fi interpolation uses floor division (C truncates: they differ when the
/// power offsets fall), and an anti-rollback counter is the bit length of one half (C counts the
/// set bits).
public struct EfuseChipInfo: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case number(Int)
        case numbers([Int])

        /// As ST's script prints it (Python's `str` of the value).
        public var printed: String {
            switch self {
            case .text(let text): text
            case .number(let number): "\(number)"
            case .numbers(let numbers): "[" + numbers.map(String.init).joined(separator: ", ") + "]"
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        /// ST's label ("JTAG", "Default MAC Address", "wifi_hp_poffset", …).
        public var label: String
        public var value: Value
        /// False where only ST's reader gives the layout (UNCONFIRMED).
        public var confirmed: Bool
    }

    /// ST's fields first, then the RF trims that are enabled and pass their parity check.
    public var entries: [Entry]

    public subscript(label: String) -> Value? { entries.first { $0.label == label }?.value }

    /// Shorter input is zero-padded, as a partial read-back would be.
    public init(_ efuse: [UInt8]) {
        let bytes = EfuseImage.pad(efuse)
        entries = Self.fields.map {
            Entry(label: $0.label, value: $0.decoding.value(in: bytes), confirmed: $0.confirmed)
        }
        for trim in Self.trims {
            guard let value = trim.value(in: bytes) else { continue }
            // ST's script keys a trim by its name without the index, so a later valid entry
            // (xtal2 after xtal0) replaces an earlier one in place.
            if let index = entries.firstIndex(where: { $0.label == trim.label }) {
                entries[index].value = value
            } else {
                entries.append(Entry(label: trim.label, value: value, confirmed: false))
            }
        }
    }

    /// How a field's bytes become its value.
    public enum Decoding: Sendable, Equatable {
        /// Bits of the little-endian word at `word`; `allSet` when every bit is 1, else `otherwise`.
        case state(word: Int, bit: Int, width: Int, allSet: String, otherwise: String)
        /// "Filled" when any byte is non-zero, else "Empty".
        case filled(offset: Int, count: Int)
        /// Six bytes printed last to first, upper-case, colon-separated.
        case mac(offset: Int)
        /// A thermometer counter stored twice: the bit length of the upper half, read little-endian.
        case counter(offset: Int, count: Int)
        /// ASCII up to the first 0x03; "Invalid Part Number" without one.
        case partNumber(offset: Int, count: Int)
        /// Year in the first byte, week in the second.
        case yearWeek(offset: Int)
        /// The bytes in stored order as upper-case hex.
        case hex(offset: Int, count: Int)

        func value(in bytes: [UInt8]) -> Value {
            switch self {
            case .state(let word, let bit, let width, let allSet, let otherwise):
                let mask = UInt32((1 << width) - 1)
                return .text((LE.u32(bytes, at: word) >> UInt32(bit)) & mask == mask ? allSet : otherwise)
            case .filled(let offset, let count):
                return .text(bytes[offset..<offset + count].contains { $0 != 0 } ? "Filled" : "Empty")
            case .mac(let offset):
                return .text(bytes[offset..<offset + 6].reversed().map { hexByte($0) }.joined(separator: ":"))
            case .counter(let offset, let count):
                return .number(bitLength(littleEndian: Array(bytes[offset + count / 2..<offset + count])))
            case .partNumber(let offset, let count):
                let field = bytes[offset..<offset + count]
                // A byte above 0x7F stops ST's script with a decode error; Bootwire calls it invalid.
                guard let end = field.firstIndex(of: 0x03), field[..<end].allSatisfy({ $0 < 0x80 }) else {
                    return .text("Invalid Part Number")
                }
                return .text(String(decoding: field[..<end], as: UTF8.self))
            case .yearWeek(let offset):
                return .text("Year 20\(twoDigits(bytes[offset])) | Week \(twoDigits(bytes[offset + 1]))")
            case .hex(let offset, let count):
                return .text(bytes[offset..<offset + count].map { hexByte($0) }.joined())
            }
        }
    }

    public struct Field: Sendable, Equatable {
        public var label: String
        public var decoding: Decoding
        public var confirmed: Bool
    }

    /// ST's table, in ST's print order.
    public static let fields: [Field] = [
        // ef_dbg_jtag_0_dis (BL616 map, spec 12.2: ST's efusedata.bin burns 3).
        Field(
            label: "JTAG", decoding: .state(word: 0x00, bit: 26, width: 2, allSet: "Disabled", otherwise: "Enabled"),
            confirmed: true),
        // Key slots 0+1: the SHA-256 of ST's signing key in ST's efusedata.bin (spec 12.2).
        Field(label: "Public Key", decoding: .filled(offset: 0x1C, count: 32), confirmed: true),
        // wr_lock_rsvd_1 in the BL616 map; only ST calls it anti-rollback: UNCONFIRMED.
        Field(
            label: "Anti-rollback",
            decoding: .state(word: 0x7C, bit: 12, width: 1, allSet: "Enabled", otherwise: "Disabled"),
            confirmed: false),
        // ef_zone words; the counters and their doubled storage are ST's: UNCONFIRMED.
        Field(label: "Anti-rollback Bootloader", decoding: .counter(offset: 0x170, count: 16), confirmed: false),
        Field(label: "Anti-rollback Application", decoding: .counter(offset: 0x180, count: 32), confirmed: false),
        // default_mac in the BL616 map (EfuseField).
        Field(label: "Default MAC Address", decoding: .mac(offset: 0x14), confirmed: true),
        // Inside ef_sw_usage_1..3 and key slot 11 in the BL616 map: UNCONFIRMED.
        Field(label: "Customer MAC Address1", decoding: .mac(offset: 0x64), confirmed: false),
        Field(label: "Customer MAC Address2", decoding: .mac(offset: 0x70), confirmed: false),
        // ST's manufacturing data in ef_zone_00/01: UNCONFIRMED.
        Field(label: "Part Number", decoding: .partNumber(offset: 0x100, count: 24), confirmed: false),
        // ST's comment says week first; ST's code (Python and C alike) prints the first byte as the year.
        Field(label: "Manufacturing Year/Week", decoding: .yearWeek(offset: 0x11A), confirmed: false),
        Field(label: "BOM Id", decoding: .hex(offset: 0x118, count: 2), confirmed: false),
    ]

    /// One RF trim: an enable bit, a value with an even-parity bit, and how to spread the value.
    public struct Trim: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Three 5-bit signed offsets interpolated to 14 Wi-Fi channels.
            case wifi
            /// Five 5-bit signed offsets, one per BLE channel group.
            case ble
            /// The crystal trim as a plain number.
            case xtal
        }

        /// ST's name with its index ("wifi_hp_poffset0").
        public var name: String
        public var enable: (word: Int, bit: Int)
        public var value: (word: Int, bit: Int, width: Int)
        public var parity: (word: Int, bit: Int)
        public var kind: Kind

        /// The name ST prints: without its index.
        public var label: String { String(name.dropLast()) }

        public static func == (a: Trim, b: Trim) -> Bool {
            a.name == b.name && a.enable == b.enable && a.value == b.value && a.parity == b.parity && a.kind == b.kind
        }

        /// nil when the trim is not enabled or its parity does not match (ST's script skips it).
        func value(in bytes: [UInt8]) -> Value? {
            func bit(_ word: Int, _ bit: Int) -> UInt32 { (LE.u32(bytes, at: word) >> UInt32(bit)) & 1 }
            guard bit(enable.word, enable.bit) == 1 else { return nil }
            let raw = (LE.u32(bytes, at: value.word) >> UInt32(value.bit)) & UInt32((1 << value.width) - 1)
            guard UInt32(raw.nonzeroBitCount & 1) == bit(parity.word, parity.bit) else { return nil }
            func offsets(_ count: Int) -> [Int] {
                (0..<count).map { i in
                    let five = Int((raw >> UInt32(i * 5)) & 0x1F)
                    return five >= 16 ? five - 32 : five
                }
            }
            switch kind {
            case .xtal: return .number(Int(raw))
            case .ble: return .numbers(offsets(5))
            case .wifi: return .numbers(Self.interpolate(offsets(3)))
            }
        }

        /// ST's spread of three measured offsets (channels 1, 7, 13) over 14 channels, in whole
        /// percent steps with Python's floor division.
        static func interpolate(_ points: [Int]) -> [Int] {
            var out = [Int](repeating: 0, count: 14)
            out[0] = points[0]
            out[6] = points[1]
            out[12] = points[2]
            var step = floorDivide((points[1] - points[0]) * 100, 6)
            for k in 1..<6 { out[k] = floorDivide(step * k + 50, 100) + points[0] }
            step = floorDivide((points[2] - points[1]) * 100, 6)
            for k in 7..<12 { out[k] = floorDivide(step * (k - 6) + 50, 100) + points[1] }
            out[13] = floorDivide(step * 7 + 50, 100) + points[1]
            return out
        }
    }

    /// ST's trim table (read_chip_info.py/.c and the ST67W6X host driver hold the same rows).
    public static let trims: [Trim] = [
        Trim(name: "wifi_hp_poffset0", enable: (0xCC, 26), value: (0xC0, 0, 15), parity: (0xC0, 15), kind: .wifi),
        Trim(name: "wifi_hp_poffset1", enable: (0xCC, 27), value: (0xC0, 16, 15), parity: (0xC0, 31), kind: .wifi),
        Trim(name: "wifi_hp_poffset2", enable: (0xCC, 28), value: (0xC4, 0, 15), parity: (0xC4, 15), kind: .wifi),
        Trim(name: "wifi_lp_poffset0", enable: (0xCC, 29), value: (0xC4, 16, 15), parity: (0xC4, 31), kind: .wifi),
        Trim(name: "wifi_lp_poffset1", enable: (0xCC, 30), value: (0xC8, 0, 15), parity: (0xC8, 15), kind: .wifi),
        Trim(name: "wifi_lp_poffset2", enable: (0xCC, 31), value: (0xC8, 16, 15), parity: (0xC8, 31), kind: .wifi),
        Trim(name: "ble_poffset0", enable: (0xD0, 26), value: (0xCC, 0, 25), parity: (0xCC, 25), kind: .ble),
        Trim(name: "ble_poffset1", enable: (0xD0, 27), value: (0xD0, 0, 25), parity: (0xD0, 25), kind: .ble),
        Trim(name: "ble_poffset2", enable: (0xD0, 28), value: (0xD4, 0, 25), parity: (0xD4, 25), kind: .ble),
        Trim(name: "xtal0", enable: (0xEC, 7), value: (0xEC, 0, 6), parity: (0xEC, 6), kind: .xtal),
        Trim(name: "xtal1", enable: (0xF0, 31), value: (0xF4, 26, 6), parity: (0xF0, 30), kind: .xtal),
        Trim(name: "xtal2", enable: (0xEC, 23), value: (0xF4, 20, 6), parity: (0xF0, 28), kind: .xtal),
    ]

    /// ST's script prints each line as `f"{label:30}: {value}"`.
    public var printedLines: [String] {
        entries.map { entry in
            let padded =
                entry.label.count < 30
                ? entry.label + String(repeating: " ", count: 30 - entry.label.count) : entry.label
            return "\(padded): \(entry.value.printed)"
        }
    }
}

private func hexByte(_ byte: UInt8) -> String { Hex.digits(byte, width: 2, uppercase: true) }

private func twoDigits(_ byte: UInt8) -> String { byte < 10 ? "0\(byte)" : "\(byte)" }

/// The position of the highest set bit, counting from 1 (0 for all zero).
private func bitLength(littleEndian bytes: [UInt8]) -> Int {
    guard let last = bytes.lastIndex(where: { $0 != 0 }) else { return 0 }
    return last * 8 + (8 - bytes[last].leadingZeroBitCount)
}

/// Python's `//` for a positive divisor: rounds toward minus infinity.
private func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && a < 0) ? quotient - 1 : quotient
}
