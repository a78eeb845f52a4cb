/// Readout protection (RDP). Level 1: only Get, Get Version, Get ID and Readout Unprotect are
/// accepted; level 2: the bootloader is gone for good (the part never answers 0x7F).
public enum STM32ReadoutProtection: Int, Sendable, Equatable, Comparable, CustomStringConvertible {
    case level0 = 0
    case level1 = 1
    case level2 = 2

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "RDP level \(rawValue)" }
}

/// A family's option bytes as Read Memory returns them (one byte array per area of
/// `STM32Device.optionBytes`), decoded and edited. The same type serves the client (decode what
/// was read) and the virtual device (hold, change, reload).
///
/// Layouts (spec sections 4 and 5; RM0008, RM0351, RM0434, RM0481 background):
/// - F1, 16 bytes at 0x1FFFF800: RDP, USER, DATA0, DATA1, WRP0…WRP3, each byte followed by its
///   complement. RDP 0xA5 = level 0, anything else level 1. WRP bit n = 0 protects pages
///   n × ppb … n × ppb + ppb − 1 (ppb = `writeProtectPagesPerBit`).
/// - L4, one area of 0x28 bytes per bank (bank 1 at 0x1FFF7800, bank 2 at 0x1FFFF800) of 64-bit
///   slots, each a 32-bit value then its complement: bank 1 OPTR +0, PCROP1 start +8, end
///   +0x10, WRP1A +0x18, WRP1B +0x20; bank 2 the same from +8 (PCROP2, WRP2A, WRP2B). OPTR:
///   RDP [7:0] (0xAA level 0, 0xCC level 2), BFB2 bit 20, DUALBANK bit 21. WRPxy: start page
///   [7:0], end page [23:16], page numbers within the bank; no protection when start > end.
/// - WB, 128 bytes at 0x1FFF8000: OPTR, WRP1A, WRP1B as L4's bank 1; SFR at +0x70 with SFSA
///   [7:0] (first secure 4 KiB page) and FSD bit 8 (secure flash disabled). UNCONFIRMED offsets.
/// - H5, the option registers seen at 0x40022040: OPTSR_CUR at +0x10 with PRODUCT_STATE [15:8]
///   (0xED open = level 0, 0x5C locked = level 2, any other = level 1) and SWAP_BANK bit 31.
///   No complements. UNCONFIRMED.
public struct STM32OptionBytes: Sendable, Equatable {
    public let layout: STM32OptionLayout
    public let ranges: [STM32MemoryRange]
    public var areas: [[UInt8]]
    /// F1 only.
    public let writeProtectPagesPerBit: Int

    public init(device: STM32Device, areas: [[UInt8]]) {
        layout = device.optionLayout
        ranges = device.optionBytes
        writeProtectPagesPerBit = device.writeProtectPagesPerBit
        self.areas = zip(
            device.optionBytes, areas + Array(repeating: [], count: max(0, device.optionBytes.count - areas.count))
        )
        .map { range, bytes in
            Array(bytes.prefix(range.size)) + Array(repeating: 0xFF, count: max(0, range.size - bytes.count))
        }
    }

    /// As the part leaves the factory: level 0, no write protection; L4 dual bank, BFB2 off;
    /// WB with the FUS in the top 48 KiB (SFSA 0xF4, UNCONFIRMED); H5 open.
    public static func factory(for device: STM32Device) -> STM32OptionBytes {
        var options = STM32OptionBytes(
            device: device, areas: device.optionBytes.map { [UInt8](repeating: 0xFF, count: $0.size) })
        switch device.optionLayout {
        case .f1:
            options.areas[0] = [
                0xA5, 0x5A, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00,
            ]
        case .l4:
            // Bit 21 (DUALBANK) reads 1 on single-bank parts too, where it is reserved.
            for area in options.areas.indices {
                options.setWord(area: area, offset: 0x00, area == 0 ? 0xFFEF_F8AA : 0xFFFF_FFFF)
                options.setWord(area: area, offset: 0x08, 0xFFFF_FFFF)
                options.setWord(area: area, offset: 0x10, 0xFFFF_0000)
                options.setWord(area: area, offset: 0x18, Self.noWriteProtection)
                options.setWord(area: area, offset: 0x20, Self.noWriteProtection)
            }
        case .wb:
            for offset in stride(from: 0, to: 0x80, by: 8) { options.setWord(area: 0, offset: offset, 0xFFFF_FFFF) }
            options.setWord(area: 0, offset: 0x00, 0x3DFF_F1AA)
            options.setWord(area: 0, offset: 0x10, 0xFFFF_0000)
            options.setWord(area: 0, offset: 0x18, Self.noWriteProtection)
            options.setWord(area: 0, offset: 0x20, Self.noWriteProtection)
            options.setWord(area: 0, offset: 0x30, 0xFFFF_0000)
            options.setWord(area: 0, offset: 0x70, 0xFFFF_FEF4)
        case .h5:
            options.areas[0] = [UInt8](repeating: 0, count: device.optionBytes[0].size)
            options.setRegister(offset: 0x10, 0x00C0_EDF8)
            options.setRegister(offset: 0x14, 0x00C0_EDF8)
        }
        return options
    }

    /// WRPxy with start 0xFF above end 0x00: nothing protected.
    static let noWriteProtection: UInt32 = 0xFF00_FFFF

    // MARK: raw words

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

    // MARK: decoded

    /// The RDP byte (H5: PRODUCT_STATE).
    public var rdpByte: UInt8 {
        switch layout {
        case .f1, .l4, .wb: areas[0][0]
        case .h5: UInt8((register(offset: 0x10) >> 8) & 0xFF)
        }
    }

    public var readoutProtection: STM32ReadoutProtection {
        // A value that disagrees with its complement loads as level 1 (the part protects itself).
        if complementMismatches.contains(ranges[0].start) { return .level1 }
        switch layout {
        case .f1: return rdpByte == 0xA5 ? .level0 : .level1
        case .l4, .wb: return rdpByte == 0xAA ? .level0 : rdpByte == 0xCC ? .level2 : .level1
        case .h5: return rdpByte == 0xED ? .level0 : rdpByte == 0x5C ? .level2 : .level1
        }
    }

    /// F1: the USER byte; L4/WB: OPTR; H5: OPTSR_CUR.
    public var user: UInt32 {
        switch layout {
        case .f1: UInt32(areas[0][2])
        case .l4, .wb: word(area: 0, offset: 0)
        case .h5: register(offset: 0x10)
        }
    }

    /// L4 DUALBANK (bit 21), on the parts that have a second bank's option bytes; on single-bank
    /// L4 the bit is reserved (and reads 1).
    public var dualBank: Bool? { layout == .l4 && ranges.count > 1 ? user & (1 << 21) != 0 : nil }

    /// L4 BFB2 (bit 20) or H5 SWAP_BANK (bit 31): bank 2 appears at the flash base.
    public var bootFromBank2: Bool? {
        switch layout {
        case .l4: ranges.count > 1 ? user & (1 << 20) != 0 : nil
        case .h5: user & (1 << 31) != 0
        default: nil
        }
    }

    /// WB: SFSA, unless FSD (secure flash disabled) is set.
    public var secureFlashStartPage: Int? {
        guard layout == .wb else { return nil }
        let sfr = word(area: 0, offset: 0x70)
        return sfr & (1 << 8) != 0 ? nil : Int(sfr & 0xFF)
    }

    /// Addresses of values whose complement does not match (F1 bytes, L4/WB 32-bit words).
    public var complementMismatches: [UInt32] {
        var found: [UInt32] = []
        switch layout {
        case .f1:
            for offset in stride(from: 0, to: areas[0].count - 1, by: 2)
            where areas[0][offset] ^ areas[0][offset + 1] != 0xFF {
                found.append(ranges[0].start + UInt32(offset))
            }
        case .l4, .wb:
            for (area, bytes) in areas.enumerated() {
                for offset in stride(from: 0, to: bytes.count - 7, by: 8)
                where word(area: area, offset: offset) != ~STM32Protocol.littleEndian32(bytes, at: offset + 4) {
                    found.append(ranges[area].start + UInt32(offset))
                }
            }
        case .h5:
            break
        }
        return found
    }

    /// Pages write protection covers, in the bootloader's page numbering.
    public func writeProtectedPages(_ geometry: STM32FlashGeometry) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        switch layout {
        case .f1:
            let bits =
                UInt32(areas[0][8]) | UInt32(areas[0][10]) << 8 | UInt32(areas[0][12]) << 16 | UInt32(areas[0][14])
                << 24
            let perBit = max(writeProtectPagesPerBit, 1)
            for bit in 0..<32 where bits & (1 << bit) == 0 {
                let first = bit * perBit
                let last = min(first + perBit, geometry.pageCount) - 1
                if first <= last { ranges.append(first...last) }
            }
        case .l4, .wb:
            var slots: [(area: Int, offset: Int, bank: Int)] = [(0, 0x18, 1), (0, 0x20, 1)]
            if layout == .l4 && geometry.bankCount == 2 { slots += [(1, 0x18, 2), (1, 0x20, 2)] }
            for slot in slots {
                let value = word(area: slot.area, offset: slot.offset)
                let start = Int(value & 0xFF)
                let end = Int((value >> 16) & 0xFF)
                guard start <= end else { continue }
                let offset = (slot.bank - 1) * geometry.pagesPerBank
                let last = min(end + offset, geometry.pageCount - 1)
                if start + offset <= last { ranges.append((start + offset)...last) }
            }
        case .h5:
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
        if let dual = dualBank { parts.append(dual ? "DUALBANK 1" : "DUALBANK 0") }
        if let swapped = bootFromBank2 {
            parts.append(layout == .h5 ? "SWAP_BANK \(swapped ? 1 : 0)" : "BFB2 \(swapped ? 1 : 0)")
        }
        if let secure = secureFlashStartPage { parts.append("SFSA 0x\(String(secure, radix: 16, uppercase: true))") }
        if !complementMismatches.isEmpty {
            parts.append("\(complementMismatches.count) values disagree with their complement")
        }
        return parts.joined(separator: ", ")
    }

    // MARK: editing (what the bootloader does when asked)

    /// Sets the RDP byte for a level (F1 level 1 = 0x00, L4/WB 0xBB, H5 closed 0x72).
    public mutating func setReadoutProtection(_ level: STM32ReadoutProtection) {
        switch layout {
        case .f1:
            areas[0][0] = level == .level0 ? 0xA5 : 0x00
            areas[0][1] = ~areas[0][0]
        case .l4, .wb:
            let rdp: UInt32 = level == .level0 ? 0xAA : level == .level1 ? 0xBB : 0xCC
            setWord(area: 0, offset: 0, word(area: 0, offset: 0) & ~0xFF | rdp)
        case .h5:
            let state: UInt32 = level == .level0 ? 0xED : level == .level1 ? 0x72 : 0x5C
            for offset in [0x10, 0x14] { setRegister(offset: offset, register(offset: offset) & ~0xFF00 | state << 8) }
        }
    }

    /// Write Protect's sector codes. F1: WRP bit numbers. L4/WB: pairs (first page, last page)
    /// within the bank for WRP1A, WRP1B, then (L4) WRP2A, WRP2B — how ST's Open Bootloader fills
    /// its areas; UNCONFIRMED for the ROM. Returns false when the codes do not fit the layout.
    @discardableResult
    public mutating func applyWriteProtect(codes: [UInt8]) -> Bool {
        switch layout {
        case .f1:
            guard codes.allSatisfy({ $0 < 32 }) else { return false }
            for code in codes {
                let offset = 8 + Int(code / 8) * 2
                areas[0][offset] &= ~(1 << (code % 8))
                areas[0][offset + 1] = ~areas[0][offset]
            }
            return true
        case .l4, .wb:
            let slots = [(0, 0x18), (0, 0x20), (1, 0x18), (1, 0x20)].filter { $0.0 < areas.count }
            guard codes.count % 2 == 0, codes.count / 2 <= slots.count else { return false }
            for pair in 0..<(codes.count / 2) {
                // A start above the end leaves the area unused.
                let (start, end) = (UInt32(codes[2 * pair]), UInt32(codes[2 * pair + 1]))
                setWord(area: slots[pair].0, offset: slots[pair].1, 0xFF00_FF00 | end << 16 | start)
            }
            return true
        case .h5:
            return false
        }
    }

    /// Write Unprotect: every page writable again.
    public mutating func clearWriteProtection() {
        switch layout {
        case .f1:
            for offset in stride(from: 8, to: 16, by: 2) {
                areas[0][offset] = 0xFF
                areas[0][offset + 1] = 0x00
            }
        case .l4, .wb:
            for area in areas.indices {
                setWord(area: area, offset: 0x18, Self.noWriteProtection)
                setWord(area: area, offset: 0x20, Self.noWriteProtection)
            }
        case .h5:
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
        switch layout {
        case .f1:
            for value in stride(from: 0, to: areas[area].count - 1, by: 2) {
                areas[area][value + 1] = ~areas[area][value]
            }
        case .l4, .wb:
            for slot in stride(from: 0, to: areas[area].count - 7, by: 8) {
                setWord(area: area, offset: slot, word(area: area, offset: slot))
            }
        case .h5:
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
        switch optionLayout {
        case .f1:
            let perBit = max(writeProtectPagesPerBit, 1)
            let bits = Array(Set(pages.map { min($0 / perBit, 31) })).sorted()
            return bits.map { UInt8($0) }
        case .l4, .wb:
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
        case .h5:
            return nil
        }
    }
}
