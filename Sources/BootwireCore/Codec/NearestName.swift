/// The valid name closest to a mistyped one (`codes CODE`): fewest single-character edits
/// (Levenshtein distance), and only when the distance is small enough to be a typo.
public enum NearestName {
    public static func nearest(to word: String, in names: [String]) -> String? {
        let word = Array(word.lowercased())
        let scored = names.map { (name: $0, distance: distance(word, Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        // A third of the word may be wrong; more is another word, not a typo.
        return best.distance <= max(2, word.count / 3) ? best.name : nil
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1]
            for (j, y) in b.enumerated() {
                row.append(min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = row
        }
        return previous[b.count]
    }
}
