import BootwireCore
import Foundation
import QCC743
import STM32SWD
import Targets

/// Runs the steps of ST's module update on a board: the host over its ST-LINK, the module over
/// the ST-LINK's COM port (the host reset into UART_bypass.bin drives its boot pins), each step
/// through `FlashPipeline`. The command only finds the ports and asks the questions.
public struct ST67StepRunner: Sendable {
    /// Opens the host side (the ST-LINK).
    public var host: TargetOpener
    /// Opens the module side (the COM port; its reset sequence is the host's).
    public var module: TargetOpener
    public var hostPort: PortSpec
    /// Found when the module's first step runs (the COM port of the same probe).
    public var modulePort: @Sendable () throws -> PortSpec
    public var journals: JournalStore?
    public var dryRun: Bool
    public var events: EventSink

    public init(
        host: TargetOpener, module: TargetOpener, hostPort: PortSpec,
        modulePort: @escaping @Sendable () throws -> PortSpec, journals: JournalStore?, dryRun: Bool,
        events: @escaping EventSink
    ) {
        self.host = host
        self.module = module
        self.hostPort = hostPort
        self.modulePort = modulePort
        self.journals = journals
        self.dryRun = dryRun
        self.events = events
    }

    /// The host's part, for choosing the board folder: DEV_ID, flash size, name, erase units.
    public func identifyHost() async throws -> (deviceID: UInt16, flashSize: Int, name: String, units: [Range<Int>]) {
        try await host.withSWD(hostPort, events: events) { session in
            let units = (try? session.flash().layout.sectors.map { Int($0.address)..<Int($0.address) + $0.size }) ?? []
            return (session.identity.deviceID, session.identity.flashSize, session.identity.partName, units)
        }.0
    }

    /// One step, with the resume state it leaves.
    public func execute(_ step: ST67UpdateStep, state: ST67UpdateState, update: ST67UpdateRun) async throws
        -> ([String: String], ST67UpdateState)
    {
        var state = state
        switch step.kind {
        case .saveHost:
            guard let range = update.plan.savedHostRange else { return ([:], state) }
            let (bytes, _) = try await host.withSWD(hostPort, events: events) {
                try $0.probe.readMemory(UInt32(range.lowerBound), count: range.count)
            }
            if !dryRun {
                try FileManager.default.createDirectory(
                    atPath: PathName.folder(of: update.savedHostPath), withIntermediateDirectories: true)
                try OutputFile.write(bytes, to: update.savedHostPath)
                state.savedHostAddress = range.lowerBound
            }
            return (["saved": "\(Hex.address(range.lowerBound))..\(Hex.address(range.upperBound))"], state)
        case .module where dryRun:
            // The module answers only once Bootloader.bin runs: a dry run shows the plan offline.
            for image in step.images {
                events(
                    .note(
                        .info("would write [\(image.name)] \(image.data.count) bytes at \(Hex.address(image.address))"))
                )
            }
            if step.efuse != nil {
                events(.note(.info("would burn the eFuse (efusedata.bin) after the images are proven")))
            }
            return (["images": "\(step.images.count)", "erase": step.erase.rawValue], state)
        default:
            let images = try imagesToWrite(step, state: state, update: update)
            var options = FlashOptions()
            options.erase = step.erase
            options.keepOut = step.keepOut
            options.dryRun = dryRun
            options.journals = journals
            options.run = step.run
            let onHost = step.side == .host
            let opener = onHost ? host : module
            let port = onHost ? hostPort : try modulePort()
            let prepared = PreparedImage.prepare(images, compressAbove: opener.route(for: port).compressAbove)
            // The eFuse burn was asked before the first step.
            let pipeline = FlashPipeline(options: options, events: events, confirm: { _ in })
            // The session reports through the pipeline: its progress carries the step's job totals.
            let (outcome, _) = try await opener.withTarget(port, efuse: step.efuse, events: pipeline.events) {
                try pipeline.run(prepared, on: $0.flash)
            }
            var summary = [
                "written": "\(outcome.written.count)", "skipped": "\(outcome.images.count - outcome.written.count)",
            ]
            if !outcome.irreversible.isEmpty { summary["irreversible"] = outcome.irreversible.joined(separator: ",") }
            if dryRun { summary["plan"] = outcome.plan.joined(separator: "; ") }
            return (summary, state)
        }
    }

    /// The step's images; for the application step without `--app`, the host flash saved
    /// before Bootloader.bin replaced it.
    func imagesToWrite(_ step: ST67UpdateStep, state: ST67UpdateState, update: ST67UpdateRun) throws -> [FlashImage] {
        guard step.kind == .application, step.images.isEmpty else { return step.images }
        guard let address = state.savedHostAddress,
            let saved = FileManager.default.contents(atPath: update.savedHostPath)
        else {
            throw BootwireError(
                .fileNotFound, "the host flash saved before Bootloader.bin is gone",
                hint: "name the application with --app FILE", evidence: ["path": update.savedHostPath])
        }
        return [FlashImage(name: "saved host flash", address: address, data: [UInt8](saved))]
    }
}
