import ArgumentParser
import BootwireCore
import Foundation
import USB

/// `bootwire udev-rules [--install]`: the rules that let a normal user open STM32 DFU devices,
/// ST-LINK probes and USB-serial bridges on Linux.
struct UdevRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udev-rules",
        abstract: "Print (or install) the udev rules for STM32 DFU, ST-LINK and USB-serial bridges.",
        discussion: """
            Without rules, /dev/bus/usb nodes belong to root and Bootwire reports usb-permission. \
            Print them to review: bootwire udev-rules; install as root: sudo bootwire udev-rules --install \
            (writes \(UdevRules.installPath), then reload udev and replug the device).
            """)

    @Flag(name: .long, help: "Write the rules to \(UdevRules.installPath) and reload udev (needs root).")
    var install = false

    @Option(name: .long, help: ArgumentHelp("Write to this file instead (with --install).", visibility: .hidden))
    var path = UdevRules.installPath

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() throws {
        let renderer = output.makeRenderer()
        guard install else {
            let text = UdevRules.text(ConnectionOptions.udevEntries)
            guard output.json else {
                print(text, terminator: "")
                return
            }
            let data = try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])
            try renderer.finish(JobResult(attachments: ["rules": String(decoding: data, as: UTF8.self)]))
        }
        do {
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(UdevRules.text(ConnectionOptions.udevEntries).utf8))
            else {
                throw BootwireError(
                    .portPermission, "cannot write \(path)",
                    hint: "run it as root: sudo bootwire udev-rules --install (or save the printed rules yourself)",
                    evidence: ["path": path])
            }
            // Reloading is best effort: a container has no udevd, and the file is what matters.
            let reload = ["udevadm control --reload-rules", "udevadm trigger"]
            var reloaded = path == UdevRules.installPath
            if reloaded {
                for command in reload {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/sh")
                    process.arguments = ["-c", command + " 2>/dev/null"]
                    try? process.run()
                    process.waitUntilExit()
                    reloaded = reloaded && process.terminationReason == .exit && process.terminationStatus == 0
                }
            }
            try renderer.finish(
                JobResult(summary: [
                    "written": path,
                    "next": reloaded ? "replug the device" : "run `sudo udevadm control --reload-rules`, then replug",
                ]))
        } catch {
            try renderer.fail(error)
        }
    }
}
