import BootwireCore
import Foundation
import Testing

/// One contract for every command, read from the command line's own description
/// (`--experimental-dump-help`), so a new command or option is covered without editing this.
struct CommandContractTests {
    static let commands = [
        "flash", "info", "read", "erase", "efuse", "protect", "unprotect", "doctor", "list", "emulate", "udev-rules",
        "fus", "option-bytes", "codes", "st67",
    ]

    struct Option: Hashable, CustomStringConvertible {
        var path: [String]
        var name: String
        var valueName: String?
        var description: String { (path + [name]).joined(separator: " ") }
    }

    /// Every (sub)command and its long options, from the parser's own description.
    static let options: [Option] = {
        var out: [Option] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            for argument in command["arguments"] as? [[String: Any]] ?? []
            where argument["kind"] as? String != "positional" {
                let names = argument["names"] as? [[String: Any]] ?? []
                guard let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String else {
                    continue
                }
                let value = argument["kind"] as? String == "option" ? argument["valueName"] as? String ?? "" : nil
                out.append(Option(path: path, name: "--" + long, valueName: value))
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                walk(sub, path + [name])
            }
        }
        for command in commands {
            guard let run = try? Bootwire.run([command, "--experimental-dump-help"]),
                let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                let root = object["command"] as? [String: Any]
            else { continue }
            walk(root, [command])
        }
        return out
    }()

    @Test func everyCodeHasAHintAndEveryFlagAHintNamesExists() throws {
        // QConn_Flash_Cmd's own spellings are accepted too (docs/qconn.md), so hints may name them.
        let known = Set(Self.options.map(\.name)).union(["--chipname", "--interface", "--baudrate", "--whole_chip"])
        #expect(known.count > 40, "the commands' options were not read")
        var hints = ErrorCode.allCases.map { ($0.rawValue, $0.hint) }
        for code in ErrorCode.allCases { #expect(!code.hint.isEmpty, "\(code.rawValue) has no hint") }
        // Hints written where errors are raised, too.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources")
        let files =
            FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(files.count > 50)
        let literal = try Regex(#"hint:\s*(?:\n\s*)?"([^"]*)""#)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: literal) {
                if let hint = match.output[1].substring { hints.append((file.lastPathComponent, String(hint))) }
            }
        }
        let flag = try Regex(#"(?:^|[^\w-])(--[a-z][a-z0-9-]+)"#)
        var checked = 0
        defer { #expect(checked > 20, "the hints' flags were not found") }
        for (place, hint) in hints {
            for match in hint.matches(of: flag) {
                guard let name = match.output[1].substring.map(String.init) else { continue }
                checked += 1
                #expect(known.contains(name), "\(place): the hint names \(name), which no command takes")
            }
        }
    }

    /// A command that finishes on its own against a virtual device, for the output contract.
    static func runs(_ scratch: URL) throws -> [[String]] {
        let image = try Scratch.file(firmwareLike(6000), name: "app.bin").path
        let module = "virtual:qcc743,wire=instant"
        let stm32 = "virtual:stm32l476,wire=instant"
        return [
            ["flash", "--port", module, "\(image)@0x10000"],
            ["flash", "--port", module, "\(image)@0x10000", "--dry-run"],
            ["info", "--port", module],
            [
                "read", "--port", module, "--start", "0x10000", "--len", "64", "--file",
                scratch.appendingPathComponent("r.bin").path,
            ],
            ["erase", "--port", module, "--start", "0x10000", "--end", "0x11000"],
            ["efuse", "show", "--port", module],
            ["protect", "--readout", "--port", stm32],
            ["unprotect", "--write", "--port", stm32],
            ["doctor", "--port", module],
            ["list"],
            ["udev-rules"],
            ["fus", "info", "--port", "virtual:dfu-wb55"],
            ["option-bytes", "show", "--port", "virtual:stlink-l476"],
            ["codes"],
            ["flash", "--port", module, scratch.appendingPathComponent("missing.bin").path + "@0x10000"],
        ]
    }

    @Test func jsonIsOneObjectPerLineEndingInOneResultAndQuietIsAccepted() throws {
        let scratch = Scratch.make()
        for arguments in try Self.runs(scratch) {
            let json = try Bootwire.run(arguments + ["--json"], timeout: 120)
            let lines = json.stdout.split(separator: "\n")
            let objects = lines.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
            #expect(objects.count == lines.count && !lines.isEmpty, "\(arguments): not JSON lines: \(json.stdout)")
            #expect(objects.filter { $0["event"] as? String == "result" }.count == 1, "\(arguments)")
            #expect(objects.last?["event"] as? String == "result", "\(arguments)")
            let code = json.errorCode.flatMap(ErrorCode.init(rawValue:))
            #expect(json.status == (code?.category.exitStatus ?? 0), "\(arguments): exit \(json.status)")
            let quiet = try Bootwire.run(arguments + ["--quiet"], timeout: 120)
            #expect(quiet.status == json.status, "\(arguments) --quiet: \(quiet.stderr)")
        }
    }

    @Test func emulateSaysItIsReadyAndEndsWithAResult() throws {
        let process = Process()
        process.executableURL = Bootwire.executable
        process.arguments = ["emulate", "qcc743", "--wire", "instant", "--json"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = out.fileHandleForReading.availableData
        #expect(String(decoding: first, as: UTF8.self).contains("\"ready\""))
        process.interrupt()
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: first + rest, as: UTF8.self).split(separator: "\n")
        #expect(lines.last?.contains("\"event\":\"result\"") == true, "\(lines)")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// Values no option should take, fed to every option that takes a number or an address.
    static let hostile = ["99999999999999999999", "4294967296", "-1", "0", "abc", "", "ü≠∞"]

    @Test func hostileValuesAreUsageErrorsNeverASignal() throws {
        let numeric = Set([
            "baud", "n", "address", "bytes", "ms", "khz", "level", "hex", "auto|address", "first-last", "factor",
        ])
        let targets = Self.options.filter { option in
            guard let value = option.valueName, numeric.contains(value) else { return false }
            // The connection's numbers are the same group everywhere: once, on `info`, is enough.
            return option.path == ["info"]
                || !["--baud", "--boot-baud", "--connect-attempts", "--swd-khz", "--patience"].contains(option.name)
        }
        #expect(targets.count > 10, "\(targets)")
        for option in targets {
            for value in Self.hostile {
                var arguments = option.path + ["\(option.name)=\(value)", "--json"]
                if option.path == ["emulate"] {
                    // A valid value starts a device that serves until stopped: stop it, then judge.
                    arguments.insert("qcc743", at: 1)
                    let (reason, status) = try Self.runBriefly(arguments)
                    #expect(reason == .exit && status != 70, "\(arguments): \(reason) \(status)")
                    continue
                }
                let run = try Bootwire.run(arguments, timeout: 30)
                // Some values are valid for some options (0 is an address); what matters is that
                // every run ends by itself with a result, never a crash.
                #expect(
                    run.status < 128 && run.status != 70, "\(arguments): exit \(run.status) \(run.stderr.prefix(300))")
                #expect(run.result != nil, "\(arguments): no result line: \(run.stdout.suffix(300))")
            }
        }
    }

    /// Runs a command that may serve forever; interrupts it after a second if it still runs.
    static func runBriefly(_ arguments: [String]) throws -> (Process.TerminationReason, Int32) {
        let process = Process()
        process.executableURL = Bootwire.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(1)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus)
    }
}
