import ArgumentParser
import BootwireCore
import DFU
import Foundation
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
        connection: ConnectionOptions, port: String, events: @escaping EventSink,
        _ body: @escaping @Sendable (DfuSeSession, any USBBus) throws -> T
    ) async throws -> T {
        if !VirtualUSBPort.isVirtualUSB(port) { try LibUSBBus.configured().load() }
        return try await connection.withUSB(port: port, match: { _ in stDFU }) { bus, record in
            events(.stage("connect", detail: "\(record.ids) \(record.serial ?? "") (ROM DFU)"))
            let session = try DfuSeSession.connect(bus: bus, record: record, events: events)
            defer { session.close() }
            return try body(session, bus)
        }
    }

    static func hex(_ value: some BinaryInteger) -> String { DFUText.hex(value) }

    /// Identity, every alt with its parsed layout, the option bytes decoded, and on a WB the
    /// secure area. FUS's state is left to `bootwire fus info`: a second FUS_GET_STATE starts
    /// FUS and reboots the chip, which `info` must never do.
    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never
    {
        let facts = try await withSession(connection: connection, port: port, events: renderer.sink) { session, _ in
            session.identity.facts.map { [$0.0, $0.1] }
        }
        try finishFacts(facts.map { ($0[0], $0[1]) }, json: json, renderer: renderer)
    }

    static func read(connection: ConnectionOptions, port: String, start: Int, count: Int, renderer: Renderer)
        async throws -> [UInt8]
    {
        try await withSession(connection: connection, port: port, events: renderer.sink) { session, _ in
            let regions = (session.identity.flash.map(DfuSePart.regions) ?? []).filter { $0.size > 0 }.map {
                MemoryRegion(name: "flash", range: UInt64($0.start)...$0.end - 1)
            }
            try MemorySpan(start: UInt64(start), count: UInt64(count)).check(in: regions, complete: false)
            session.events(.stage("read", detail: "\(hex(start)), \(count) bytes"))
            return try session.read(address: UInt32(start), length: count, label: "read")
        }
    }

    /// Pages numbered from 0 in the order alt 0's layout lists them.
    static func erase(
        connection: ConnectionOptions, port: String, pages: ClosedRange<Int>, gate: ChangeGate, renderer: Renderer
    ) async throws {
        try await withSession(connection: connection, port: port, events: renderer.sink) { session, _ in
            guard let layout = session.identity.flash else { throw BootwireError(.dfuNotDfuSe, "alt 0 has no layout") }
            let all = layout.allPages
            let list = try PageNumbers.list(pages, pageCount: all.count)
            let what = "pages \(pages.lowerBound)-\(pages.upperBound)"
            guard gate.allows("erase \(what)", events: session.events) else { return }
            session.events(.stage("erase", detail: what))
            try session.erase(list.map { all[$0] })
        }
    }

    /// Read Unprotect (0x92): RDP back to level 0 and the flash mass-erased; the part resets.
    static func unprotectReadout(connection: ConnectionOptions, port: String, renderer: Renderer) async throws {
        try await withSession(connection: connection, port: port, events: renderer.sink) { session, _ in
            session.events(.stage("unprotect", detail: "read unprotect (0x92): mass erase, RDP level 0"))
            try session.readUnprotect()
        }
    }

    /// Clears WRP by writing the option bytes back without it; the part resets.
    static func unprotectWrite(connection: ConnectionOptions, port: String, renderer: Renderer) async throws {
        try await withSession(connection: connection, port: port, events: renderer.sink) { session, _ in
            guard var options = session.identity.optionBytes else {
                throw BootwireError(.dfuNotDfuSe, "this device's option bytes could not be read")
            }
            options.clearWriteProtection()
            session.events(.stage("unprotect", detail: "option bytes without write protection"))
            try session.writeOptionBytes(options)
        }
    }
}
