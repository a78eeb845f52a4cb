import Foundation

/// A virtual flash's `state=` file: a 4-byte tag naming the model, the array, then each option
/// word little-endian, so one file restores exactly the device that wrote it.
enum VirtualFlashState {
    static func encode(tag: String, array: [UInt8], words: [UInt32]) -> Data {
        var data = Data(tag.utf8) + Data(array)
        for word in words { withUnsafeBytes(of: word.littleEndian) { data += $0 } }
        return data
    }

    /// Nil when the file is another model's or another size.
    static func decode(_ state: Data, tag: String, flashSize: Int, wordCount: Int) -> (
        array: [UInt8], words: [UInt32]
    )? {
        let bytes = [UInt8](state)
        guard bytes.count == 4 + flashSize + 4 * wordCount, Array(bytes.prefix(4)) == Array(tag.utf8) else {
            return nil
        }
        let words = (0..<wordCount).map { i in
            let at = 4 + flashSize + 4 * i
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }
        return (Array(bytes[4..<(4 + flashSize)]), words)
    }
}
