import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// One contract for every command, read from the command line's own description
/// (`--experimental-dump-help`), so a new command or option is covered without editing this.
struct CommandContractTests {
    static let commands = [
        "flash", "info", "read", "erase", "efuse", "protect", "unprotect", "doctor", "list", "emulate", "udev-rules",
        "fus", "option-bytes", "codes", "st67", "verify",
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
            ["verify", "--port", module, scratch.appendingPathComponent("missing.bin").path + "@0x10000"],
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
        let (lines, process) = try Bootwire.serveBriefly(["emulate", "qcc743", "--wire", "instant", "--json"])
        #expect(lines.first?.contains("\"ready\"") == true, "\(lines)")
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

    /// Issue #23 item 13: values no option should choke on, whatever it takes (numbers, paths,
    /// names). Paths are made in `scratch`: a folder, a dangling symlink, a FIFO, a missing folder.
    static func hostileValues(_ scratch: URL) -> [String] {
        let folder = scratch.appendingPathComponent("folder")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let link = scratch.appendingPathComponent("dangling-link").path
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scratch.path + "/nowhere")
        let fifo = scratch.appendingPathComponent("fifo").path
        _ = mkfifo(fifo, 0o600)
        // /dev/null's twin (the same character device), not /dev/null itself: a command that
        // replaces or removes what is at a path (a rename, a link) harms only the copy.
        let null = scratch.appendingPathComponent("null").path
        // Linux dev_t for major 1, minor 3 (glibc: minor in the low 8 bits, major above).
        let device = mknod(null, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 ? [null] : []
        return [
            "", "=", "-1", "4294967296", "18446744073709551616", "inf", "nan", "ü≠∞\u{202E}", folder.path, link, fifo,
            scratch.path + "/missing-folder/file",
        ] + device
    }

    /// The connection options are one group, the same on every command that connects: they are
    /// fed on `info` and `flash` only (as `hostileValuesAreUsageErrorsNeverASignal` does).
    static let connectionGroup: Set<String> = [
        "--port", "--ports", "--ports-from", "--chip", "--baud", "--boot-baud", "--reset", "--connect-attempts",
        "--patience", "--trace", "--swd-khz",
    ]

    /// The virtual device a command is pointed at, so nothing real is ever touched.
    static func virtualPort(for path: [String]) -> String {
        switch path.first {
        case "protect", "unprotect": "virtual:stm32l476,wire=instant"
        case "fus": "virtual:dfu-wb55"
        case "option-bytes": "virtual:stlink-l476"
        case "st67": "virtual:nucleo-h563"
        default: "virtual:qcc743,wire=instant"
        }
    }

    /// Every option of every command × every hostile value, `--json`, in a small pool: never a
    /// signal, never exit 70 (internal error), never a hang, exactly one `result` line.
    @Test func everyOptionTakesEveryHostileValueWithOneResult() throws {
        let scratch = Scratch.make()
        let values = Self.hostileValues(scratch)
        let image = try Scratch.file(firmwareLike(3000), name: "app.bin").path
        let targets = Self.options.filter { option in
            option.valueName != nil
                && (!Self.connectionGroup.contains(option.name) || option.path == ["info"] || option.path == ["flash"])
        }
        #expect(targets.count > 40, "\(targets)")
        var runs: [[String]] = []
        var emulate: [Bool] = []
        for option in targets {
            for value in values {
                var arguments = option.path
                if option.path == ["emulate"] {
                    arguments.append("qcc743")
                } else if Self.options.contains(where: { $0.path == option.path && $0.name == "--port" }),
                    !Self.connectionGroup.contains(option.name) || option.name == "--baud"
                        || option.name == "--boot-baud" || option.name == "--patience" || option.name == "--swd-khz"
                        || option.name == "--connect-attempts" || option.name == "--trace"
                {
                    arguments += ["--port", Self.virtualPort(for: option.path)]
                }
                if Self.options.contains(where: { $0.path == option.path && $0.name == "--dry-run" }) {
                    arguments.append("--dry-run")
                }
                if option.path == ["flash"] { arguments.append("\(image)@0x10000") }
                runs.append(arguments + ["\(option.name)=\(value)", "--json"])
                emulate.append(option.path == ["emulate"])
            }
        }
        let started = Date()
        // A valid value makes `emulate` serve until stopped: it gets a short leash, and being
        // stopped is its normal end. Relative paths land in the scratch folder.
        let serving = Set(emulate.indices.filter { emulate[$0] })
        let quick = Bootwire.runAll(
            runs.indices.filter { !serving.contains($0) }.map { runs[$0] }, width: 3, timeout: 20,
            environment: ["BOOTWIRE_PATIENCE": "0"], directory: scratch)
        let served = Bootwire.runAll(
            serving.sorted().map { runs[$0] }, width: 3, timeout: 10, directory: scratch, interruptOn: "\"ready\"")
        var quickResults = quick.makeIterator()
        var servedResults = served.makeIterator()
        let results = runs.indices.map { serving.contains($0) ? servedResults.next()! : quickResults.next()! }
        let seconds = Date().timeIntervalSince(started)
        var bad = 0
        for (arguments, run) in zip(runs, results) {
            let results = run.events.filter { $0["event"] as? String == "result" }.count
            let fine =
                run.status >= 0 && run.status < 128 && run.status != 70 && run.status != Bootwire.timedOut
                && results == 1
            if !fine { bad += 1 }
            #expect(
                fine,
                "\(arguments.joined(separator: " ")): exit \(run.status), \(results) result lines; \(run.stdout.suffix(200)) \(run.stderr.prefix(300))"
            )
        }
        // A command writing to a device node writes into it; it never replaces the node.
        if let null = values.last, null.hasSuffix("/null") {
            let type = (try? FileManager.default.attributesOfItem(atPath: null))?[.type] as? FileAttributeType
            #expect(type == .typeCharacterSpecial, "\(null) is now \(type.map { "\($0)" } ?? "gone")")
        }
        let commands = Set(targets.map { $0.path.joined(separator: " ") }).count
        print(
            "hostile input: \(commands) commands, \(targets.count) options × \(values.count) values = \(runs.count) runs, "
                + "\(bad) bad, \(String(format: "%.1f", seconds)) s")
    }

    static let malformedVirtualOptions = [
        "=", "=x", "a=", "", "fault=", "fault==", "wire=", "state=", "latency-ms=inf", "latency-ms=nan",
        "usb-latency-ms=inf", "usb-bytes-per-second=0", "usb-bytes-per-second=nan", "mass-erase-seconds=inf",
        "reboot-seconds=1e308", "corrupt=0", "corrupt=-1", "firmware=99999999999999999999", "wrp=9-1", "sfsa=nan",
        "ü≠∞=1",
    ]

    /// Malformed options for every `virtual:` kind: a usage error each, never a crash
    /// (`virtual:qcc743,=` was one for every kind). The parsers run in-process for the whole
    /// matrix; every way in (`--port`, `list --virtual`, `emulate usb`) runs as a process below.
    @Test func everyVirtualKindRejectsMalformedOptions() throws {
        let kinds = VirtualPort.names + VirtualUSBPort.names
        var checked = 0
        for kind in kinds {
            for option in Self.malformedVirtualOptions {
                let spec = "virtual:\(kind),\(option)"
                do {
                    if VirtualUSBPort.isVirtualUSB(spec) {
                        _ = try VirtualUSBPort.start(spec)
                    } else {
                        try VirtualPort.start(spec).stop()
                    }
                    Issue.record("\(spec) was accepted")
                } catch let error as BootwireError {
                    #expect(error.code == .usage, "\(spec): \(error)")
                }
                checked += 1
            }
        }
        print(
            "malformed virtual options: \(kinds.count) kinds × \(Self.malformedVirtualOptions.count) options = \(checked)"
        )
    }

    /// Each way a virtual spec enters, as the command line gives it: one `result`, `usage`.
    @Test func malformedVirtualSpecsEndInOneUsageResultOnEveryWayIn() throws {
        let specs = [
            "virtual:qcc743,=", "virtual:stm32l476,=", "virtual:dfu-l476,=", "virtual:stlink-l476,=",
            "virtual:stlink-h563,a=", "virtual:dfu-l476,usb-bytes-per-second=0", "virtual:dfu-wb55,usb-latency-ms=inf",
            "virtual:stlink-f4,mass-erase-seconds=nan",
        ]
        let scratch = Scratch.make()
        var runs: [[String]] = []
        for spec in specs {
            runs.append(["info", "--port", spec, "--json"])
            runs.append(["read", "--port", spec, "--start", "0", "--len", "4", "--file", scratch.path + "/r", "--json"])
            if VirtualUSBPort.isVirtualUSB(spec) {
                runs.append(["list", "--virtual", spec, "--json"])
                runs.append(["emulate", "usb", spec, "--socket", Scratch.make().path + "/s", "--json"])
            }
        }
        for (arguments, run) in zip(runs, Bootwire.runAll(runs, width: 3, timeout: 20)) {
            let results = run.events.filter { $0["event"] as? String == "result" }.count
            #expect(
                run.status == ErrorCategory.usage.exitStatus && results == 1 && run.errorCode == "usage",
                "\(arguments.joined(separator: " ")): exit \(run.status) \(run.stdout.suffix(200)) \(run.stderr.prefix(200))"
            )
        }
    }

    /// Issue #23 item 13's crashes and runaway allocations, as reported: each ends quickly in
    /// one result with its code (an overflowing span and a page range beyond the part are
    /// refused before anything is allocated).
    @Test func reportedCrashesEndInOneResultWithACode() throws {
        let file = Scratch.make().appendingPathComponent("r.bin").path
        var cases: [([String], ErrorCode)] = [
            (
                ["read", "--port", "virtual:stlink-l476", "--start", "0xFFFFFF00", "--len", "0x200", "--file", file],
                .addressOutOfRange
            ),
            (
                [
                    "read", "--port", "virtual:stlink-l476", "--start", "0x08000000", "--len", "0xFFFFFFFF", "--file",
                    file,
                ],
                .addressOutOfRange
            ),
            (
                [
                    "read", "--port", "virtual:stm32l476,wire=instant", "--start", "0x080FFF00", "--len", "0x200",
                    "--file",
                    file,
                ], .addressOutOfRange
            ),
            (["info", "--port", "virtual:qcc743,="], .usage),
            (["info", "--port", "virtual:dfu-l476,usb-bytes-per-second=0"], .usage),
            (["info", "--port", "virtual:dfu-l476,usb-latency-ms=inf"], .usage),
        ]
        for port in ["virtual:stm32l476,wire=instant", "virtual:dfu-l476", "virtual:stlink-l476"] {
            for pages in ["0-4294967295", "0-99999999"] {
                cases.append((["erase", "--port", port, "--pages", pages, "--dry-run"], .addressOutOfRange))
            }
        }
        let runs = Bootwire.runAll(cases.map { $0.0 + ["--json"] }, width: 3, timeout: 20)
        for ((arguments, code), run) in zip(cases, runs) {
            let results = run.events.filter { $0["event"] as? String == "result" }.count
            #expect(
                run.errorCode == code.rawValue && results == 1 && run.status == code.category.exitStatus,
                "\(arguments.joined(separator: " ")): exit \(run.status) \(run.stdout.suffix(300))")
        }
    }

    /// Runs a command that may serve forever: once it has printed its banner (its port exists, so
    /// its stop handler is in place) or ended, it is interrupted. A fixed second was too short on
    /// a loaded machine: SIGINT before the handler is a death by signal.
    static func runBriefly(_ arguments: [String]) throws -> (Process.TerminationReason, Int32) {
        let (_, process) = try Bootwire.serveBriefly(arguments)
        return (process.terminationReason, process.terminationStatus)
    }
}
