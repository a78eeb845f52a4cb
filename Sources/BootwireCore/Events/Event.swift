/// What the library reports while it works. The library never prints; a renderer in the CLI
/// turns events into a progress bar, plain lines, or JSON lines.
public enum Event: Sendable, Equatable {
    /// A named step begins (`connect`, `erase`, `write boot2`, …).
    case stage(String, detail: String? = nil)
    /// Work done of a total for the current stage (image bytes, or pages where `unit` says so),
    /// with the rate measured so far; during a flash job, `job` places it in the whole job.
    case progress(
        label: String, done: Int, total: Int, bytesPerSecond: Double, unit: ProgressUnit = .bytes,
        job: JobProgress? = nil)
    /// Which device was found, once, before anything is compared or changed.
    case identity(TargetIdentity)
    /// A fact worth telling; warnings carry a code.
    case note(Note)
    /// A conclusion drawn from wire evidence.
    case diagnosis(BootwireError)
    /// The end of a job.
    case result(JobResult)
}

public struct Note: Sendable, Equatable {
    public enum Level: String, Sendable { case info, warning }
    public var level: Level
    public var code: ErrorCode?
    public var message: String

    public init(_ level: Level, _ message: String, code: ErrorCode? = nil) {
        self.level = level
        self.message = message
        self.code = code
    }

    public static func info(_ message: String) -> Note { Note(.info, message) }
    public static func warning(_ code: ErrorCode, _ message: String) -> Note { Note(.warning, message, code: code) }
}

public struct JobResult: Sendable, Equatable {
    public var error: BootwireError?
    public var summary: [String: String]
    /// Structured findings (a JSON document each, by name) that a JSON renderer embeds in the
    /// result, e.g. `info` for `bootwire info`.
    public var attachments: [String: String]
    /// A flash job's outcome, for a renderer that prints it as a person reads it.
    public var flash: FlashOutcome?

    public init(
        error: BootwireError? = nil, summary: [String: String] = [:], attachments: [String: String] = [:],
        flash: FlashOutcome? = nil
    ) {
        self.error = error
        self.summary = summary
        self.attachments = attachments
        self.flash = flash
    }

    public var ok: Bool { error == nil }
}

/// Where events go. Called from whichever thread does the work; implementations must be
/// thread-safe.
public typealias EventSink = @Sendable (Event) -> Void
