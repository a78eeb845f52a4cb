import BootwireCore
/// The STM32 system-memory bootloader's USART protocol (ST AN3155) as data: reply bytes,
/// command codes and the frames they travel in. Spec: shared/specs/stm32-uart-bootloader.md
/// sections 1 and 2.
public enum STM32Protocol {
    public static let ack: UInt8 = 0x79
    public static let nack: UInt8 = 0x1F
    /// Sent by the I2C/SPI no-stretch variants while they work; a host treats it as "wait on".
    public static let busy: UInt8 = 0x76
    /// The byte the bootloader measures to find the host's rate (autobaud).
    public static let sync: UInt8 = 0x7F

    /// Most bytes a Read Memory or Write Memory moves in one command.
    public static let maxTransfer = 256
    /// Write Memory addresses and lengths are multiples of this.
    public static let writeAlignment = 4
    /// The legacy Erase (0x43) takes at most this many one-byte page numbers.
    public static let maxLegacyErasePages = 255
    /// Pages per Extended Erase command: stm32flash's limit (L152 takes at most 512).
    public static let maxExtendedErasePages = 512

    /// `CMD, CMD ^ 0xFF`.
    public static func commandFrame(_ code: UInt8) -> [UInt8] { [code, code ^ 0xFF] }

    /// 4 bytes big-endian, then their XOR.
    public static func addressFrame(_ address: UInt32) -> [UInt8] {
        let bytes = bigEndian(address)
        return bytes + [xor(bytes)]
    }

    /// XOR of every byte; a block and its checksum XOR to 0.
    public static func xor<C: Sequence>(_ bytes: C, seed: UInt8 = 0) -> UInt8 where C.Element == UInt8 {
        bytes.reduce(seed, ^)
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    public static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    public static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    public static func littleEndian32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) }
    }

    /// `L, d0…dL, cs` for Write Memory: L = count-1, cs = L ^ d0 ^ … ^ dL.
    public static func dataFrame(_ data: [UInt8]) -> [UInt8] {
        let count = UInt8(data.count - 1)
        return [count] + data + [xor(data, seed: count)]
    }

    /// Legacy Erase (0x43) of pages: `n, p0…pn, cs`.
    public static func legacyEraseFrame(pages: [Int]) -> [UInt8] {
        let body = [UInt8(pages.count - 1)] + pages.map { UInt8($0) }
        return body + [xor(body)]
    }

    /// Legacy Erase (0x43) of the whole flash: `FF 00`.
    public static let legacyGlobalErase: [UInt8] = [0xFF, 0x00]

    /// Extended Erase (0x44) of pages: `nh nl, p0h p0l …, cs`, cs over every byte from nh.
    public static func extendedEraseFrame(pages: [Int]) -> [UInt8] {
        var body: [UInt8] = [UInt8((pages.count - 1) >> 8), UInt8((pages.count - 1) & 0xFF)]
        for page in pages { body += [UInt8((page >> 8) & 0xFF), UInt8(page & 0xFF)] }
        return body + [xor(body)]
    }

    /// Extended Erase (0x44) special codes.
    public enum SpecialErase: UInt16, Sendable, CaseIterable {
        case mass = 0xFFFF
        case bank1 = 0xFFFE
        case bank2 = 0xFFFD

        /// The step the bootloader acknowledges after this erase's code.
        public var step: CommandStep {
            switch self {
            case .mass: .massErase
            case .bank1: .bank1Erase
            case .bank2: .bank2Erase
            }
        }

        /// `FF FF 00`, `FF FE 01`, `FF FD 02`.
        public var frame: [UInt8] {
            let hi = UInt8(rawValue >> 8)
            let lo = UInt8(rawValue & 0xFF)
            return [hi, lo, hi ^ lo]
        }
    }

    /// Write Protect (0x63): `n, s0…sn, cs`.
    public static func sectorListFrame(_ codes: [UInt8]) -> [UInt8] {
        let body = [UInt8(codes.count - 1)] + codes
        return body + [xor(body)]
    }
}

/// The commands a bootloader lists in its Get reply (AN3155), USART codes only.
public enum STM32Command: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case get = 0x00
    case getVersion = 0x01
    case getID = 0x02
    case readMemory = 0x11
    case go = 0x21
    case writeMemory = 0x31
    case erase = 0x43
    case extendedErase = 0x44
    case special = 0x50
    case extendedSpecial = 0x51
    case writeProtect = 0x63
    case writeUnprotect = 0x73
    case readoutProtect = 0x82
    case readoutUnprotect = 0x92
    case getChecksum = 0xA1

    public var description: String {
        switch self {
        case .get: "Get"
        case .getVersion: "Get Version"
        case .getID: "Get ID"
        case .readMemory: "Read Memory"
        case .go: "Go"
        case .writeMemory: "Write Memory"
        case .erase: "Erase"
        case .extendedErase: "Extended Erase"
        case .special: "Special"
        case .extendedSpecial: "Extended Special"
        case .writeProtect: "Write Protect"
        case .writeUnprotect: "Write Unprotect"
        case .readoutProtect: "Readout Protect"
        case .readoutUnprotect: "Readout Unprotect"
        case .getChecksum: "Get Checksum"
        }
    }

    /// "Read Memory (0x11)", or "0x5A" for a code this table does not know.
    public static func name(of code: UInt8) -> String {
        let hex = Hex.address(code, width: 2, uppercase: true)
        guard let command = STM32Command(rawValue: code) else { return hex }
        return "\(command) (\(hex))"
    }

    /// What a bootloader still accepts while readout protection is active (spec 1, OpenBL).
    public static let allowedUnderReadoutProtection: Set<UInt8> = [0x00, 0x01, 0x02, 0x92]
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

/// The CRC the STM32 CRC unit computes and Get Checksum (0xA1) returns: polynomial 0x04C11DB7,
/// initial value 0xFFFFFFFF, no reflection, no final XOR, fed 32-bit little-endian words MSB
/// first (spec 2, 0xA1; stm32flash's software fallback is the same).
public enum STM32CRC {
    public static let initial: UInt32 = 0xFFFF_FFFF

    /// Continues `crc` over `bytes`; the count must be a multiple of 4.
    public static func update(_ crc: UInt32, _ bytes: some Collection<UInt8>) -> UInt32 {
        precondition(bytes.count % 4 == 0, "the STM32 CRC runs over whole words")
        var crc = crc
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next(), let b1 = iterator.next(), let b2 = iterator.next(), let b3 = iterator.next() {
            crc ^= UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
            for _ in 0..<32 {
                crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1
            }
        }
        return crc
    }

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 { update(initial, bytes) }
}
