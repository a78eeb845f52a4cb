import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// Issue #23: every fault of every virtual device, flashed once; the error's fix names a
/// destructive command (whole-chip erase, Readout Unprotect, RDP back to 0, mass erase, FUS
/// stack delete) only when the fault is the condition that command is for.
@Suite struct DestructiveAdviceTests {
    /// What makes a fix destructive, as hints and messages spell it (lower-cased).
    static let destructive = DiagnosisEvidenceTests.destructive

    struct Case: CustomStringConvertible {
        var port: String
        var fault: String
        /// The fault is the condition a destructive fix is for (a protected or locked part).
        var mayNeedIt: Bool
        var description: String { "\(port) [\(fault)]" }
    }

    /// Faults the serial runner applies (every `Fault`), with a value where one is needed.
    static let serialFaults = [
        "silent", "application", "echo", "baud-limit=9600", "corrupt=50", "corrupt=1000", "disconnect-after=3000",
        "reset-after=3000", "reset-after=10000", "locked", "sync-glitch", "option-read-refused", "checksum-layout",
    ]
    /// The virtual USB bus's faults: the bus is the same under every USB device, so they run
    /// under one DFU and one ST-LINK device.
    static let busFaults = [
        "permission", "busy", "usb-disconnect-after=5", "usb-disconnect-after=40", "usb-disconnect-after=200",
        "reset-error=io", "reset-error=pipe", "reattach-unready-ms=200",
    ]

    static var cases: [Case] {
        #expect(Fault.names.count == 11, "a fault was added: list it in serialFaults")
        var out: [Case] = []
        for name in VirtualPort.names {
            // The runner's faults are the same code for every STM32: all of them on one, the
            // device-model ones (protection, application, option reads) on each.
            let faults =
                name == "qcc743" || name == "stm32l476"
                ? serialFaults : ["application", "locked", "option-read-refused", "reset-after=10000"]
            for fault in faults {
                // The module's `locked` is signed boot: no erase lifts it, so it earns none.
                let needs = fault == "application" && name == "qcc743" || fault == "locked" && name != "qcc743"
                out.append(Case(port: "virtual:\(name),wire=instant,\(fault)", fault: fault, mayNeedIt: needs))
            }
        }
        for name in ["dfu-l476", "stlink-l476"] {
            out += busFaults.map { Case(port: "virtual:\(name),\($0)", fault: $0, mayNeedIt: false) }
        }
        for name in VirtualUSBPort.names {
            var options = ["rdp1", "wrp=0-3"]
            if name.hasPrefix("dfu-") {
                options += ["option-read-refused", "status-blocks", "short-poll", "disconnect-during-download"]
                if name == "dfu-wb55" { options.append("fus-write-error") }
            } else if ["stlink-l476", "stlink-l432", "stlink-l452"].contains(name) {
                options += ["optverr", "wait-storm=5", "swd-disabled", "firmware=20", "v2", "v3"]
                if name == "stlink-l476" { options += ["bfb2", "bank-mismatch"] }
            } else if name.hasPrefix("stlink-f4") {
                options = ["rdp1"]
            } else {
                if name == "stlink-h563" { options += ["locked", "trustzone"] }
                if name == "stlink-u575" { options.append("trustzone") }
                if name == "stlink-wb55" { options.append("sfsa=200") }
            }
            for option in options {
                // Protection faults, and a secure area the image may reach (the stack's own delete).
                let needs = ["rdp1", "locked", "trustzone", "sfsa=200"].contains(option)
                out.append(Case(port: "virtual:\(name),\(option)", fault: option, mayNeedIt: needs))
            }
        }
        return out
    }

    @Test func noFaultIsAdvisedAFixThatDestroysUnlessItNeedsIt() throws {
        let image = try Scratch.file(DiagnosisEvidenceTests.noise(12_000), name: "app.bin").path
        let cases = Self.cases
        let started = Date()
        let runs = Bootwire.runAll(
            cases.map { c in
                let base = c.port.hasPrefix("virtual:qcc743") ? "0x10000" : "0x08000000"
                return ["flash", "--port", c.port, "--patience", "0", "\(image)@\(base)", "--json"]
            }, timeout: 60)
        var failures = 0
        for (c, run) in zip(cases, runs) {
            #expect(run.status != Bootwire.timedOut && run.status < 128, "\(c): exit \(run.status)")
            #expect(run.result != nil, "\(c): no result line: \(run.stdout.suffix(300)) \(run.stderr.prefix(300))")
            guard let error = run.result?["error"] as? [String: Any] else { continue }
            failures += 1
            let text = ((error["hint"] as? String ?? "") + " " + (error["message"] as? String ?? "")).lowercased()
            let named = Self.destructive.filter { text.contains($0) }
            #expect(
                c.mayNeedIt || named.isEmpty,
                "\(c): \(error["code"] ?? "") advises \(named): \(error["hint"] as? String ?? "")")
        }
        // Most faults must end in an error, or the campaign proves nothing.
        #expect(failures > cases.count / 3, "only \(failures) of \(cases.count) runs failed")
        print(
            "destructive-advice campaign: \(cases.count) runs, \(failures) errors, \(Date().timeIntervalSince(started)) s"
        )
    }
}
