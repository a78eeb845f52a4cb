import BootwireCore
import Foundation
import USB

/// The four FUS operations a host can ask through a bootloader (spec 8.2). The USB DFU side is
/// known from a production tool; the UART side is not publicly specified.
public protocol FUSTransport: AnyObject {
    func state() throws -> FUSState
    func delete() throws
    func upgrade() throws
    func startStack() throws
}

/// FUS over the UART bootloader: spec 8.6 has only hypotheses, and guessing an encoding at a
/// chip's secure firmware is how parts get bricked.
public final class UARTFUSTransport: FUSTransport {
    public init() {}

    static var unspecified: BootwireError {
        BootwireError(
            .fusUARTUnspecified,
            "FUS over the STM32 UART bootloader is not publicly specified; Bootwire does not guess its encoding",
            hint: "connect the STM32WB's USB (BOOT0 high) and use --port usb:0483:df11 (or --dfu)")
    }

    public func state() throws -> FUSState { throw Self.unspecified }
    public func delete() throws { throw Self.unspecified }
    public func upgrade() throws { throw Self.unspecified }
    public func startStack() throws { throw Self.unspecified }
}

/// FUS through the ROM USB DFU bootloader (qFlipper's sequences). The chip reboots and
/// re-enumerates during FUS work; every call finds the device again when it has gone.
public final class DFUFUSTransport: FUSTransport, @unchecked Sendable {
    /// The virtual address whose two bytes are FUS's (state, error).
    public static let stateAddress: UInt32 = 0xFFFF_0054
    /// The FUS version in the Device Information Table, valid while FUS runs.
    public static let fusVersionAddress: UInt32 = 0x2003_0030
    /// The wireless stack's version, two words on in the same table (AN5185, the information
    /// table while FUS runs; the offset is UNCONFIRMED on silicon).
    public static let stackVersionAddress: UInt32 = 0x2003_0038

    public let bus: any USBBus
    let serial: String?
    let portPath: String
    let events: EventSink
    public private(set) var session: DfuSeSession
    /// How long a reboot may keep the device off the bus.
    public var reenumerationLimit: Duration = .seconds(15)

    public init(bus: any USBBus, session: DfuSeSession, events: @escaping EventSink) {
        self.bus = bus
        self.session = session
        self.events = events
        serial = session.identity.record.serial
        portPath = session.identity.record.portPath
    }

    /// The same chip again after it rebooted: same VID:PID and serial (or the same port chain).
    func isOurs(_ record: USBDeviceRecord) -> Bool {
        let base = session.identity.record
        guard record.vendorID == base.vendorID, record.productID == base.productID else { return false }
        if let serial { return record.serial == serial }
        return record.portPath == portPath
    }

    /// Waits for the chip to come back and connects again; a failed open or claim while it
    /// re-enumerates is waited out, up to `reenumerationLimit`.
    public func reconnect() throws {
        session.close()
        events(.note(.info("waiting for the device to come back on USB")))
        session = try DeviceReset.reconnect(bus: bus, limit: reenumerationLimit, events: events, where: isOurs)
    }

    /// Runs `body`; if the chip is resetting (a FUS reboot: no device, IO, PIPE or TIMEOUT),
    /// finds it again and runs it once more.
    func onDevice<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error where DeviceReset.isSymptom(error) {
            try reconnect()
            return try body()
        }
    }

    public func state() throws -> FUSState {
        try onDevice {
            let bytes = try session.read(address: Self.stateAddress, length: 2)
            guard let state = FUSState(bytes: bytes) else {
                throw BootwireError(.protocolError, "FUS_GET_STATE returned \(bytes.count) bytes")
            }
            return state
        }
    }

    /// The FUS version from the Device Information Table (only while FUS runs).
    public func fusVersion() throws -> (Int, Int, Int)? { try version(at: Self.fusVersionAddress) }

    /// The installed wireless stack's version from the same table (only while FUS runs).
    public func stackVersion() throws -> (Int, Int, Int)? { try version(at: Self.stackVersionAddress) }

    /// A version word of the table: major, minor, sub in its three high bytes; nil when blank.
    func version(at address: UInt32) throws -> (Int, Int, Int)? {
        let bytes = try session.read(address: address, length: 4)
        guard bytes.count == 4, bytes != [0, 0, 0, 0], bytes != [0xFF, 0xFF, 0xFF, 0xFF] else { return nil }
        return (Int(bytes[3]), Int(bytes[2]), Int(bytes[1]))
    }

    public func delete() throws { try send(.fusDelete, "FW_DELETE") }
    public func upgrade() throws { try send(.fusUpgrade, "FW_UPGRADE") }
    public func startStack() throws { try send(.fusStartStack, "START_WS") }

    /// A one-byte DfuSe command on alt 0; the chip may reboot before or after answering, which
    /// is how these commands succeed.
    func send(_ command: DfuSeCommand, _ name: String) throws {
        try onDevice { try session.select(0) }
        do {
            try session.client.usb(name) { try session.client.download(block: DfuSeBlock.command, [command.rawValue]) }
            try session.client.waitUntilDone(name, address: nil)
        } catch let error where DeviceReset.isSymptom(error) {
            // The chip reboots to do the work: FUS_GET_STATE polling decides how it went.
            return
        }
    }
}
