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
        let ports = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(ports.allSatisfy { ($0["path"] as? String)?.hasPrefix("/dev/") == true })
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
