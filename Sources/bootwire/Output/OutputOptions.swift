import ArgumentParser
import BootwireCore
import Foundation

/// How results are shown; shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object per line instead of text.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only warnings, errors and the result.")
    var quiet = false

    @Flag(name: .long, help: "Also print the result's every field (key=value), as --json carries them.")
    var verbose = false

    /// `factsOnly`: the verb's result is the facts it prints (`info`, `efuse`), which progress
    /// lines would only crowd, so the human renderer is quiet.
    func makeRenderer(factsOnly: Bool = false) -> Renderer {
        json ? JSONRenderer() : HumanRenderer(quiet: quiet || factsOnly, verbose: verbose)
    }

    /// Runs a verb with its renderer; whatever the verb throws ends the command through
    /// `Renderer.fail` (its code, its exit status). How every verb ends, stated once.
    func run(factsOnly: Bool = false, _ verb: (Renderer) async throws -> Void) async throws {
        let renderer = makeRenderer(factsOnly: factsOnly)
        do {
            try await verb(renderer)
        } catch {
            try renderer.fail(error)
        }
    }
}

/// Turns library events into output. Thread-safe: events come from port threads. `device`
/// names the port an event is about when a command drives several.
protocol Renderer: Sendable {
    func render(_ event: Event, device: String?)
}

extension Renderer {
    /// Every event a command renders passes here: the notes on how the port was found come
    /// first, and commands printed in hints are completed for this run (`Invocation`).
    func render(_ event: Event) {
        for text in Invocation.takeNotes() { render(.note(.info(text)), device: nil) }
        render(event.completingHints(device: nil), device: nil)
    }

    var sink: EventSink { { event in self.render(event) } }

    func sink(device: String) -> EventSink {
        { event in self.render(event.completingHints(device: device), device: device) }
    }

    /// Ends a command: renders the result and leaves with the status its error category has.
    func finish(_ result: JobResult) throws -> Never {
        render(.result(result))
        throw ExitCode(result.error?.code.category.exitStatus ?? 0)
    }

    func fail(_ error: any Error) throws -> Never {
        if let exit = error as? ExitCode { throw exit }
        try finish(JobResult(error: BootwireError.wrap(error)))
    }
}

enum StandardStreams {
    static let lock = NSLock()

    static func out(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
