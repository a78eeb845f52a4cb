import BootwireCore
import Foundation
import Testing

/// Every `bootwire …` command a failure prints as its fix is pasted and run: the parser must
/// accept it (it carries the port and connection options this run used), and where the fix is
/// the whole answer it must succeed.
@Suite struct PastedFixTests {
    /// The `bootwire …` commands between backticks in a hint (or after "run: " at its end),
    /// split as a shell would ('…' quoting), without the leading `bootwire`.
    static func commands(in hint: String) -> [[String]] {
        var found = hint.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap {
            index, part in
            index % 2 == 1 && part.hasPrefix("bootwire ") ? Array(words(String(part)).dropFirst()) : nil
        }
        if let run = hint.range(of: "run: bootwire ") {
            found.append(words(String(hint[run.upperBound...])))
        }
        return found
    }

    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for character in text {
            if character == "'" {
                quoted.toggle()
                started = true
            } else if character == " " && !quoted {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }

    static func hint(_ run: BootwireRun) -> String {
        ((run.result?["error"] as? [String: Any])?["hint"] as? String) ?? ""
    }

    /// Runs a failing command, then each command its hint prints; returns the pasted runs.
    func paste(_ arguments: [String], expect code: String) throws -> [BootwireRun] {
        let failing = try Bootwire.run(arguments + ["--json"])
        #expect(failing.errorCode == code, "\(arguments): \(failing.stdout)")
        let pasted = Self.commands(in: Self.hint(failing))
        #expect(!pasted.isEmpty, "no command in the hint: \(Self.hint(failing))")
        return try pasted.map { command in
            let run = try Bootwire.run(command.contains("--json") ? command : command + ["--json"])
            #expect(
                run.status != ErrorCategory.usage.exitStatus,
                "pasted `\(command.joined(separator: " "))`: \(run.stdout)\(run.stderr)")
            #expect(run.errorCode != "usage")
            return run
        }
    }

    @Test func aRawBinaryOnTheModuleGetsAModuleAddressAndThePastedFixFlashesIt() throws {
        let file = try Scratch.file(firmwareLike(3000), name: "app.bin")
        let state = Scratch.make().appendingPathComponent("module.state").path
        let port = "virtual:qcc743,state=\(state)"
        let runs = try paste(["flash", "--port", port, file.path], expect: "bad-image")
        #expect(runs.count == 1)
        #expect(runs.first?.ok == true, "\(runs.first?.stdout ?? "")")
        #expect(try Bootwire.readMemory(port, at: 0x10000, count: 3000) == firmwareLike(3000))
    }

    @Test func aMistypedVerbPastesAsTheWholeCorrectedCommand() throws {
        let file = try Scratch.file(firmwareLike(1000), name: "app.bin")
        let runs = try paste(["flsh", "--port", "virtual:stlink-l476", "\(file.path)@0x08000000"], expect: "usage")
        let failed = runs.filter { !$0.ok }.map(\.stdout)
        #expect(failed.isEmpty, "\(failed)")
    }

    /// Fixes that cannot lift the fault on a virtual device (its fault is the device) must still
    /// reach the same device when pasted: accepted by the parser, carrying the port.
    @Test(arguments: [
        (["flash", "--chip", "stm32", "--port", "virtual:stm32l476,locked", "--baud", "57600"], "device-protected")
    ])
    func fixesThatNameAnotherVerbReachTheSameDevice(_ arguments: [String], _ code: String) throws {
        let file = try Scratch.file(firmwareLike(1000), name: "app.bin")
        let address = arguments.contains("stm32") ? "0x08000000" : "0x10000"
        let failing = try Bootwire.run(arguments + ["--json", "\(file.path)@\(address)"])
        #expect(failing.errorCode == code, "\(failing.stdout)")
        let pasted = Self.commands(in: Self.hint(failing))
        #expect(!pasted.isEmpty, "\(Self.hint(failing))")
        let port = arguments[arguments.firstIndex(of: "--port")! + 1]
        for command in pasted {
            #expect(command.contains(port), "\(command)")
            let run = try Bootwire.run(command + ["--json", "--dry-run"])
            #expect(run.status != ErrorCategory.usage.exitStatus, "\(command): \(run.stdout)\(run.stderr)")
        }
    }

    /// Protection on each USB route: the fix names the same device (port, options such as
    /// --swd-khz) and, pasted, lifts it; a fix that first asks for confirmation prints the
    /// confirmed command, which is pasted in turn.
    @Test(arguments: [
        (["--port", "virtual:stlink-l476,rdp1", "--swd-khz", "480"], "flash-read-protected"),
        (["--port", "virtual:stlink-l476,wrp=0-3"], "flash-write-protected"),
        (["--port", "virtual:dfu-l476,rdp1"], "device-protected"),
    ])
    func protectionFixesCarryThePortAndOptionsAndLiftIt(_ connection: [String], _ code: String) throws {
        let file = try Scratch.file(firmwareLike(1000), name: "app.bin")
        var runs = try paste(["flash"] + connection + ["\(file.path)@0x08000000"], expect: code)
        for _ in 0..<2 where runs.first?.errorCode == "confirmation-required" {
            let next = Self.commands(in: Self.hint(runs[0]))
            #expect(!next.isEmpty)
            runs = try next.map { try Bootwire.run($0.contains("--json") ? $0 : $0 + ["--json"]) }
        }
        #expect(runs.first?.ok == true, "\(runs.first?.stdout ?? "")")
    }

    /// A running application is fixed by a reset into the boot ROM, a step of the hands: the
    /// hint names no command to paste, and never the whole-chip erase that fails the same way.
    @Test func theApplicationRunningFixIsAResetNotACommand() throws {
        let file = try Scratch.file(firmwareLike(1000), name: "app.bin")
        let failing = try Bootwire.run([
            "flash", "--port", "virtual:qcc743,wire=instant,application", "--json", "\(file.path)@0x10000",
        ])
        #expect(failing.errorCode == "application-running", "\(failing.stdout)")
        #expect(Self.commands(in: Self.hint(failing)).isEmpty, "\(Self.hint(failing))")
        #expect(!Self.hint(failing).contains("--whole-chip"))
    }
}
