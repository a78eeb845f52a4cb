import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

struct StationOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Append one JSON line per device to this file (format: docs/station-report.md).", valueName: "file"))
    var report: String?

    @Option(
        name: .long, help: ArgumentHelp("Run a failed device's session again, up to this many times.", valueName: "n"))
    var retry = 0

    // Named as the project file's station fields (`operator`, `lot`), which may fill them.
    @Option(
        name: .customLong("operator"), help: ArgumentHelp("Who ran the station, for the report.", valueName: "name"))
    var stationOperator: String?

    @Option(name: .long, help: ArgumentHelp("The production lot, for the report.", valueName: "lot"))
    var lot: String?
}

/// What one device's job did, for the result line and the station report.
struct DeviceOutcome: Sendable {
    var identity: TargetIdentity
    var outcome: FlashOutcome
    var statistics: [String: String] = [:]
    /// What `--monitor` saw after the flash.
    var monitored: MonitorOutcome?

    func summary(seconds: Double) -> [String: String] {
        var summary = statistics
        let images = outcome.images
        let written = outcome.written
        if outcome.dryRun {
            summary["dry-run"] = "nothing was changed"
            summary["would-write"] = "\(written.count)"
            summary["would-skip"] = "\(images.count - written.count)"
            summary["would-erase"] = outcome.erased.isEmpty ? "nothing" : Hex.ranges(outcome.erased)
            return summary
        }
        summary["images"] = "\(images.count)"
        summary["written"] = "\(written.count)"
        summary["skipped"] = "\(images.count - written.count)"
        summary["bytes"] = "\(outcome.bytesWritten)"
        summary["verified"] = "yes"
        summary["erased"] =
            outcome.erasedAll ? "whole flash" : outcome.erased.isEmpty ? "nothing" : Hex.ranges(outcome.erased)
        summary["seconds"] = String(format: "%.2f", seconds)
        summary["bytes-per-second"] = String(format: "%.0f", Double(outcome.bytesWritten) / max(seconds, 1e-9))
        if !outcome.stillUnproven.isEmpty { summary["still-unproven"] = Hex.ranges(outcome.stillUnproven) }
        if !outcome.irreversible.isEmpty { summary["efuse-burned"] = outcome.irreversible.joined(separator: ",") }
        return summary
    }

    func attachments() throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out = [
            "images": String(decoding: try encoder.encode(outcome.images.map(StationReport.Image.init)), as: UTF8.self)
        ]
        if outcome.dryRun { out["plan"] = String(decoding: try encoder.encode(outcome.plan), as: UTF8.self) }
        return out
    }
}

/// `--report FILE`: one JSON object per device and line, appended, so a station's log grows
/// over a shift. Versioned by `format`; documented in docs/station-report.md.
enum StationReport {
    static let format = "bootwire-device-report/1"

    struct Image: Codable, Sendable {
        var name: String
        var address: String
        var size: Int
        var sha256: String
        var skipped: Bool
        var seconds: Double
        /// The version text the image holds (module images; `FirmwareMarker`), which the device
        /// now holds too: each image is proven on it by SHA-256.
        var firmware: FirmwareMarker?
        var compressedSize: Int?
        /// `device-sha256`, `checksum` or `read-back`; absent when skipped.
        var proof: FlashProof?

        init(_ outcome: FlashOutcome.Image) {
            name = outcome.name
            address = Hex.address(outcome.address)
            size = outcome.size
            sha256 = outcome.sha256
            skipped = outcome.skipped
            seconds = outcome.seconds
            compressedSize = outcome.compressedSize
            proof = outcome.proof
        }
    }

    struct Device: Codable, Sendable {
        var format = StationReport.format
        var bootwire = Bootwire.version
        var port: String
        var adapterSerial: String?
        var uniqueID: String?
        var chipID: String?
        var mac: String?
        var bootROM: String?
        var signedBoot: Bool?
        var baud: Int?
        var images: [Image] = []
        var efuseChanges: [String] = []
        var warnings: [String] = []
        var result = "ok"
        var message: String?
        var attempts = 1
        var started: String
        var finished: String = ""
        var seconds: Double = 0
        var `operator`: String?
        var lot: String?
        var ini: String?
        var iniSHA256: String?
        var log: String?

        init(port: String, started: UInt64) {
            self.port = port
            self.started = ISO8601DateFormatter().string(from: Date())
            let resolved = URL(fileURLWithPath: port).resolvingSymlinksInPath().path
            adapterSerial = PortDiscovery.list().first { $0.path == resolved }?.serialNumber
        }

        /// What the device said about itself once connected: kept when the job then fails.
        mutating func fill(from identity: TargetIdentity) {
            uniqueID = identity.uniqueID
            chipID = identity.chipID
            mac = identity.mac
            bootROM = identity.bootROM
            signedBoot = identity.signedBoot
            baud = identity.baud
        }

        mutating func fill(from device: DeviceOutcome) {
            fill(from: device.identity)
            images = device.outcome.images.map(Image.init)
            efuseChanges = device.outcome.irreversible
        }
    }

    static func append(_ devices: [Device], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for var device in devices {
            if device.finished.isEmpty { device.finished = ISO8601DateFormatter().string(from: Date()) }
            text += String(decoding: try encoder.encode(device), as: UTF8.self) + "\n"
        }
        try OutputFile.append(Array(text.utf8), to: path)
    }
}

/// Collects the warning codes a device's events carry.
private final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var codes: [String] = []

    func record(_ event: Event) {
        guard case .note(let note) = event, note.level == .warning, let code = note.code else { return }
        lock.lock()
        if !codes.contains(code.rawValue) { codes.append(code.rawValue) }
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return codes
    }
}

extension FlashCommand {
    /// Several devices at once from one process: one port worker each, independent progress;
    /// one failing device never stops or slows the others.
    func flashStation(ports: [PortSpec], request: Request, renderer: Renderer) async throws -> Never {
        let started = MonotonicClock.now()
        let retries = max(0, station.retry)
        let common = try StationReport.Common(options: station, ini: input.config, request: request)
        let logs = station.report.map(StationUnitLog.folder(beside:))
        let devices = await withTaskGroup(of: (Int, StationReport.Device).self) { group in
            for (index, port) in ports.enumerated() {
                group.addTask {
                    let warnings = WarningLog()
                    let unitLog = StationUnitLog()
                    let connected = ConnectedIdentity()
                    let sink = renderer.sink(device: port.description)
                    let events: EventSink = { event in
                        warnings.record(event)
                        unitLog.record(event)
                        sink(event)
                    }
                    let deviceStart = MonotonicClock.now()
                    var device = StationReport.Device(port: port.description, started: deviceStart)
                    // One pipeline for every attempt: a retry resumes its own journal, never warns about it.
                    let pipeline = makePipeline(request: request, interactive: false, events: events)
                    for attempt in 1...(retries + 1) {
                        device.attempts = attempt
                        do {
                            let outcome = try await flashDevice(
                                port: port, request: request, interactive: false, events: events, pipeline: pipeline,
                                connected: connected.set)
                            device.fill(from: outcome)
                            device.result = "ok"
                            device.message = nil
                            events(.result(JobResult()))
                            break
                        } catch {
                            let error = BootwireError.wrap(error)
                            device.result = error.code.rawValue
                            device.message = error.message
                            let again =
                                attempt <= retries
                                && [.connection, .protocol, .verification, .port].contains(error.code.category)
                            if again {
                                events(
                                    .note(
                                        .warning(
                                            error.code, "attempt \(attempt) failed (\(error.message)); trying again")))
                            } else {
                                events(.result(JobResult(error: error)))
                                break
                            }
                        }
                    }
                    if device.result != "ok", let identity = connected.value { device.fill(from: identity) }
                    common.apply(to: &device)
                    device.warnings = warnings.all
                    if let logs {
                        do { device.log = try unitLog.write(in: logs, index: index, device: device) } catch {
                            events(.note(.warning(.fileNotFound, "the unit's log was not written: \(error)")))
                        }
                    }
                    device.seconds = Double(MonotonicClock.now() - deviceStart) / 1e9
                    device.finished = ISO8601DateFormatter().string(from: Date())
                    return (index, device)
                }
            }
            var all: [(Int, StationReport.Device)] = []
            for await item in group { all.append(item) }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if let report = station.report {
            do { try StationReport.append(devices, to: report) } catch {
                renderer.render(.note(.warning(.fileNotFound, "\(error)")))
            }
        }
        if !output.json { printTable(devices) }
        let failed = devices.filter { $0.result != "ok" }
        let summary = [
            "devices": "\(devices.count)", "succeeded": "\(devices.count - failed.count)", "failed": "\(failed.count)",
            "seconds": String(format: "%.2f", Double(MonotonicClock.now() - started) / 1e9),
        ]
        let error =
            failed.isEmpty
            ? nil
            : BootwireError(
                .someDevicesFailed,
                "\(failed.count) of \(devices.count) devices failed: "
                    + failed.map { "\($0.port) (\($0.result))" }.joined(separator: ", "),
                hint:
                    "the others succeeded; run again with only the failed ports (--retry N retries them within one run)",
                evidence: ["failed-ports": failed.map(\.port).joined(separator: " ")])
        try renderer.finish(JobResult(error: error, summary: summary))
    }

    private func printTable(_ devices: [StationReport.Device]) {
        let rows =
            [["port", "adapter", "unique id", "MAC", "result", "time"]]
            + devices.map { d in
                [
                    d.port, d.adapterSerial ?? "-", d.uniqueID ?? "-", d.mac ?? "-", d.result,
                    String(format: "%.1f s", d.seconds),
                ]
            }
        StandardStreams.err(TextTable.lines(rows).map { $0 + "\n" }.joined())
    }
}
