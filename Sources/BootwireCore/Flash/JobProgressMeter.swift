import Foundation

/// Places a route's progress events in the whole flash job. A session reports its own operation
/// (bytes of one read, one write, pages of one erase); the pipeline tells the meter which step of
/// which image runs, and the meter passes each event on in image bytes with the job's totals,
/// rate and ETA attached (`Event.progress(…, job:)`). Events outside a job pass unchanged.
/// Thread-safe: sessions report from their port's thread.
final class JobProgressMeter: @unchecked Sendable {
    private let downstream: EventSink
    private let now: @Sendable () -> UInt64
    private let lock = NSLock()
    private var pass: JobProgress.Phase?
    private var passTotal = 0
    private var passDone = 0
    private var passStart: UInt64?
    private var step: (phase: JobProgress.Phase, image: String?, bytes: Int)?
    private var stepStart: UInt64 = 0
    private var identityShown = false

    init(downstream: @escaping EventSink, now: @escaping @Sendable () -> UInt64 = { MonotonicClock.now() }) {
        self.downstream = downstream
        self.now = now
    }

    /// True the first time only: the part found is said once per job.
    func firstIdentity() -> Bool {
        lock.withLock {
            defer { identityShown = true }
            return !identityShown
        }
    }

    /// The sink sessions and the pipeline report to.
    var sink: EventSink { { [self] event in downstream(translate(event)) } }

    /// A pass begins (compare: every image's span; write: the images to write), `total` image bytes.
    func startPass(_ phase: JobProgress.Phase, total: Int) {
        lock.withLock {
            pass = phase
            passTotal = total
            passDone = 0
            passStart = nil
            step = nil
        }
    }

    /// A step on `bytes` of an image runs until `endStep`; the pass's own phase advances the pass.
    func beginStep(_ phase: JobProgress.Phase, image: String?, bytes: Int) {
        lock.withLock {
            step = (phase, image, bytes)
            stepStart = now()
            // The pass's clock starts at its first step of its own kind: an erase of the whole
            // flash before the first byte would otherwise make the first ETAs minutes long.
            if phase == pass && passStart == nil { passStart = stepStart }
        }
        downstream(translate(.progress(label: image ?? phase.rawValue, done: 0, total: bytes, bytesPerSecond: 0)))
    }

    /// The step ended: the pass counts its bytes as done, and one last event says so.
    func endStep() {
        guard let step = lock.withLock({ self.step }) else { return }
        downstream(
            translate(
                .progress(
                    label: step.image ?? step.phase.rawValue, done: step.bytes, total: step.bytes, bytesPerSecond: 0)))
        lock.withLock {
            if step.phase == pass { passDone += step.bytes }
            self.step = nil
        }
    }

    func endPass() {
        lock.withLock {
            pass = nil
            step = nil
        }
    }

    func translate(_ event: Event) -> Event {
        guard case .progress(let label, let done, let total, let rate, let unit, nil) = event else { return event }
        return lock.withLock {
            guard let pass, let step else { return event }
            var stepDone = done
            var stepTotal = total
            var stepRate = rate
            if unit == .bytes && total > 0 && step.bytes > 0 {
                // A compressed write reports bytes on the wire; a padded write, a little more
                // than the image: both are scaled to the image's bytes.
                stepDone = min(step.bytes, Int((Double(done) * Double(step.bytes) / Double(total)).rounded()))
                stepRate = rate * Double(step.bytes) / Double(total)
                stepTotal = step.bytes
            }
            if stepRate == 0 && unit == .bytes {
                // Routes that report no rate (or only the end) get the step's own.
                stepRate = JobProgress.rate(done: stepDone, elapsed: Double(now() &- stepStart) / 1e9)
            }
            let advancing = step.phase == pass && unit == .bytes ? stepDone : 0
            let job = JobProgress(
                phase: step.phase, image: step.image, done: min(passTotal, passDone + advancing), total: passTotal,
                elapsed: passStart.map { Double(now() &- $0) / 1e9 } ?? 0)
            return .progress(
                label: label, done: stepDone, total: stepTotal, bytesPerSecond: stepRate, unit: unit, job: job)
        }
    }
}
