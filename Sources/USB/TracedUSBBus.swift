import BootwireCore

/// `--trace` on a USB route: every transfer through the seam, so DFU and the ST-LINK (and any
/// protocol above a `USBDeviceHandle`) are traced by one wrapper. The lines are the serial
/// trace's (`WireTrace`): time, the device (`PORTPATH/VID:PID`, stable across re-enumeration),
/// a direction, then
/// - `> setup B0 … B7`: a control transfer's setup packet, as on the wire;
/// - `> ep00 …` / `< ep00 …`: its data stage out / in;
/// - `> ep01 …` / `< ep81 …`: bulk data on that endpoint;
/// - `= …`: open, claim, alternate settings, close, a transfer's failure (`ep81 timeout`) and
///   what the protocol above says it is doing (`stlink DEBUG READMEM_32`).
public struct TracedUSBBus: USBBus {
    public let bus: any USBBus
    public let trace: WireTrace

    public init(_ bus: any USBBus, trace: WireTrace) {
        self.bus = bus
        self.trace = trace
    }

    public func devices() throws -> [USBDeviceRecord] { try bus.devices() }

    public func open(_ device: USBDeviceRecord) throws -> any USBDeviceHandle {
        let name = TracedUSBDeviceHandle.name(device)
        do {
            let handle = try bus.open(device)
            trace.record(event: "open bus \(device.bus) address \(device.address)", port: name)
            return TracedUSBDeviceHandle(handle, trace: trace)
        } catch {
            trace.record(event: "open failed: \(TracedUSBDeviceHandle.failure(error))", port: name)
            throw error
        }
    }

    public var modelledTime: USBModelledTime? { bus.modelledTime }
    public var clock: any WaitClock { bus.clock }
}

/// One traced device handle: the transfers of `handle`, recorded as they pass.
public final class TracedUSBDeviceHandle: USBDeviceHandle, @unchecked Sendable {
    public let handle: any USBDeviceHandle
    private let trace: WireTrace
    private let name: String

    public init(_ handle: any USBDeviceHandle, trace: WireTrace) {
        self.handle = handle
        self.trace = trace
        name = Self.name(handle.record)
    }

    static func name(_ record: USBDeviceRecord) -> String { record.portPath + "/" + record.ids }

    static func failure(_ error: Error) -> String { (error as? USBError)?.name ?? "\(error)" }

    static func endpoint(_ address: UInt8) -> String { "ep" + Hex.string([address]) }

    public var record: USBDeviceRecord { handle.record }
    public var clock: any WaitClock { handle.clock }

    public func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8] {
        trace.record(.output, setup.bytes, port: name, label: "setup")
        if !setup.isIn { trace.record(.output, data, port: name, label: "ep00") }
        let answer = try traced("ep00") { try handle.control(setup, data: data, timeout: timeout) }
        if setup.isIn { trace.record(.input, answer, port: name, label: "ep00") }
        return answer
    }

    public func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws {
        let label = Self.endpoint(endpoint)
        trace.record(.output, data, port: name, label: label)
        try traced(label) { try handle.bulkWrite(endpoint: endpoint, data, timeout: timeout) }
    }

    public func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] {
        let label = Self.endpoint(endpoint)
        let answer = try traced(label) { try handle.bulkRead(endpoint: endpoint, length: length, timeout: timeout) }
        trace.record(.input, answer, port: name, label: label)
        return answer
    }

    public func claimInterface(_ number: UInt8) throws {
        try traced("claim \(number)") { try handle.claimInterface(number) }
        trace.record(event: "claim \(number)", port: name)
    }

    public func setAlternateSetting(interface: UInt8, alternate: UInt8) throws {
        let what = "alternate \(interface)/\(alternate)"
        try traced(what) { try handle.setAlternateSetting(interface: interface, alternate: alternate) }
        trace.record(event: what, port: name)
    }

    public func close() {
        handle.close()
        trace.record(event: "close", port: name)
    }

    public func annotate(_ text: @autoclosure () -> String) {
        let line = text()
        trace.record(event: line, port: name)
        handle.annotate(line)
    }

    /// Runs one operation; a failure is a `=` line naming what failed and how.
    private func traced<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            trace.record(event: "\(what) \(Self.failure(error))", port: name)
            throw error
        }
    }
}
