import ArgumentParser
import BootwireCore
import Foundation
import STLink

/// The verbs (`flash`, `info`, `read`, `erase`) on an STM32 through an ST-LINK probe over SWD.
enum SWDCommands {
    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never
    {
        let (facts, _) = try await SWDSessionRunner.run(connection: connection, port: port, events: renderer.sink) {
            session -> [(String, String)] in
            let probe = session.probe
            let identity = session.identity
            var facts: [(String, String)] = [
                (
                    "probe",
                    "\(probe.kind.name) firmware \(probe.version), serial "
                        + (STLinkProbeKind.displaySerial(probe.handle.record.serial) ?? "none")
                ),
                ("target voltage", probe.voltage.map { String(format: "%.2f V", $0) } ?? "unknown"),
                ("swd clock", "\(probe.clockKHz) kHz"),
                ("connected", session.connectedHow),
                (
                    "core",
                    "\(identity.core) (CPUID \(hex(UInt64(identity.cpuid))), DPIDR \(hex(UInt64(identity.dpidr))))"
                ),
                (
                    "part",
                    "\(identity.partName) (DEV_ID 0x\(String(identity.deviceID, radix: 16)), REV_ID 0x\(String(identity.revisionID, radix: 16)))"
                ),
                ("flash", identity.flashSize > 0 ? "\(identity.flashSize >> 10) KiB" : "unknown"),
            ]
            if let controller = session.controller {
                facts.append(("geometry", controller.layout.summary))
                let options = try controller.optionBytes()
                facts.append(("readout protection", "\(options.readoutProtection)"))
                for (name, value) in options.decoded { facts.append(("option " + name, value)) }
            }
            return facts
        }
        try finishFacts(facts, json: json, renderer: renderer)
    }

    static func read(connection: ConnectionOptions, port: String, start: Int, count: Int, renderer: Renderer)
        async throws -> [UInt8]
    {
        try await SWDSessionRunner.run(connection: connection, port: port, events: renderer.sink) { session in
            if let layout = session.controller?.layout, layout.size > 0 {
                let region = MemoryRegion(
                    name: "flash", range: UInt64(layout.base)...UInt64(layout.base) + UInt64(layout.size) - 1)
                try MemorySpan(start: UInt64(start), count: UInt64(count)).check(in: [region], complete: false)
            }
            if let controller = session.controller, let refused = try controller.readProtection() {
                let layout = controller.layout
                let region = UInt64(layout.base)...UInt64(layout.base) + UInt64(layout.size) - 1
                if region.overlaps(UInt64(start)...UInt64(start + count - 1)) { throw refused }
            }
            session.events(.stage("read", detail: "\(hex(UInt64(start))), \(count) bytes"))
            do {
                return try session.probe.readMemory(UInt32(start), count: count)
            } catch let fault as SWDFault {
                throw fault.error
            }
        }.0
    }

    /// Page numbers as the bootloader counts them: bank 2's after bank 1's.
    static func erase(
        connection: ConnectionOptions, port: String, pages: ClosedRange<Int>, gate: ChangeGate, renderer: Renderer
    ) async throws {
        _ = try await SWDSessionRunner.run(connection: connection, port: port, events: renderer.sink) { session in
            let controller = try session.flash()
            if let refused = try controller.readProtection() { throw refused }
            let bank1 = controller.layout.sectors.filter { $0.bank == 1 }.count
            let numbered = Dictionary(
                controller.layout.sectors.map { ($0.bank == 1 ? $0.number : bank1 + $0.number, $0) }
            ) { first, _ in first }
            let list = try PageNumbers.list(pages, pageCount: controller.layout.sectors.count)
            let units = try list.map { page in
                guard let unit = numbered[page] else {
                    throw BootwireError(
                        .addressOutOfRange, "page \(page) does not exist",
                        hint: "pages run 0-\(controller.layout.sectors.count - 1)")
                }
                return unit
            }
            let what = "pages \(pages.first ?? 0)-\(pages.last ?? 0)"
            guard gate.allows("erase \(what)", events: session.events) else { return }
            try controller.unlock()
            session.events(.stage("erase", detail: what))
            for unit in units { try controller.erase(unit) }
            try controller.lock()
        }
    }
}
