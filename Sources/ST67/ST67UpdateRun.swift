import BootwireCore
import Foundation

/// Where an update stands, kept in a file between runs so an interrupted update resumes at the
/// step it stopped: the package, board and profile it was for, the steps done, and the host flash saved
/// before Bootloader.bin replaced it.
public struct ST67UpdateState: Codable, Sendable, Equatable {
    public var package: String
    public var board: String
    /// The profile it was for: a run of another profile starts over.
    public var profile: ST67Profile?
    public var done: [String] = []
    /// The saved host flash (save-host), hex-free: the bytes live in `<state>.host.bin`.
    public var savedHostAddress: Int?
}

/// Runs a plan's steps in order through `execute` (the CLI connects the side a step names and
/// drives the flash pipeline), recording each step done, and skipping the steps an interrupted
/// run already did. The state file is removed when the last step is done.
public struct ST67UpdateRun: Sendable {
    public var plan: ST67UpdatePlan
    public var statePath: String
    public var events: EventSink

    public init(plan: ST67UpdatePlan, statePath: String, events: @escaping EventSink) {
        self.plan = plan
        self.statePath = statePath
        self.events = events
    }

    public var savedHostPath: String { statePath + ".host.bin" }

    /// The state left by an earlier run for the same package, board and profile, if any.
    public func load() -> ST67UpdateState? {
        guard let data = FileManager.default.contents(atPath: statePath),
            let state = try? JSONDecoder().decode(ST67UpdateState.self, from: data),
            state.package == plan.package.root, state.board == plan.board, state.profile == plan.profile
        else { return nil }
        return state
    }

    func save(_ state: ST67UpdateState) throws {
        try FileManager.default.createDirectory(
            atPath: PathName.folder(of: statePath), withIntermediateDirectories: true)
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
    }

    public struct StepResult: Sendable {
        public var kind: ST67UpdateStep.Kind
        public var resumed: Bool
        public var summary: [String: String]
    }

    /// `execute` gets the step and the state (for the saved host flash) and returns its summary;
    /// with `dryRun` nothing is recorded.
    public func run(
        dryRun: Bool,
        execute:
            @Sendable (ST67UpdateStep, ST67UpdateState) async throws -> (
                summary: [String: String], state: ST67UpdateState
            )
    ) async throws -> [StepResult] {
        let earlier = dryRun ? nil : load()
        var state = earlier ?? ST67UpdateState(package: plan.package.root, board: plan.board, profile: plan.profile)
        if let earlier, !earlier.done.isEmpty {
            let next = plan.steps.first { !earlier.done.contains($0.kind.rawValue) }
            events(
                .note(
                    .warning(
                        .interruptedSession,
                        "an earlier update of this board stopped after \(earlier.done.joined(separator: ", ")): "
                            + "resuming at \(next?.kind.rawValue ?? "the end")")))
        }
        var results: [StepResult] = []
        for (index, step) in plan.steps.enumerated() {
            if state.done.contains(step.kind.rawValue) {
                results.append(StepResult(kind: step.kind, resumed: true, summary: ["done": "in an earlier run"]))
                continue
            }
            events(.stage("step \(index + 1)/\(plan.steps.count): \(step.kind.rawValue)", detail: step.title))
            var (summary, after) = try await execute(step, state)
            // The files of ST's script this step stands for, to compare a run with the script.
            if !step.files.isEmpty { summary["files"] = step.files.joined(separator: ",") }
            state = after
            results.append(StepResult(kind: step.kind, resumed: false, summary: summary))
            guard !dryRun else { continue }
            state.done.append(step.kind.rawValue)
            try save(state)
        }
        if !dryRun {
            try? FileManager.default.removeItem(atPath: statePath)
            try? FileManager.default.removeItem(atPath: savedHostPath)
        }
        return results
    }

    /// A file name for the state of one board's update, from the port that reaches it.
    public static func stateName(port: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in port.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        let readable = port.prefix { $0 != "," }.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return "st67-update-" + String(readable) + "-" + String(hash, radix: 16) + ".json"
    }
}
