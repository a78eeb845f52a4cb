/// Readout protection (RDP). Level 1: only Get, Get Version, Get ID and Readout Unprotect are
/// accepted; level 2: the bootloader is gone for good (the part never answers 0x7F).
public enum STM32ReadoutProtection: Int, Sendable, Equatable, Comparable, Codable, CustomStringConvertible {
    case level0 = 0
    case level1 = 1
    case level2 = 2

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "RDP level \(rawValue)" }
}

/// A family's option bytes as Read Memory returns them (one byte array per area of
/// `STM32Device.optionBytes`), decoded and edited through the family's field table
/// (`STM32OptionFieldTable`: storage, fields, RDP codes, write-protection scheme, factory
/// values). The same type serves the client (decode what was read) and the virtual device
/// (hold, change, reload).
public struct STM32OptionBytes: Sendable, Equatable {
    public let layout: STM32OptionLayout
    public let ranges: [STM32MemoryRange]
    public var areas: [[UInt8]]
    /// F1 only.
    public let writeProtectPagesPerBit: Int
    public let fields: STM32OptionFieldTable

    public init(device: STM32Device, areas: [[UInt8]]) {
        layout = device.optionLayout
        ranges = device.optionBytes
        writeProtectPagesPerBit = device.writeProtectPagesPerBit
        fields = device.optionFields
        self.areas = zip(
            device.optionBytes, areas + Array(repeating: [], count: max(0, device.optionBytes.count - areas.count))
        )
        .map { range, bytes in
            Array(bytes.prefix(range.size)) + Array(repeating: 0xFF, count: max(0, range.size - bytes.count))
        }
    }

    /// As the part leaves the factory: the table's factory values (level 0, no write
    /// protection; L4 DUALBANK bit set, BFB2 off; WB SFSA 0xF4; H5 open).
    public static func factory(for device: STM32Device) -> STM32OptionBytes {
        let fields = device.optionFields
        var options = STM32OptionBytes(
            device: device,
            areas: device.optionBytes.map { [UInt8](repeating: fields.factoryFill, count: $0.size) })
        for (field, value) in fields.factory where field.area < options.areas.count {
            options.set(field, value)
        }
        return options
    }

    /// WRPxy with start 0xFF above end 0x00: nothing protected.
    static let noWriteProtection = STM32OptionFieldTable.noWriteProtection

    // MARK: raw values

    /// A 64-bit slot's value (L4/WB).
    public func word(area: Int, offset: Int) -> UInt32 {
        STM32Protocol.littleEndian32(areas[area], at: offset)
    }

    /// Sets a 64-bit slot's value and its complement (L4/WB).
    public mutating func setWord(area: Int, offset: Int, _ value: UInt32) {
        areas[area].replaceSubrange(
            offset..<(offset + 8), with: STM32Protocol.littleEndian32(value) + STM32Protocol.littleEndian32(~value))
    }

    /// A 32-bit register (H5).
    public func register(offset: Int) -> UInt32 { STM32Protocol.littleEndian32(areas[0], at: offset) }

    public mutating func setRegister(offset: Int, _ value: UInt32) {
        areas[0].replaceSubrange(offset..<(offset + 4), with: STM32Protocol.littleEndian32(value))
    }

    /// The stored value a field lives in (a byte for F1, a 32-bit word otherwise).
    func stored(_ field: STM32OptionField) -> UInt32 {
        switch fields.storage {
        case .bytePairs: UInt32(areas[field.area][field.offset])
        case .wordPairs, .registers: STM32Protocol.littleEndian32(areas[field.area], at: field.offset)
        }
    }

    public func value(_ field: STM32OptionField) -> UInt32 { (stored(field) >> UInt32(field.shift)) & field.mask }

    /// Sets a field's bits, and the complement where the storage keeps one.
    public mutating func set(_ field: STM32OptionField, _ value: UInt32) {
        let mask = field.mask << UInt32(field.shift)
        let new = stored(field) & ~mask | (value << UInt32(field.shift)) & mask
        switch fields.storage {
        case .bytePairs:
            areas[field.area][field.offset] = UInt8(truncatingIfNeeded: new)
            areas[field.area][field.offset + 1] = ~UInt8(truncatingIfNeeded: new)
        case .wordPairs: setWord(area: field.area, offset: field.offset, new)
        case .registers:
            areas[field.area].replaceSubrange(
                field.offset..<(field.offset + 4), with: STM32Protocol.littleEndian32(new))
        }
    }

    // MARK: decoded

    /// The RDP byte (H5: PRODUCT_STATE).
    public var rdpByte: UInt8 { UInt8(truncatingIfNeeded: value(fields.rdp)) }

    public var readoutProtection: STM32ReadoutProtection {
        // A value that disagrees with its complement loads as level 1 (the part protects itself).
        if complementMismatches.contains(ranges[0].start + UInt32(fields.rdp.offset)) { return .level1 }
        let rdp = value(fields.rdp)
        return fields.rdpCodes.level(rdp)
    }

    /// F1: the USER byte; L4/WB: OPTR; H5: OPTSR_CUR.
    public var user: UInt32 { value(fields.user) }

    /// L4 DUALBANK (bit 21), on the parts that have a second bank's option bytes; on single-bank
    /// L4 the bit is reserved (and reads 1).
    public var dualBank: Bool? { fields.dualBank.map { value($0) != 0 } }

    /// L4 BFB2 (bit 20) or H5 SWAP_BANK (bit 31): bank 2 appears at the flash base.
    public var bootFromBank2: Bool? { fields.bootFromBank2.map { value($0) != 0 } }

    /// WB: SFSA, unless FSD (secure flash disabled) is set.
    public var secureFlashStartPage: Int? {
        guard let start = fields.secureStart else { return nil }
        if let disabled = fields.secureDisabled, value(disabled) != 0 { return nil }
        return Int(value(start))
    }

    /// Addresses of values whose complement does not match (F1 bytes, L4/WB 32-bit words).
    public var complementMismatches: [UInt32] {
        var found: [UInt32] = []
        for (area, bytes) in areas.enumerated() {
            switch fields.storage {
            case .bytePairs:
                for offset in stride(from: 0, to: bytes.count - 1, by: 2)
                where bytes[offset] ^ bytes[offset + 1] != 0xFF {
                    found.append(ranges[area].start + UInt32(offset))
                }
            case .wordPairs:
                for offset in stride(from: 0, to: bytes.count - 7, by: 8)
                where word(area: area, offset: offset) != ~STM32Protocol.littleEndian32(bytes, at: offset + 4) {
                    found.append(ranges[area].start + UInt32(offset))
                }
            case .registers:
                break
            }
        }
        return found
    }

    /// Pages write protection covers, in the bootloader's page numbering.
    public func writeProtectedPages(_ geometry: STM32FlashGeometry) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        switch fields.writeProtection {
        case .bits(let offsets):
            let bits = offsets.enumerated().reduce(UInt32(0)) { $0 | UInt32(areas[0][$1.element]) << (8 * $1.offset) }
            let perBit = max(writeProtectPagesPerBit, 1)
            for bit in 0..<(8 * offsets.count) where bits & (1 << bit) == 0 {
                let first = bit * perBit
                let last = min(first + perBit, geometry.pageCount) - 1
                if first <= last { ranges.append(first...last) }
            }
        case .areas(let slots):
            for slot in slots where slot.bank <= geometry.bankCount {
                guard let pages = STM32WRPArea.pages(word(area: slot.area, offset: slot.offset)) else { continue }
                let (start, end) = (pages.lowerBound, pages.upperBound)
                let offset = (slot.bank - 1) * geometry.pagesPerBank
                let last = min(end + offset, geometry.pageCount - 1)
                if start + offset <= last { ranges.append((start + offset)...last) }
            }
        case .none:
            break
        }
        return Self.merged(ranges)
    }

    static func merged(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// One line: `RDP level 0 (0xAA), no write protection, dual bank, BFB2 0`.
    public func summary(_ geometry: STM32FlashGeometry) -> String {
        var parts = ["\(readoutProtection) (0x\(String(rdpByte, radix: 16, uppercase: true).leftPadded(2)))"]
        let protected = writeProtectedPages(geometry)
        parts.append(
            protected.isEmpty
                ? "no write protection"
                : "write-protected pages "
                    + protected.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(
                        separator: ","))
        if let dual = dualBank { parts.append("\(fields.dualBankName) \(dual ? 1 : 0)") }
        if let swapped = bootFromBank2 { parts.append("\(fields.bankSwapName) \(swapped ? 1 : 0)") }
        if let secure = secureFlashStartPage { parts.append("SFSA 0x\(String(secure, radix: 16, uppercase: true))") }
        if !complementMismatches.isEmpty {
            parts.append("\(complementMismatches.count) values disagree with their complement")
        }
        return parts.joined(separator: ", ")
    }

    // MARK: editing (what the bootloader does when asked)

    /// Sets the RDP byte for a level (F1 level 1 = 0x00, L4/WB 0xBB, H5 closed 0x72).
    public mutating func setReadoutProtection(_ level: STM32ReadoutProtection) {
        guard let code = fields.rdpCodes.written[level] else { return }
        for field in [fields.rdp] + fields.rdpMirrors { set(field, code) }
    }

    /// Write Protect's sector codes. F1: WRP bit numbers. L4/WB: pairs (first page, last page)
    /// within the bank for WRP1A, WRP1B, then (L4) WRP2A, WRP2B — how ST's Open Bootloader fills
    /// its areas; UNCONFIRMED for the ROM. Returns false when the codes do not fit the layout.
    @discardableResult
    public mutating func applyWriteProtect(codes: [UInt8]) -> Bool {
        switch fields.writeProtection {
        case .bits(let offsets):
            guard codes.allSatisfy({ Int($0) < 8 * offsets.count }) else { return false }
            for code in codes {
                let byte = STM32OptionField(offset: offsets[Int(code / 8)], width: 8)
                set(byte, value(byte) & ~(1 << UInt32(code % 8)))
            }
            return true
        case .areas(let slots):
            guard codes.count % 2 == 0, codes.count / 2 <= slots.count else { return false }
            for pair in 0..<(codes.count / 2) {
                // A start above the end leaves the area unused.
                let (start, end) = (UInt32(codes[2 * pair]), UInt32(codes[2 * pair + 1]))
                setWord(area: slots[pair].area, offset: slots[pair].offset, STM32WRPArea.word(first: start, last: end))
            }
            return true
        case .none:
            return false
        }
    }

    /// Write Unprotect: every page writable again.
    public mutating func clearWriteProtection() {
        switch fields.writeProtection {
        case .bits(let offsets):
            for offset in offsets { set(STM32OptionField(offset: offset, width: 8), 0xFF) }
        case .areas(let slots):
            for slot in slots { setWord(area: slot.area, offset: slot.offset, Self.noWriteProtection) }
        case .none:
            break
        }
    }

    /// What a Write Memory to the option area leaves: the bootloader programs the values and
    /// the hardware writes the complements (F1 computes the high byte; L4/WB program the
    /// option registers). `bytes` at `address` inside one area.
    public mutating func program(_ bytes: [UInt8], at address: UInt32) -> Bool {
        guard let area = ranges.firstIndex(where: { $0.contains(address, count: bytes.count) }) else { return false }
        let offset = Int(address - ranges[area].start)
        areas[area].replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        switch fields.storage {
        case .bytePairs:
            for value in stride(from: 0, to: areas[area].count - 1, by: 2) {
                areas[area][value + 1] = ~areas[area][value]
            }
        case .wordPairs:
            for slot in stride(from: 0, to: areas[area].count - 7, by: 8) {
                setWord(area: area, offset: slot, word(area: area, offset: slot))
            }
        case .registers:
            break
        }
        return true
    }
}

extension STM32Device {
    /// Write Protect codes that protect `pages` (bootloader numbering) in this family's scheme:
    /// F1 the WRP bits whose groups the pages touch; L4/WB one (first, last) pair per bank
    /// (a contiguous run per bank). Nil when the family has no such scheme or the pages do not fit it.
    public func writeProtectCodes(pages: ClosedRange<Int>, geometry: STM32FlashGeometry) -> [UInt8]? {
        guard geometry.isValid(page: pages.lowerBound), geometry.isValid(page: pages.upperBound) else { return nil }
        switch optionFields.writeProtection {
        case .bits:
            let perBit = max(writeProtectPagesPerBit, 1)
            let bits = Array(Set(pages.map { min($0 / perBit, 31) })).sorted()
            return bits.map { UInt8($0) }
        case .areas:
            var codes: [UInt8] = []
            for bank in 1...geometry.bankCount {
                let bankPages = geometry.pages(ofBank: bank)
                let low = max(pages.lowerBound, bankPages.lowerBound)
                let high = min(pages.upperBound, bankPages.upperBound - 1)
                guard low <= high else { continue }
                let offset = bankPages.lowerBound
                guard high - offset <= 0xFF else { return nil }
                // WRP1A for bank 1, WRP2A for bank 2: the bank-2 pair goes third.
                if bank == 2 {
                    if codes.isEmpty { codes = [0xFF, 0x00, 0xFF, 0x00] }
                    if codes.count == 2 { codes += [0xFF, 0x00] }
                }
                codes += [UInt8(low - offset), UInt8(high - offset)]
            }
            return codes.isEmpty ? nil : codes
        case .none:
            return nil
        }
    }
}
