import BootwireCore
import Foundation
import Testing

/// A production station: eight modules from one process, two of them faulty.
@Suite(.serialized) struct StationTests {
    @Test func eightDevicesOneSilentOneBaudLimited() throws {
        var emulators: [Emulator] = []
        for index in 0..<8 {
            let fault: [String] =
                switch index {
                case 2: ["--fault", "silent"]
                case 5: ["--fault", "baud-limit=1000000"]
                default: []
                }
            emulators.append(try Emulator(fault))
        }
        let image = firmwareLike(90_000, seed: 11)
        let file = try Scratch.file(image)
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        let run = try Bootwire.run(
            ["flash", "--json", "--report", report.path, "\(file.path)@0x10000"]
                + emulators.flatMap { ["--port", $0.port] },
            timeout: 120)
        #expect(run.errorCode == "some-devices-failed")
        #expect(run.status == ErrorCategory.station.exitStatus)
        #expect(run.summary["succeeded"] == "7")
        // Every event of the stream names its device, except the station's own final result.
        #expect(run.events.count > 8)
        #expect(run.events.dropLast().allSatisfy { $0["port"] != nil })
        #expect(run.events.last?["port"] == nil)

        let lines = try String(contentsOf: report, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
        let devices = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        for (index, device) in devices.enumerated() {
            #expect(device["format"] as? String == "bootwire-device-report/1")
            #expect(device["port"] as? String == emulators[index].port)
            #expect(device["started"] is String && device["finished"] is String)
            if index == 2 {
                #expect(device["result"] as? String == "no-response")
            } else {
                #expect(device["result"] as? String == "ok")
                // Each virtual module is its own: the vendor's OUI, then bytes of its own.
                #expect((device["chipID"] as? String)?.hasPrefix("40827b") == true)
                #expect(device["uniqueID"] as? String == device["chipID"] as? String)
                let images = device["images"] as? [[String: Any]] ?? []
                #expect(images.first?["sha256"] as? String == Hex.string(SHA256Digest.of(image)))
            }
        }
        #expect((devices[5]["warnings"] as? [String] ?? []).contains("adapter-baud-limit"))
        let ids = devices.compactMap { $0["uniqueID"] as? String }
        #expect(Set(ids).count == 7, "every module has its own id: \(ids)")
        for (index, emulator) in emulators.enumerated() {
            let (flash, _) = try emulator.stop()
            let held = Array(flash[0x10000..<(0x10000 + image.count)])
            #expect((held == image) == (index != 2), "device \(index)")
        }
    }
}
