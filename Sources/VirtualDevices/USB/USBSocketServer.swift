import BootwireCore
import Foundation
import USB

#if canImport(Glibc)
    import Glibc
#endif

/// Serves a `USBBus` on a Unix socket to the libusb-1.0 stand-in, so programs nobody here wrote
/// (dfu-util, stlink-tools, OpenOCD) reach the same virtual devices Bootwire's tests use. Each
/// connection is one client process; its handles close when it goes. Requests from all clients
/// are carried out one at a time, as the bus expects of a port worker. The server adds only what
/// the host's USB stack would (configuration selection, interface bookkeeping, bus reset); the
/// device answers everything else.
public final class USBSocketServer: @unchecked Sendable {
    private let bus: any USBBus
    public let path: String
    private let listener: Int32
    private let lock = NSLock()
    private var handles: [UInt32: Opened] = [:]
    private var nextHandle: UInt32 = 1
    /// Called after each client process has gone (its handles closed).
    public var onClientGone: (@Sendable () -> Void)?

    private final class Opened {
        let handle: any USBDeviceHandle
        var claimed: Set<UInt8> = []
        init(handle: any USBDeviceHandle) { self.handle = handle }
    }

    public init(bus: any USBBus, path: String) throws {
        self.bus = bus
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw BootwireError(
                .usage, "socket path is \(path.utf8.count) bytes; a Unix socket path holds at most \(capacity - 1)",
                hint: "choose a shorter path, e.g. /tmp/bootwire-usb.sock")
        }
        try OwnedPath.claim(path, as: .socket, option: "--socket")
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard listener >= 0, bound == 0, listen(listener, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            if listener >= 0 { Glibc.close(listener) }
            throw BootwireError(
                .portIO, "cannot listen on \(path): \(reason)", hint: "check the folder exists and is writable")
        }
    }

    /// Accepts clients on a thread of its own until `stop`.
    public func start() {
        let thread = Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                let connection = Thread { [self] in serve(client) }
                connection.start()
            }
        }
        thread.start()
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        OwnedPath.release(path, as: .socket)
    }

    // MARK: one client

    private func serve(_ client: Int32) {
        var mine: Set<UInt32> = []
        while let request = readFrame(client), let opByte = request.first {
            var fields = USBSocketWire.Fields(Array(request.dropFirst()))
            let (result, data) = lock.withLock { () -> (Int32, [UInt8]) in
                guard let op = USBSocketWire.Op(rawValue: opByte) else {
                    return (USBSocketWire.LibUSBCode.notSupported.rawValue, [])
                }
                do {
                    return try answer(op, &fields, opened: &mine)
                } catch {
                    return (USBSocketWire.code(for: error), [])
                }
            }
            let reply =
                USBSocketWire.le32(UInt32(4 + data.count)) + USBSocketWire.le32(UInt32(bitPattern: result)) + data
            guard writeAll(client, reply) else { break }
        }
        lock.withLock {
            for id in mine { handles.removeValue(forKey: id)?.handle.close() }
            onClientGone?()
        }
        Glibc.close(client)
    }

    private func answer(_ op: USBSocketWire.Op, _ fields: inout USBSocketWire.Fields, opened: inout Set<UInt32>) throws
        -> (Int32, [UInt8])
    {
        switch op {
        case .list:
            let records = try bus.devices()
            return (Int32(records.count), records.flatMap(USBSocketWire.listing))
        case .open:
            let busNumber = Int(try fields.u8())
            let address = Int(try fields.u8())
            guard let record = try bus.devices().first(where: { $0.bus == busNumber && $0.address == address }) else {
                throw USBError.noDevice
            }
            let handle = try bus.open(record)
            let id = nextHandle
            nextHandle += 1
            handles[id] = Opened(handle: handle)
            opened.insert(id)
            return (Int32(id), [])
        default:
            break
        }
        let id = try fields.u32()
        guard let opened = handles[id] else { throw USBError.notFound }
        let handle = opened.handle
        switch op {
        case .close:
            handle.close()
            handles[id] = nil
            return (0, [])
        case .control:
            let setup = USBSetup(
                requestType: try fields.u8(), request: try fields.u8(), value: try fields.u16(),
                index: try fields.u16(),
                length: try fields.u16())
            let timeout = Self.timeout(try fields.u32())
            let out = fields.rest()
            let answer = try handle.control(setup, data: out, timeout: timeout)
            return setup.isIn ? (Int32(answer.count), answer) : (Int32(out.count), [])
        case .bulk:
            let endpoint = try fields.u8()
            let length = Int(try fields.u32())
            let timeout = Self.timeout(try fields.u32())
            if endpoint & 0x80 != 0 {
                let answer = try handle.bulkRead(endpoint: endpoint, length: length, timeout: timeout)
                guard answer.count <= length else { throw USBError.overflow }
                return (Int32(answer.count), answer)
            }
            let out = fields.rest()
            try handle.bulkWrite(endpoint: endpoint, out, timeout: timeout)
            return (Int32(out.count), [])
        case .claim:
            let number = try fields.u8()
            try handle.claimInterface(number)
            opened.claimed.insert(number)
            return (0, [])
        case .release:
            guard opened.claimed.remove(try fields.u8()) != nil else { throw USBError.notFound }
            return (0, [])
        case .setAlternate:
            try handle.setAlternateSetting(interface: try fields.u8(), alternate: try fields.u8())
            return (0, [])
        case .reset:
            // A port reset keeps the address of a device that stays; one that has left the bus
            // (DFU manifest, reboot) is gone for this handle, which libusb reports as NOT_FOUND.
            let record = handle.record
            guard try bus.devices().contains(where: { $0.portPath == record.portPath && $0.address == record.address })
            else { throw USBError.notFound }
            return (0, [])
        case .clearHalt:
            _ = try fields.u8()
            return (0, [])
        case .setConfiguration:
            let value = Int32(bitPattern: try fields.u32())
            let configured = Int32(handle.record.configuration?.value ?? 1)
            guard value == configured || value == -1 else { throw USBError.notFound }
            return (0, [])
        case .getConfiguration:
            return (Int32(handle.record.configuration?.value ?? 1), [])
        case .list, .open:
            throw USBError.notSupported
        }
    }

    /// libusb's 0 means no limit.
    private static func timeout(_ milliseconds: UInt32) -> Duration {
        milliseconds == 0 ? .seconds(3600) : .milliseconds(Int64(milliseconds))
    }

    // MARK: frames

    private func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let head = readExactly(fd, 4) else { return nil }
        let length = Int(head[0]) | Int(head[1]) << 8 | Int(head[2]) << 16 | Int(head[3]) << 24
        guard length > 0, length <= 1 << 24 else { return nil }
        return readExactly(fd, length)
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var at = 0
        while at < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + at, count - at, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            at += n
        }
        return bytes
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + at, bytes.count - at, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            at += n
        }
        return true
    }
}
