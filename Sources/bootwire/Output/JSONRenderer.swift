import BootwireCore
import Foundation

/// One JSON object per line on stdout, each with an `"event"` field; the last is the result,
/// the only one of a run: one device's end in a run over several is a `device-result`.
/// The schema is documented in docs/events.md.
struct JSONRenderer: Renderer {
    func render(_ event: Event, device: String?) {
        StandardStreams.out(Self.line(event, device: device) + "\n")
    }

    static func line(_ event: Event, device: String? = nil) -> String {
        var object = Self.object(event)
        if let device {
            object["port"] = device
            if case .result = event { object["event"] = "device-result" }
        }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return #"{"event":"note","level":"warning","message":"unencodable event"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func object(_ event: Event) -> [String: Any] {
        switch event {
        case .stage(let name, let detail):
            var o: [String: Any] = ["event": "stage", "name": name]
            if let detail { o["detail"] = detail }
            return o
        case .progress(let label, let done, let total, let rate, let unit, let job):
            var o: [String: Any] = [
                "event": "progress", "label": label, "done": done, "total": total, "bytes_per_second": Int(rate),
                "unit": unit.rawValue,
            ]
            if let job {
                var j: [String: Any] = [
                    "phase": job.phase.rawValue, "done": job.done, "total": job.total,
                    "bytes_per_second": Int(job.bytesPerSecond), "elapsed": job.elapsed,
                ]
                if let image = job.image { j["image"] = image }
                if let left = job.secondsLeft { j["seconds_left"] = left }
                o["job"] = j
            }
            return o
        case .identity(let identity):
            var o: [String: Any] = ["event": "identity", "name": identity.name, "chip_id_name": identity.chipIDName]
            let optional: [(String, Any?)] = [
                ("part", identity.part), ("chip_id", identity.chipID), ("mac", identity.mac),
                ("flash_size", identity.flashSize), ("via", identity.via), ("voltage", identity.voltage),
                ("boot_rom", identity.bootROM), ("baud", identity.baud), ("signed_boot", identity.signedBoot),
            ]
            for case (let key, let value?) in optional { o[key] = value }
            return o
        case .note(let note):
            var o: [String: Any] = ["event": "note", "level": note.level.rawValue, "message": note.message]
            if let code = note.code { o["code"] = code.rawValue }
            return o
        case .diagnosis(let error):
            return ["event": "diagnosis"].merging(errorObject(error)) { a, _ in a }
        case .result(let result):
            var o: [String: Any] = ["event": "result", "ok": result.ok]
            if !result.summary.isEmpty { o["summary"] = result.summary }
            if let error = result.error { o["error"] = errorObject(error) }
            for (key, json) in result.attachments {
                o[key] =
                    (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) ?? json
            }
            return o
        }
    }

    static func errorObject(_ error: BootwireError) -> [String: Any] {
        var o: [String: Any] = ["code": error.code.rawValue, "message": error.message, "evidence": error.evidence]
        if let hint = error.hint { o["hint"] = hint }
        return o
    }
}
