import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// Issue 26 item 3: `doctor` talks to the target the way each route can, and names each
/// virtual device's injected fault with its code (table-driven: every fault on every route
/// where it exists: rdp1, swd-disabled, silent, echo, application, permission).
@Suite struct DoctorRouteTests {
    struct Case: CustomStringConvertible, Sendable {
        var port: String
        /// The code of the finding the fault must produce (nil: a healthy device, all pass).
        var code: String?
        var status: String = "fail"
        var description: String { port }
    }

    static let cases: [Case] = [
        // The module's boot ROM over UART.
        Case(port: "virtual:qcc743,wire=instant", code: nil),
        Case(port: "virtual:qcc743,wire=instant,silent", code: "no-response"),
        Case(port: "virtual:qcc743,wire=instant,echo", code: "echo-only", status: "warn"),
        Case(port: "virtual:qcc743,wire=instant,application", code: "application-running"),
        // The STM32 system bootloader over UART: never the module's advice.
        Case(port: "virtual:stm32l476,wire=instant", code: nil),
        Case(port: "virtual:stm32l476,wire=instant,silent", code: "no-response"),
        Case(port: "virtual:stm32l476,wire=instant,echo", code: "echo-only", status: "warn"),
        Case(port: "virtual:stm32l476,wire=instant,application", code: "application-running"),
        Case(port: "virtual:stm32l476,wire=instant,locked", code: "device-protected"),
        // The ROM DFU bootloader.
        Case(port: "virtual:dfu-l476,time=simulated", code: nil),
        Case(port: "virtual:dfu-l476,time=simulated,rdp1", code: "device-protected"),
        Case(port: "virtual:dfu-l476,time=simulated,permission", code: "usb-permission"),
        // An ST-LINK and the STM32 behind it.
        Case(port: "virtual:stlink-l476,time=simulated", code: nil),
        Case(port: "virtual:stlink-l476,time=simulated,rdp1", code: "flash-read-protected"),
        Case(
            port: "virtual:stlink-l476,time=simulated,swd-disabled", code: "swd-connected-under-reset", status: "warn"),
        Case(port: "virtual:stlink-l476,time=simulated,permission", code: "usb-permission"),
        Case(port: "virtual:stlink-h563,time=simulated,rdp1", code: "flash-read-protected"),
        // The other faults that are the device's or the bus's, where doctor can see them.
        Case(
            port: "virtual:stm32l476,wire=instant,option-read-refused", code: "option-bytes-unreadable", status: "warn"),
        Case(
            port: "virtual:dfu-l476,time=simulated,option-read-refused", code: "option-bytes-unreadable", status: "warn"
        ),
        Case(port: "virtual:dfu-l476,time=simulated,busy", code: "usb-busy"),
        Case(port: "virtual:stlink-l476,time=simulated,busy", code: "usb-busy"),
        Case(port: "virtual:stlink-l476,time=simulated,firmware=20", code: "stlink-firmware-too-old"),
        Case(port: "virtual:stlink-l476,time=simulated,wait-storm", code: "swd-clock-reduced", status: "warn"),
        Case(port: "virtual:stlink-h563,time=simulated,locked", code: "flash-permanently-locked"),
    ]

    static func findings(_ run: BootwireRun) throws -> [[String: Any]] {
        try #require(run.result?["findings"] as? [[String: Any]], "\(run.stdout)\(run.stderr)")
    }

    @Test("doctor names each injected fault with its code", arguments: cases)
    func doctorNamesTheFault(_ fault: Case) throws {
        let run = try Bootwire.run(["doctor", "--port", fault.port, "--json"])
        let findings = try Self.findings(run)
        guard let code = fault.code else {
            let bad = findings.filter { ["fail", "warn"].contains($0["status"] as? String) && $0["code"] != nil }
            // A pty has no modem lines: that warning is the port's, not the device's.
            #expect(bad.allSatisfy { $0["code"] as? String == "pty-no-modem-lines" }, "\(bad)")
            #expect(run.status == 0, "\(run.stdout)")
            #expect(findings.count >= 4, "the device itself was checked: \(findings)")
            return
        }
        let finding = findings.first { $0["code"] as? String == code }
        #expect(finding?["status"] as? String == fault.status, "\(findings)")
        if fault.status == "fail" {
            #expect(run.errorCode == code, "\(run.stdout)")
            #expect(run.status != 0)
        }
        // No fix that cannot work: every command needs the bootloader the application hides,
        // and a port's module advice never reaches an STM32.
        let hints = findings.compactMap { $0["hint"] as? String }.joined(separator: " ")
        #expect(!hints.contains("--whole-chip"), "\(hints)")
        if fault.port.contains("stm32") { #expect(!hints.contains("CHIP_EN"), "\(hints)") }
    }

    /// A module that stays silent where the last session left it at another rate: the error
    /// speaks of that session, and the wiring checklist still follows (in process, simulated time).
    @Test func silenceAfterASessionKeepsTheWiringChecklist() throws {
        let model = VirtualQCC743.make(faults: [.silent])
        let link = VirtualLink(device: model, wire: .instant, faults: [.silent])
        var options = ConnectOptions()
        options.previousSessionBaud = 2_000_000
        let findings = QCC743Probe.run(link: link, options: options)
        #expect(findings.first?.code == .noResponse, "\(findings)")
        #expect(findings.contains { $0.check == "wiring checklist" && $0.status == .warn }, "\(findings)")
    }

    /// A healthy STM32 over UART: version, commands, part and protection are read, not guessed.
    @Test func theSTM32BootloaderIsDescribed() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:stm32l476,wire=instant", "--json"])
        let findings = try Self.findings(run)
        let checks = findings.compactMap { $0["check"] as? String }
        for check in ["bootloader answers 0x7F", "bootloader", "part", "readout protection"] {
            #expect(checks.contains(check), "\(checks)")
        }
        // Nothing reached the bootloader before the sync: its first byte was our 0x7F.
        let sync = findings.first { $0["check"] as? String == "bootloader answers 0x7F" }?["detail"] as? String
        #expect(sync?.hasPrefix("ACK") == true, "\(sync ?? "")")
        let part = findings.first { $0["check"] as? String == "part" }?["detail"] as? String
        #expect(part?.contains("0x415") == true, "\(part ?? "")")
    }

    /// The ST-LINK route reports voltage, the debug port, the core and the part.
    @Test func theSWDTargetIsDescribed() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:stlink-l476,time=simulated,voltage=1.8", "--json"])
        let findings = try Self.findings(run)
        let voltage = findings.first { $0["check"] as? String == "target voltage" }
        #expect(voltage?["detail"] as? String == "1.80 V", "\(findings)")
        let checks = findings.compactMap { $0["check"] as? String }
        for check in ["probe", "debug port", "access ports", "core", "part", "readout protection"] {
            #expect(checks.contains(check), "\(checks)")
        }
    }
}
