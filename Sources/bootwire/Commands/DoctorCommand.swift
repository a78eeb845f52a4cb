import ArgumentParser
import BootwireCore
import Foundation
import Targets

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a port, its adapter and the device behind it, stage by stage, on every route.",
        discussion: """
            Serial ports: that the port opens (permissions, who holds it), the USB bridge and its \
            known limits, DTR/RTS, the bridge's latency timer, a loopback test at each rate up to \
            3 Mbaud when TX and RX are jumpered; then the module's boot ROM (sync, boot info, the \
            switch to --baud, flash) or, with --chip stm32, the STM32 bootloader (sync, version and \
            commands, part, readout protection). USB DFU: the device, permission, descriptors, \
            status, alternate settings, part, option bytes. ST-LINK: the probe, target voltage, \
            debug port and access ports, core, part, readout protection, SWD turned off by the \
            application. Nothing on the device is changed.
            """)

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        let port = try connection.singlePort()
        try report(try await connection.opener.doctor(port))
    }

    private func report(_ findings: [DoctorFinding]) throws -> Never {
        let failure = findings.first { $0.status == .fail }.map { finding in
            BootwireError(finding.code ?? .internalError, "\(finding.check): \(finding.detail)", hint: finding.hint)
        }
        if output.json {
            let objects: [[String: Any]] = findings.map { f in
                var o: [String: Any] = ["check": f.check, "status": f.status.rawValue, "detail": f.detail]
                if let code = f.code { o["code"] = code.rawValue }
                if let hint = f.hint { o["hint"] = hint }
                return o
            }
            let data = try JSONSerialization.data(
                withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
            try JSONRenderer().finish(
                JobResult(error: failure, attachments: ["findings": String(decoding: data, as: UTF8.self)]))
        }
        for f in findings where !output.quiet || f.status == .fail || f.status == .warn {
            let mark = ["pass": "ok  ", "warn": "warn", "fail": "FAIL", "skip": "--  "][f.status.rawValue] ?? "?"
            print("[\(mark)] \(f.check): \(f.detail)\(f.code.map { " [\($0.rawValue)]" } ?? "")")
            if let hint = f.hint, f.status == .fail || f.status == .warn { print("       fix: \(hint)") }
        }
        if let failure { throw ExitCode(failure.code.category.exitStatus) }
        throw ExitCode.success
    }
}
