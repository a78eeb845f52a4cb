/// Rows of cells as aligned text, for the tables people read (the flash summary, option bytes).
public enum TextTable {
    /// Columns padded to their widest cell (right-aligned where numbers are), trailing blanks cut.
    public static func lines(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            // A column empty on every row (no image was compressed) takes no room.
            for (c, cell) in row.enumerated() where widths[c] > 0 {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                if !line.isEmpty { line += "  " }
                line += rightAligned.contains(c) ? pad + cell : cell + pad
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}
