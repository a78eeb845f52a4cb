import Foundation
import Testing

@testable import BootwireCore

/// Issue 26 item 2: a route's progress reaches the renderer in image bytes with the whole job's
/// totals, whatever the route counts (bytes on the wire, padded bytes, pages).
struct JobProgressMeterTests {
    final class Collected: @unchecked Sendable {
        var events: [Event] = []
        var clock: UInt64 = 0
    }

    func meter() -> (JobProgressMeter, Collected) {
        let collected = Collected()
        let meter = JobProgressMeter(downstream: { collected.events.append($0) }, now: { collected.clock })
        return (meter, collected)
    }

    @Test func wireBytesAreScaledToImageBytesAndTheJobAdvances() throws {
        let (meter, collected) = meter()
        meter.startPass(.write, total: 3000)
        meter.beginStep(.write, image: "a.bin", bytes: 1000)
        meter.endStep()
        meter.beginStep(.write, image: "b.bin", bytes: 2000)
        collected.clock = 2_000_000_000
        // The route reports a compressed stream: 100 of 400 bytes on the wire, at 50 B/s.
        meter.sink(.progress(label: "b.bin", done: 100, total: 400, bytesPerSecond: 50))
        guard case .progress(_, let done, let total, let rate, .bytes, let job?) = collected.events.last else {
            Issue.record("no job progress: \(collected.events)")
            return
        }
        #expect(done == 500 && total == 2000 && rate == 250)
        #expect(job == JobProgress(phase: .write, image: "b.bin", done: 1500, total: 3000, elapsed: 2))
        #expect(job.secondsLeft == 2)
    }

    @Test func eraseAndVerifyShowTheirStepButDoNotAdvanceTheWritePass() throws {
        let (meter, collected) = meter()
        meter.startPass(.write, total: 1000)
        meter.beginStep(.erase, image: "a.bin", bytes: 4096)
        meter.sink(.progress(label: "erase", done: 1, total: 2, bytesPerSecond: 0, unit: .pages))
        guard case .progress(_, 1, 2, _, .pages, let job?) = collected.events.last else {
            Issue.record("pages pass through as pages: \(collected.events)")
            return
        }
        #expect(job.phase == .erase && job.done == 0)
        meter.endStep()
        meter.beginStep(.verify, image: "a.bin", bytes: 1000)
        meter.endStep()
        guard case .progress(_, _, _, _, _, let last?) = collected.events.last else { return }
        #expect(last.phase == .verify && last.done == 0)
    }

    @Test func outsideAJobEventsPassUnchanged() {
        let (meter, collected) = meter()
        let event = Event.progress(label: "read", done: 1, total: 2, bytesPerSecond: 3)
        meter.sink(event)
        meter.sink(.stage("connect"))
        #expect(collected.events == [event, .stage("connect")])
    }

    @Test func thePipelineSaysThePartOnceAndReportsEveryStep() throws {
        let collected = Collected()
        let pipeline = FlashPipeline(
            options: FlashOptions(), events: { collected.events.append($0) }, confirm: { _ in })
        let target = MemoryTarget(cheap: true, fill: 0x00)
        let image = PreparedImage(
            FlashImage(name: "app.bin", address: 0x1000, data: FlashPipelineTests.bytes(0x2000, seed: 1)),
            compressAbove: nil)
        _ = try pipeline.run([image], on: target)
        _ = try pipeline.run([image], on: target)
        #expect(collected.events.filter { if case .identity = $0 { true } else { false } }.count == 1)
        let phases = collected.events.compactMap { event -> JobProgress.Phase? in
            if case .progress(_, _, _, _, _, let job?) = event { return job.phase }
            return nil
        }
        #expect(Set(phases) == [.compare, .erase, .write, .verify])
    }
}
