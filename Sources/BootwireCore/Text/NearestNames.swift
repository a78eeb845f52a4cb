/// The valid names nearest to a mistyped one, for "did you mean …?": verbs, `virtual:` ports,
/// project-file keys and target names all ask here, so one typo gets one answer everywhere.
public enum NearestNames {
    /// Levenshtein distance (insert, delete, substitute: one each), over characters, case-insensitive.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased())
        let b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitute)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The names within reach of `name`, nearest first (ties in the order given), at most `limit`.
    /// Reach grows with the name's length (a third of it, at least 2) so that `flsh` finds `flash`
    /// and `nucleo-h563` finds `nucleo-h563zi`; a name that starts another (a prefix) always counts.
    public static func nearest(to name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let reach = max(2, name.count / 3)
        let scored = candidates.enumerated().compactMap { index, candidate -> (Int, Int, String)? in
            let lower = candidate.lowercased()
            let isPrefix = name.count >= 3 && lower.hasPrefix(name.lowercased())
            let d = isPrefix ? 0 : distance(name, candidate)
            return d <= reach ? (d, index, candidate) : nil
        }
        return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(limit).map(\.2)
    }

    /// ", did you mean `a`?" / " (did you mean `a` or `b`?)" text for a message; empty when nothing is near.
    public static func suggestion(for name: String, among candidates: [String], prefix: String = "") -> String {
        let near = nearest(to: name, among: candidates)
        guard !near.isEmpty else { return "" }
        let quoted = near.map { "`\(prefix)\($0)`" }
        return "did you mean "
            + (quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!) + "?"
    }
}
