import ArgumentParser
import BootwireCore
import Foundation

/// `bootwire journal list|clear`: the session journals an interrupted flash leaves (keyed by
/// each device's unique identity), shown and, when a person vouches for the flash, deleted.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List or clear the journals interrupted flash sessions left behind.",
        subcommands: [JournalListCommand.self, JournalClearCommand.self])
}

struct JournalListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Each journal: device key, device, when, ranges still unproven.")

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let journals = CacheFolder.journals.list()
            if !output.json && journals.isEmpty {
                StandardStreams.out("no journals: no flash session was cut short on any device\n")
            } else if !output.json {
                let rows =
                    [["key", "device", "when", "pending"]]
                    + journals.map {
                        [$0.key, $0.device.isEmpty ? "-" : $0.device, Self.when($0.modified), Hex.ranges($0.pending)]
                    }
                StandardStreams.out(TextTable.lines(rows).map { $0 + "\n" }.joined())
            }
            try renderer.finish(
                JobResult(
                    summary: ["journals": "\(journals.count)"],
                    attachments: ["journals": try JournalJSON.encode(journals)]))
        }
    }

    static func when(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

struct JournalClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Delete a device's journal (or --all): the next flash neither warns about nor repairs its ranges.",
        discussion: """
            Examples:
              bootwire journal clear stm32-0031003A3436510E37363934
              bootwire journal clear --all --yes
            """)

    @Argument(help: ArgumentHelp("The journal's key, as `bootwire journal list` shows it.", valueName: "key"))
    var key: String?

    @Flag(name: .long, help: "Every journal.")
    var all = false

    @OptionGroup(title: "Safety")
    var change: ChangeOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let store = CacheFolder.journals
            let chosen = try choose(from: store)
            let names = chosen.map { "\($0.key) (\(Hex.ranges($0.pending)) unproven)" }.joined(separator: ", ")
            var summary = ["journals": "\(chosen.count)"]
            if !chosen.isEmpty,
                try change.gate.confirms(
                    "forget \(chosen.count) journal(s): \(names); the flash they name is no longer repaired",
                    events: renderer.sink)
            {
                try store.remove(chosen)
                summary["cleared"] = chosen.map(\.key).joined(separator: " ")
            }
            try renderer.finish(JobResult(summary: change.gate.mark(summary)))
        }
    }

    private func choose(from store: JournalStore) throws -> [JournalStore.Listing] {
        switch (key, all) {
        case (nil, true): return store.list()
        case (let key?, false):
            if let found = store.find(key) { return [found] }
            let keys = store.list().map(\.key)
            throw BootwireError(
                .usage, "no journal called `\(key)`",
                hint: keys.isEmpty
                    ? "there are no journals: nothing to clear"
                    : "use one of: \(keys.joined(separator: ", ")) (bootwire journal list)")
        default:
            throw BootwireError(
                .usage, "name one journal or give --all", hint: "bootwire journal list shows the keys")
        }
    }
}

/// A journal as the `--json` result shows it.
enum JournalJSON {
    static func encode(_ journals: [JournalStore.Listing]) throws -> String {
        let objects: [[String: Any]] = journals.map {
            [
                "key": $0.key, "device": $0.device, "when": JournalListCommand.when($0.modified), "path": $0.path,
                "pending": $0.pending.map { ["start": Hex.address($0.lowerBound), "end": Hex.address($0.upperBound)] },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
