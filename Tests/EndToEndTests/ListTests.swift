import Foundation
import Testing

/// `bootwire list` works on a machine with no USB-serial adapter (CI, containers).
@Suite struct ListTests {
    @Test func listAndListJSONRunWithoutAdapters() throws {
        let text = try Bootwire.run(["list"])
        #expect(text.status == 0)
        #expect(!text.stdout.isEmpty, "says something even with no ports")
        let json = try Bootwire.run(["list", "--json"])
        #expect(json.status == 0)
        let listing = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let ports = try #require(listing["serial"] as? [[String: Any]])
        #expect(ports.allSatisfy { ($0["path"] as? String)?.hasPrefix("/dev/") == true })
        // No probe on this machine: the listing says so, and why.
        let usb = try #require(listing["usb"] as? [[String: Any]])
        if !usb.contains(where: { $0["kind"] as? String == "stlink" }) {
            let notes = try #require(listing["notes"] as? [String])
            #expect(notes.contains { $0.hasPrefix("No ST-LINK") })
        }
    }

    @Test func udevRulesCoverDFUProbesAndBridgesAndInstallWritesThem() throws {
        let printed = try Bootwire.run(["udev-rules"])
        #expect(printed.status == 0)
        let rules = printed.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        for pid in ["df11", "3748", "374b", "374e", "3754"] {
            #expect(rules.contains { $0.contains("ATTRS{idVendor}==\"0483\", ATTRS{idProduct}==\"\(pid)\"") })
        }
        #expect(rules.contains { $0.hasPrefix("SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"1a86\"") })
        // Every line is a udev match/assign list udev accepts: KEY==/= "value" pairs only.
        let pair = try Regex(#"^[A-Z]+(\{[a-zA-Z]+\})?\+?={1,2}"[^"]*"$"#)
        for rule in rules {
            for part in rule.split(separator: ", ") { #expect(part.wholeMatch(of: pair) != nil, "\(part)") }
        }
        let file = NSTemporaryDirectory() + "bootwire-\(UUID().uuidString).rules"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let installed = try Bootwire.run(["udev-rules", "--install", "--path", file])
        #expect(installed.status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == printed.stdout)
        let refused = try Bootwire.run(["udev-rules", "--install", "--path", "/nonexistent/dir/x.rules", "--json"])
        #expect(refused.errorCode == "port-permission")
    }

    @Test func dfuDevicesAreListedWithTheirLayouts() throws {
        let json = try Bootwire.run(["list", "--json", "--virtual", "virtual:dfu-wb55"])
        #expect(json.status == 0)
        let listing = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let usb = try #require(listing["usb"] as? [[String: Any]])
        let dfu = try #require(usb.first { $0["kind"] as? String == "dfu" })
        #expect(dfu["ids"] as? String == "0483:df11")
        let alternates = try #require(dfu["alternates"] as? [String])
        #expect(alternates.first?.hasPrefix("alt 0: @Internal Flash") == true)
        let text = try Bootwire.run(["list", "--virtual", "virtual:dfu-wb55"])
        #expect(text.stdout.contains("alt 0: Internal Flash at 0x8000000, 1024 KiB (256×4 KiB)"))
    }

    @Test func stlinkProbesAreListedByName() throws {
        let run = try Bootwire.run(["list", "--json", "--virtual", "virtual:stlink-l476"])
        let listing = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let usb = try #require(listing["usb"] as? [[String: Any]])
        let probe = try #require(usb.first { $0["kind"] as? String == "stlink" })
        #expect((probe["name"] as? String)?.hasPrefix("ST-LINK/V2-1") == true)
        #expect((listing["notes"] as? [String])?.contains { $0.hasPrefix("No ST-LINK") } == false)
    }

    @Test func doctorWalksAUSBConnectionToThePermissionProblem() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:dfu-l476,permission", "--json"])
        #expect(run.status == 4)
        #expect(run.errorCode == "usb-permission")
        let clean = try Bootwire.run(["doctor", "--port", "virtual:dfu-l476"])
        #expect(clean.status == 0)
    }

    @Test func versionHelpAndCompletionsWork() throws {
        #expect(try Bootwire.run(["--version"]).stdout.contains("."))
        let help = try Bootwire.run(["flash", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--config"))
        let completion = try Bootwire.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.stdout.contains("_bootwire"))
    }

    @Test func aMistypedCommandLineIsAUsageError() throws {
        let run = try Bootwire.run(["flash", "--port", "virtual:qcc743", "--erase", "sometimes", "--json"])
        #expect(run.status == 2)
        #expect(run.errorCode == "usage")
    }
}
