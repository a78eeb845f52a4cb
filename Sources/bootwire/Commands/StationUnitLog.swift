import BootwireCore
import Foundation
import QCC743
import Targets

/// One unit's events, kept while its job runs and written beside the station report when it
/// ends: `REPORT.units/NN-PORT.log`, one JSON event per line (the `--json` stream's objects) with
/// `seconds` since the unit started, so a failed unit's story can be read after the shift.
final class StationUnitLog: @unchecked Sendable {
    private let lock = NSLock()
    private let started = MonotonicClock.now()
    private var lines: [String] = []

    func record(_ event: Event) {
        // Progress repeats many times a second; the log keeps what a person reads afterwards.
        if case .progress = event { return }
        var object = JSONRenderer.object(event)
        object["seconds"] = Double(MonotonicClock.now() - started) / 1e9
        let line =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? #"{"event":"note","message":"unencodable event"}"#
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    /// The folder of unit logs for the report at `report`: `station.jsonl` → `station.units`.
    static func folder(beside report: String) -> String {
        let url = URL(fileURLWithPath: report)
        return url.deletingPathExtension().path + ".units"
    }

    /// Writes the log (a new file per unit and run: the unit's index, port and start time name
    /// it) and returns its path.
    func write(in folder: String, index: Int, device: StationReport.Device) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = String(device.port.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let stamp = device.started.filter { $0.isNumber }
        let path = "\(folder)/\(String(format: "%02d", index + 1))-\(port)-\(stamp).log"
        lock.lock()
        let text = lines.map { $0 + "\n" }.joined()
        lock.unlock()
        try OutputFile.write(Array(text.utf8), to: path)
        return path
    }
}

/// The identity a unit gave once connected, kept for its record when the job then fails.
final class ConnectedIdentity: @unchecked Sendable {
    private let lock = NSLock()
    private var identity: TargetIdentity?

    var value: TargetIdentity? {
        lock.lock()
        defer { lock.unlock() }
        return identity
    }

    func set(_ identity: TargetIdentity) {
        lock.lock()
        self.identity = identity
        lock.unlock()
    }
}

extension StationReport {
    /// What every unit of one run shares: who ran it, the lot, the ini and its hash, and the
    /// version text of each module image (by SHA-256), found once for all units.
    struct Common: Sendable {
        var stationOperator: String?
        var lot: String?
        var ini: String?
        var iniSHA256: String?
        var firmware: [String: FirmwareMarker] = [:]

        init(options: StationOptions, ini: String?, request: FlashCommand.Request) throws {
            // Only a Bouffalo SDK build carries the marker; any other image has none to find.
            for prepared in request.prepared {
                if let marker = FirmwareMarker.find(in: prepared.image.data) {
                    firmware[Hex.string(prepared.sha256)] = marker
                }
            }
            stationOperator = options.stationOperator
            lot = options.lot
            self.ini = ini
            if let ini {
                guard let data = FileManager.default.contents(atPath: ini) else {
                    throw BootwireError(.fileNotFound, "cannot read \(ini)", hint: "check the --config path")
                }
                iniSHA256 = Hex.string(SHA256Digest.of([UInt8](data)))
            }
        }

        func apply(to device: inout Device) {
            device.operator = stationOperator
            device.lot = lot
            device.ini = ini
            device.iniSHA256 = iniSHA256
            for index in device.images.indices { device.images[index].firmware = firmware[device.images[index].sha256] }
        }
    }
}
