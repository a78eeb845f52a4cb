import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// Each fault of the virtual module, end to end through `bootwire flash --json`: the
/// unrecoverable ones end with their code, the recoverable ones succeed with a matching flash
/// and the warning that says what happened.
@Suite(.serialized) struct FaultRecoveryTests {
    let image = firmwareLike(60_000, seed: 3)

    func flash(faults: [Fault], extra: [String] = []) throws -> (BootwireRun, VirtualQCC743) {
        let model = VirtualQCC743.make(faults: faults)
        let runner = try VirtualDeviceRunner(device: model, wire: .instant, faults: faults)
        runner.start()
        defer { runner.stop() }
        let file = try Scratch.file(image)
        // Resets and corrupted frames leave commands unanswered: only the work's own waits, not
        // the vendor's 30 s per chunk (ISPTimeouts.patience).
        let run = try Bootwire.run(
            ["flash", "--port", runner.slavePath, "--json", "\(file.path)@0x20000"] + extra,
            environment: ["BOOTWIRE_PATIENCE": "0"])
        return (run, model)
    }

    func expectFlashed(_ model: VirtualQCC743) {
        #expect(Array(model.flash.read(0x20000, count: image.count)) == image)
    }

    @Test func aBaudLimitedAdapterFinishesAtALowerRate() throws {
        let (run, model) = try flash(faults: [.baudLimit(1_000_000)])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("adapter-baud-limit"))
        #expect(
            run.events.contains {
                $0["event"] as? String == "diagnosis" && $0["code"] as? String == "link-lost-after-baud-change"
            })
        expectFlashed(model)
    }

    @Test func corruptedBytesAreSentAgain() throws {
        let (run, model) = try flash(faults: [.corrupt(every: 3001)])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("line-noise"))
        expectFlashed(model)
    }

    /// The reconnect-and-retry sits above the pipeline: the run resumes its own journal and
    /// never warns the user `interrupted-session` about its own first attempt.
    @Test func aResetMidWriteIsResumed() throws {
        let (run, model) = try flash(faults: [.resetAfter(bytes: 4_000)])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("device-reset"))
        #expect(!run.warningCodes.contains("interrupted-session"), "\(run.warningCodes)")
        expectFlashed(model)
    }

    @Test func aPulledCableEndsWithDeviceDisconnected() throws {
        let (run, _) = try flash(faults: [.disconnectAfter(bytes: 4_000)])
        #expect(run.errorCode == "device-disconnected")
        #expect(run.status == ErrorCategory.connection.exitStatus)
    }

    @Test func withoutFallbackTheLostLinkIsTheError() throws {
        let (run, model) = try flash(faults: [.baudLimit(1_000_000)], extra: ["--no-baud-fallback"])
        #expect(run.errorCode == "link-lost-after-baud-change")
        #expect(model.flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func aPulledCableIsReportedAndTheNextRunRepairsIt() throws {
        let emulator = try Emulator(["--fault", "disconnect-after=9000"])
        let cache = Scratch.make()
        let file = try Scratch.file(image)
        let cut = try Bootwire.run(
            ["flash", "--port", emulator.port, "--json", "\(file.path)@0x20000"], cache: cache,
            environment: ["BOOTWIRE_PATIENCE": "0"])
        #expect(cut.errorCode == "device-disconnected")
        let evidence = (cut.result?["error"] as? [String: Any])?["evidence"] as? [String: String] ?? [:]
        #expect(evidence["write"] == "0x20000..0x\(String(0x20000 + image.count, radix: 16))")
        #expect(evidence["journal"] != nil)
        // The cable is back (the emulator re-plugged its port at the same link).
        let again = try Bootwire.run(
            ["flash", "--port", emulator.port, "--json", "\(file.path)@0x20000"], cache: cache)
        #expect(again.ok, "\(again.stdout)")
        #expect(again.warningCodes.contains("interrupted-session"))
        #expect(again.summary["written"] == "1")
        let third = try Bootwire.run(
            ["flash", "--port", emulator.port, "--json", "\(file.path)@0x20000"], cache: cache)
        #expect(!third.warningCodes.contains("interrupted-session"), "a clean session leaves no journal")
        let (flash, _) = try emulator.stop()
        #expect(Array(flash[0x20000..<(0x20000 + image.count)]) == image)
    }
}
