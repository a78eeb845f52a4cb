import Foundation

/// What a session said while `doctor` connected it: its warnings and diagnoses become findings
/// (a probe reports what the session noticed, not only whether it connected). Thread-safe: the
/// session reports from its port's thread.
public final class DoctorEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [Note] = []
    private var diagnoses: [BootwireError] = []

    public init() {}

    /// The sink to give the session.
    public var sink: EventSink {
        { [self] event in
            lock.withLock {
                switch event {
                case .note(let note): notes.append(note)
                case .diagnosis(let error): diagnoses.append(error)
                default: break
                }
            }
        }
    }

    /// The first warning with `code`, if the session gave one.
    public func warning(_ code: ErrorCode) -> Note? {
        lock.withLock { notes.first { $0.level == .warning && $0.code == code } }
    }

    /// The first diagnosis with `code`, if the session drew one.
    public func diagnosis(_ code: ErrorCode) -> BootwireError? {
        lock.withLock { diagnoses.first { $0.code == code } }
    }
}
