import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import STLink

/// The verbs (`flash`, `info`, `read`, `erase`) on an STM32 through an ST-LINK probe over SWD.
enum SWDCommands {
    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    static func flashRegion(_ layout: SWDFlashLayout) -> MemoryRegion {
        MemoryRegion(name: "flash", range: UInt64(layout.base)...UInt64(layout.base) + UInt64(layout.size) - 1)
    }

    /// Erases exactly the units the images touch (or all), programs, verifies by read-back,
    /// then resets into the application when `go` is given.
    static func flash(
        images: [String], erase: EraseMode, go: String?, connection: ConnectionOptions, port: String, renderer: Renderer
    ) async throws -> Never {
        let plan = try loadPlan(images)
        let started = MonotonicClock.now()
        let (done, stats) = try await SWDSessionRunner.run(connection: connection, port: port, renderer: renderer) {
            session in
            let controller = try session.flash()
            if let refused = try controller.readProtection() { throw refused }
            try plan.checkFits(in: [flashRegion(controller.layout)])
            try controller.unlock()
            var erased = 0
            switch erase {
            case .chip:
                session.events(.stage("erase", detail: "mass erase"))
                try controller.massErase()
                erased = controller.layout.sectors.count
            case .sections:
                // Every unit first, then the writes: two segments in one unit must not erase each other.
                var units: [SWDFlashSector] = []
                for segment in plan.segments {
                    for unit in controller.layout.sectors(covering: segment.address, count: segment.bytes.count)
                    where !units.contains(unit) {
                        units.append(unit)
                    }
                }
                session.events(.stage("erase", detail: "\(units.count) pages/sectors the images touch"))
                for unit in units { try controller.erase(unit) }
                erased = units.count
            case .none:
                break
            }
            var bytes = 0
            let writeStarted = MonotonicClock.now()
            for segment in plan.segments {
                session.events(
                    .stage(
                        "write",
                        detail:
                            "\(hex(segment.address)), \(segment.bytes.count) bytes from \(segment.originDescription)"
                    ))
                let (address, data) = controller.padded(segment.bytes, at: UInt32(segment.address))
                try controller.program(data, at: address)
                bytes += segment.bytes.count
                let seconds = Double(MonotonicClock.now() - writeStarted) / 1e9
                session.events(
                    .progress(
                        label: "write", done: bytes, total: plan.segments.reduce(0) { $0 + $1.bytes.count },
                        bytesPerSecond: seconds > 0 ? Double(bytes) / seconds : 0))
            }
            try controller.lock()
            session.events(.stage("verify", detail: "read back"))
            for segment in plan.segments {
                let back = try session.probe.readMemory(UInt32(segment.address), count: segment.bytes.count)
                if let index = back.indices.first(where: { back[$0] != segment.bytes[$0] }) {
                    let at = segment.address + UInt64(index)
                    throw BootwireError(
                        .verifyMismatch, "flash differs from the image at \(hex(at))",
                        hint:
                            "erase and flash again; if it repeats, check the option bytes (`bootwire option-bytes show`)",
                        evidence: [
                            "address": hex(at), "expected": String(format: "%02X", segment.bytes[index]),
                            "read": String(format: "%02X", back[index]),
                        ])
                }
            }
            if let go {
                // A reset starts the core at the vector table the boot configuration selects;
                // running from another address would need the core's registers set, which this
                // path does not do, so say so rather than pretend.
                if try parseAddress(go, option: "--go") != 0x0800_0000 {
                    session.events(
                        .note(
                            .info("--go \(go): the core restarts from its boot vector (BOOT0/nBOOT0 decide), not \(go)")
                        ))
                }
                session.events(.stage("go", detail: "reset and run"))
                try session.resetAndRun()
            }
            return (bytes, erased)
        }
        let seconds = Double(MonotonicClock.now() - started) / 1e9
        var summary = stats
        summary["segments"] = "\(plan.segments.count)"
        summary["bytes"] = "\(done.0)"
        summary["erased-units"] = "\(done.1)"
        summary["verified"] = "yes"
        summary["seconds"] = String(format: "%.2f", seconds)
        summary["bytes-per-second"] = String(format: "%.0f", Double(done.0) / max(seconds, 1e-9))
        try renderer.finish(JobResult(summary: summary))
    }

    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never
    {
        let (facts, _) = try await SWDSessionRunner.run(connection: connection, port: port, renderer: renderer) {
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
        try await SWDSessionRunner.run(connection: connection, port: port, renderer: renderer) { session in
            if let controller = session.controller, let refused = try controller.readProtection() {
                let region = flashRegion(controller.layout).range
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

    static func erase(connection: ConnectionOptions, port: String, range: Range<Int>?, renderer: Renderer) async throws
    {
        _ = try await SWDSessionRunner.run(connection: connection, port: port, renderer: renderer) { session in
            let controller = try session.flash()
            if let refused = try controller.readProtection() { throw refused }
            try controller.unlock()
            if let range {
                let units = controller.layout.sectors(covering: UInt64(range.lowerBound), count: range.count)
                guard !units.isEmpty else {
                    throw BootwireError(.addressOutOfRange, "\(hex(UInt64(range.lowerBound))) is not in flash")
                }
                session.events(.stage("erase", detail: "\(units.count) pages/sectors"))
                for unit in units { try controller.erase(unit) }
            } else {
                session.events(.stage("erase", detail: "mass erase"))
                try controller.massErase()
            }
            try controller.lock()
        }
    }

    /// Page numbers as the bootloader counts them: bank 2's after bank 1's.
    static func erase(connection: ConnectionOptions, port: String, pages: [Int], renderer: Renderer) async throws {
        _ = try await SWDSessionRunner.run(connection: connection, port: port, renderer: renderer) { session in
            let controller = try session.flash()
            if let refused = try controller.readProtection() { throw refused }
            let bank1 = controller.layout.sectors.filter { $0.bank == 1 }.count
            let units = try pages.map { page in
                guard
                    let unit = controller.layout.sectors.first(where: {
                        ($0.bank == 1 ? $0.number : bank1 + $0.number) == page
                    })
                else {
                    throw BootwireError(
                        .addressOutOfRange, "page \(page) does not exist",
                        hint: "pages run 0-\(controller.layout.sectors.count - 1)")
                }
                return unit
            }
            try controller.unlock()
            session.events(.stage("erase", detail: "pages \(pages.first ?? 0)-\(pages.last ?? 0)"))
            for unit in units { try controller.erase(unit) }
            try controller.lock()
        }
    }
}
