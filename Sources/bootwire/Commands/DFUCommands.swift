import ArgumentParser
import BootwireCore
import DFU
import Foundation
import QCC743
import STM32
import USB
import VirtualDevices

/// The verbs (`flash`, `info`, `read`, `erase`) on the STM32 ROM bootloader over USB DFU (DfuSe).
enum DFUCommands {
    static let stDFU = USBDeviceMatch(vendorID: 0x0483, productIDs: [0xDF11], name: ConnectionOptions.dfuPort)

    /// Connects a DfuSe session on a worker thread and runs `body` with it (and the bus, for
    /// paths that follow the device through reboots). libusb is loaded first for real ports so
    /// that a missing library is named before the bus is searched.
    static func withSession<T: Sendable>(
        connection: ConnectionOptions, port: String, renderer: Renderer,
        _ body: @escaping @Sendable (DfuSeSession, any USBBus) throws -> T
    ) async throws -> T {
        if !VirtualUSBPort.isVirtualUSB(port) { try LibUSBBus().load() }
        let events = renderer.sink
        return try await connection.withUSB(port: port, match: { _ in stDFU }) { bus, record in
            events(.stage("connect", detail: "\(record.ids) \(record.serial ?? "") (ROM DFU)"))
            let session = try DfuSeSession.connect(bus: bus, record: record, events: events)
            defer { session.close() }
            return try body(session, bus)
        }
    }

    static func hex(_ value: some BinaryInteger) -> String { DFUText.hex(value) }

    /// Erases the pages the images touch (or mass erase), downloads each segment, verifies it by
    /// upload, then leaves DFU at `go` if given (a device that leaves the bus has succeeded).
    static func flash(
        images: [String], erase: EraseMode, go: String?, connection: ConnectionOptions, port: String, renderer: Renderer
    ) async throws -> Never {
        let plan = try loadPlan(images)
        let goAddress = try go.map { try UInt32(parseAddress($0, option: "--go")) }
        let started = MonotonicClock.now()
        let written = try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            var pages: [DfuSeMemoryLayout.Page] = []
            for segment in plan.segments {
                guard segment.lastAddress <= UInt64(UInt32.max) else {
                    throw BootwireError(.addressOutOfRange, "\(segment) lies beyond 32-bit addresses")
                }
                pages += try session.pages(covering: UInt32(segment.address), length: segment.bytes.count)
            }
            switch erase {
            case .chip:
                session.events(.stage("erase", detail: "mass erase"))
                try session.select(0)
                try session.massErase()
            case .sections:
                // Every page first, then the writes: two segments in one page must not erase each other.
                session.events(.stage("erase", detail: "the \(Set(pages).count) pages the images touch"))
                try session.erase(pages)
            case .none:
                break
            }
            var bytes = 0
            for segment in plan.segments {
                let address = UInt32(segment.address)
                session.events(
                    .stage(
                        "write",
                        detail: "\(hex(address)), \(segment.bytes.count) bytes from \(segment.originDescription)"))
                try session.select(0)
                try session.write(segment.bytes, at: address)
                session.events(.stage("verify", detail: "upload of \(hex(address)), \(segment.bytes.count) bytes"))
                let back = try session.read(address: address, length: segment.bytes.count, label: "verify")
                if let first = back.indices.first(where: { back[$0] != segment.bytes[$0] }) {
                    throw BootwireError(
                        .verifyMismatch,
                        "flash differs from \(segment.originDescription) at \(hex(address + UInt32(first)))",
                        hint: "erase and flash again; if it repeats, the flash may be worn or write-protected",
                        evidence: ["address": hex(address + UInt32(first))])
                }
                bytes += segment.bytes.count
            }
            if let goAddress {
                session.events(.stage("go", detail: "leave DFU at \(hex(goAddress))"))
                try session.leave(at: goAddress)
            }
            return bytes
        }
        try renderer.finish(
            JobResult(summary: flashSummary(plan, bytes: written, started: started)))
    }

    /// Identity, every alt with its parsed layout, the option bytes decoded, and on a WB the
    /// secure area. FUS's state is left to `bootwire fus info`: a second FUS_GET_STATE starts
    /// FUS and reboots the chip, which `info` must never do.
    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never
    {
        let facts = try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            session.identity.facts.map { [$0.0, $0.1] }
        }
        try finishFacts(facts.map { ($0[0], $0[1]) }, json: json, renderer: renderer)
    }

    static func read(connection: ConnectionOptions, port: String, start: Int, count: Int, renderer: Renderer)
        async throws -> [UInt8]
    {
        try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            session.events(.stage("read", detail: "\(hex(start)), \(count) bytes"))
            return try session.read(address: UInt32(start), length: count, label: "read")
        }
    }

    static func erase(connection: ConnectionOptions, port: String, range: Range<Int>?, renderer: Renderer) async throws
    {
        try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            if let range {
                session.events(.stage("erase", detail: "\(hex(range.lowerBound))..\(hex(range.upperBound))"))
                try session.erase(try session.pages(covering: UInt32(range.lowerBound), length: range.count))
            } else {
                session.events(.stage("erase", detail: "mass erase"))
                try session.select(0)
                try session.massErase()
            }
        }
    }

    /// Pages numbered from 0 in the order alt 0's layout lists them.
    static func erase(connection: ConnectionOptions, port: String, pages: [Int], renderer: Renderer) async throws {
        try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            guard let layout = session.identity.flash else { throw BootwireError(.dfuNotDfuSe, "alt 0 has no layout") }
            let all = layout.allPages
            guard let bad = pages.first(where: { $0 < 0 || $0 >= all.count }) else {
                session.events(.stage("erase", detail: "pages \(pages.first ?? 0)-\(pages.last ?? 0)"))
                try session.erase(pages.map { all[$0] })
                return
            }
            throw BootwireError(
                .addressOutOfRange, "page \(bad) does not exist: alt 0 has pages 0-\(all.count - 1)",
                evidence: ["page": "\(bad)"])
        }
    }

    /// Read Unprotect (0x92): RDP back to level 0 and the flash mass-erased; the part resets.
    static func unprotectReadout(connection: ConnectionOptions, port: String, renderer: Renderer) async throws {
        try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            session.events(.stage("unprotect", detail: "read unprotect (0x92): mass erase, RDP level 0"))
            try session.readUnprotect()
        }
    }

    /// Clears WRP by writing the option bytes back without it; the part resets.
    static func unprotectWrite(connection: ConnectionOptions, port: String, renderer: Renderer) async throws {
        try await withSession(connection: connection, port: port, renderer: renderer) { session, _ in
            guard var options = session.identity.optionBytes else {
                throw BootwireError(.dfuNotDfuSe, "this device's option bytes could not be read")
            }
            options.clearWriteProtection()
            session.events(.stage("unprotect", detail: "option bytes without write protection"))
            try session.writeOptionBytes(options)
        }
    }
}
