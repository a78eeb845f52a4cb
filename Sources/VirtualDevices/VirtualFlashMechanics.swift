/// What every virtual STM32 flash controller does alike, whatever its register map: the
/// two-word unlock sequences, the array's erase, word read and program-once rule, and the L4
/// pattern's write-protection area words. Each model (`VirtualL4Flash`, `VirtualPageFlash`,
/// `VirtualSectorFlash`, `VirtualF4Flash`) keeps its own registers and bits and calls these.
enum VirtualFlashKeys {
    /// KEYR (RM0351 3.3.5, RM0090 3.5.1, RM0481 7.5.1, RM0433 4.5.1: the same two words).
    static let flash: (UInt32, UInt32) = (0x4567_0123, 0xCDEF_89AB)
    /// OPTKEYR, likewise.
    static let option: (UInt32, UInt32) = (0x0819_2A3B, 0x4C5D_6E7F)

    enum Outcome {
        /// The first key: the next write must be the second.
        case first
        /// The second key after the first: the lock clears.
        case unlocked
        /// Anything else: the sequence restarts and the write fails.
        case wrong
    }

    static func advance(_ step: inout Int, _ value: UInt32, _ keys: (UInt32, UInt32)) -> Outcome {
        if step == 0, value == keys.0 {
            step = 1
            return .first
        }
        if step == 1, value == keys.1 {
            step = 0
            return .unlocked
        }
        step = 0
        return .wrong
    }
}

extension Array where Element == UInt8 {
    /// Erased flash reads 0xFF.
    mutating func eraseFlash(_ start: Int, count: Int) {
        replaceSubrange(start..<start + count, with: repeatElement(0xFF, count: count))
    }

    /// The little-endian word at `offset`.
    func flashWord(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * $1) }
    }

    /// Programs one unit at `start`: over erased bytes, or all zeros (which only clears bits, as
    /// the controllers allow); false otherwise (PROGERR), with nothing written.
    mutating func programFlash(_ unit: [UInt8], at start: Int) -> Bool {
        let erased = self[start..<start + unit.count].allSatisfy { $0 == 0xFF }
        guard erased || unit.allSatisfy({ $0 == 0 }) else { return false }
        replaceSubrange(start..<start + unit.count, with: unit)
        return true
    }
}

/// L4-pattern WRPxyR words as the emulator reads them (RM0351 3.4.2): start page [7:0], end page
/// [23:16]; no area when start > end.
enum VirtualWRPArea {
    static func pages(_ word: UInt32) -> ClosedRange<Int>? {
        let start = Int(word & 0xFF)
        let end = Int((word >> 16) & 0xFF)
        return start <= end ? start...end : nil
    }
}
