import BootwireCore
import Testing

@testable import QCC743

/// What the sync attempts heard, classified: the application's stream is told apart from a
/// line that only sometimes carries bytes (the rate or the wiring).
struct SyncEvidenceTests {
    static let stream = [UInt8](repeating: 0xC1, count: 40)

    @Test func aStreamOnEveryAttemptIsTheApplication() {
        let error = SyncEvidence.failure([Self.stream, Self.stream, Self.stream], baud: 500_000, entry: .init())
        #expect(error.code == .applicationRunning)
        #expect(error.hint == SyncEvidence.applicationHint)
    }

    /// A firmware prints its boot log once; a late reply on a loaded host is flushed before
    /// the next burst. Neither makes the stream unsteady (docs/failures.md varied with load).
    @Test func attemptsThatHeardNothingDoNotMakeTheStreamUnsteady() {
        let error = SyncEvidence.failure([Self.stream, [], []], baud: 500_000, entry: .init())
        #expect(error.code == .applicationRunning)
        #expect(error.hint == SyncEvidence.applicationHint)
    }

    @Test func shortFragmentsBesideTheStreamAddTheRateAndWiringCheck() {
        let error = SyncEvidence.failure(
            [Self.stream, [0xC1, 0x27, 0x41], Self.stream], baud: 500_000, entry: .init())
        #expect(error.code == .applicationRunning)
        #expect(error.hint != SyncEvidence.applicationHint)
        #expect(error.hint?.hasPrefix(SyncEvidence.applicationHint) == true)
    }
}
