import BootwireCore

extension Bootwire {
    /// `bootwire flsh --port …`: the argument parser would report the first option it cannot
    /// place ("Unknown option '--port'"); the verb is the mistake, so say so, with the nearest
    /// verb and the whole command line corrected to paste.
    static func unknownVerb(_ arguments: [String], verbs: Set<String>) -> BootwireError? {
        guard let verb = arguments.first, !verb.hasPrefix("-"), verb != "help", !verbs.contains(verb) else {
            return nil
        }
        let nearest = NearestNames.nearest(to: verb, among: verbs.sorted())
        let corrected = nearest.first.map {
            (["bootwire", $0] + arguments.dropFirst().map(Invocation.quoted)).joined(separator: " ")
        }
        return BootwireError(
            .usage, "`\(verb)` is not a bootwire command" + (nearest.isEmpty ? "" : "; did you mean `\(nearest[0])`?"),
            hint: corrected.map { "did you mean `\($0)`?" } ?? "`bootwire --help` lists the commands",
            evidence: ["verb": verb, "nearest": nearest.joined(separator: " ")])
    }
}
