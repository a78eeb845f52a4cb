import BootwireCore
import Foundation
import USB

/// DFU 1.1 class requests on one claimed interface, and the waiting that DfuSe operations need.
/// Blocking; runs on a port worker.
public final class DFUClient: @unchecked Sendable {
    public let handle: any USBDeviceHandle
    public let interface: UInt8
    /// Each GETSTATUS is answered with dfuDNBUSY until at least this long after the operation
    /// began: not waiting is a bug a device punishes.
    let pause: @Sendable (Int) -> Void

    public init(handle: any USBDeviceHandle, interface: UInt8 = 0) {
        self.handle = handle
        self.interface = interface
        let clock = handle.clock
        pause = { milliseconds in if milliseconds > 0 { clock.sleep(milliseconds: milliseconds) } }
    }

    /// Runs a USB call, turning transport failures into coded errors that say what was under way.
    func usb<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as USBError {
            throw BootwireError.usb(error, what())
        }
    }

    public func getStatus(timeout: Duration = .seconds(5)) throws -> DFUStatusReply {
        let bytes = try handle.controlIn(
            requestType: USBSetup.classInterfaceIn, request: DFURequest.getStatus.rawValue, index: UInt16(interface),
            length: 6, timeout: timeout)
        guard let reply = DFUStatusReply(bytes: bytes) else {
            throw BootwireError(
                .protocolError, "GETSTATUS returned \(bytes.count) bytes that are not a DFU status",
                evidence: ["bytes": Hex.string(bytes)])
        }
        return reply
    }

    public func clearStatus() throws {
        try handle.controlOut(
            requestType: USBSetup.classInterfaceOut, request: DFURequest.clearStatus.rawValue, index: UInt16(interface))
    }

    public func abort() throws {
        try handle.controlOut(
            requestType: USBSetup.classInterfaceOut, request: DFURequest.abort.rawValue, index: UInt16(interface))
    }

    public func download(block: UInt16, _ data: [UInt8]) throws {
        try handle.controlOut(
            requestType: USBSetup.classInterfaceOut, request: DFURequest.download.rawValue, value: block,
            index: UInt16(interface), data: data)
    }

    public func upload(block: UInt16, length: Int) throws -> [UInt8] {
        try handle.controlIn(
            requestType: USBSetup.classInterfaceIn, request: DFURequest.upload.rawValue, value: block,
            index: UInt16(interface), length: length)
    }

    /// Brings the device to dfuIDLE before an operation (qFlipper's step): an error status is
    /// cleared, any other state aborted. CLRSTATUS outside dfuERROR would itself cause an error.
    public func prepare() throws {
        try usb("preparing the DFU interface") {
            let reply = try getStatus()
            if reply.status != .ok || reply.state == .error {
                try clearStatus()
            } else if reply.state != .dfuIdle {
                try abort()
            }
        }
    }

    /// How long to keep polling an operation, and how patiently.
    public struct Wait: Sendable {
        /// The whole wait may not exceed this, whatever the device keeps reporting.
        public var limit: Duration
        /// Return after the first (busy) reply: the device will not answer again (0x92).
        public var firstReplyOnly = false
        /// How long one GETSTATUS may take to be answered.
        public var statusTimeout: Duration = .seconds(5)
        public init(limit: Duration = .seconds(10), firstReplyOnly: Bool = false, statusTimeout: Duration = .seconds(5))
        {
            self.limit = limit
            self.firstReplyOnly = firstReplyOnly
            self.statusTimeout = statusTimeout
        }
        public static let normal = Wait()
        /// dfu-util's F405 workaround: a mass erase gets at least 35 s whatever the device says,
        /// and GETSTATUS may block through the erase (dfu-util sleeps 35 s before asking), so one
        /// GETSTATUS may take that long too, and one that times out is asked again until then.
        public static let massErase = Wait(limit: .seconds(35), statusTimeout: .seconds(35))
    }

    /// Polls after a download or a DfuSe command until the device is done: the first reply must
    /// be dfuDNBUSY (dfu-util's rule), each busy reply is waited out for its bwPollTimeout, a
    /// STALLed GETSTATUS is retried up to 3 times after the last timeout (L4 ROMs that report
    /// too short a timeout), and 100 busy replies in a row with a zero timeout mean stuck.
    @discardableResult
    public func waitUntilDone(_ operation: String, address: UInt32?, wait: Wait = .normal) throws -> DFUStatusReply {
        let clock = handle.clock
        let deadline = clock.instant(after: wait.limit)
        var first = true
        var zeroPolls = 0
        var stalls = 0
        var lastTimeout = 0
        while true {
            let reply: DFUStatusReply
            do {
                reply = try getStatus(
                    timeout: min(wait.statusTimeout, max(clock.remaining(until: deadline), .seconds(1))))
            } catch USBError.timeout where wait.statusTimeout > .seconds(5) && clock.now() < deadline {
                // A long operation: the device answers when it is done.
                continue
            } catch USBError.stall where stalls < 3 {
                stalls += 1
                pause(lastTimeout)
                continue
            } catch let error as USBError {
                throw BootwireError.usb(error, operation)
            }
            stalls = 0
            if reply.state == .error || reply.status != .ok {
                try? clearStatus()
                throw Self.failure(reply, operation, address: address)
            }
            if first {
                first = false
                guard reply.state == .downloadBusy else {
                    throw BootwireError(
                        .dfuWrongState, "the device reported \(reply.state) right after \(operation), not dfuDNBUSY",
                        hint: "replug the device and try again; if it repeats, report it with --trace",
                        evidence: evidence(reply, address))
                }
                if wait.firstReplyOnly { return reply }
            }
            switch reply.state {
            case .downloadBusy:
                zeroPolls = reply.pollTimeout == 0 ? zeroPolls + 1 : 0
                if zeroPolls >= 100 || clock.now() >= deadline {
                    throw BootwireError(
                        .dfuStuck, "the device stayed busy with \(operation)",
                        hint: "power-cycle the board and try again", evidence: evidence(reply, address))
                }
                lastTimeout = reply.pollTimeout
                pause(reply.pollTimeout)
            case .downloadIdle, .dfuIdle, .manifest, .manifestWaitReset:
                return reply
            default:
                throw BootwireError(
                    .dfuWrongState, "the device reported \(reply.state) during \(operation)",
                    evidence: evidence(reply, address))
            }
        }
    }

    func evidence(_ reply: DFUStatusReply, _ address: UInt32?) -> [String: String] {
        var evidence = ["state": "\(reply.state)", "status": "\(reply.status)", "poll-ms": "\(reply.pollTimeout)"]
        if let address { evidence["address"] = Hex.address(address, uppercase: true) }
        return evidence
    }

    static func failure(_ reply: DFUStatusReply, _ operation: String, address: UInt32?) -> BootwireError {
        var evidence = ["state": "\(reply.state)", "status": "\(reply.status)"]
        if let address { evidence["address"] = Hex.address(address, uppercase: true) }
        let hint: String =
            switch reply.status {
            case .errTarget, .errAddress:
                "the address is outside this memory, in the secure area, or the part is read-protected (`bootwire info`)"
            case .errErase, .errWrite:
                "the page may be write-protected (WRP): `bootwire info` shows it; `bootwire unprotect --write` clears it"
            case .errProg, .errCheckErased, .errVerify:
                "the flash was not erased first; erase the pages and write again"
            default: "run the command again; replug the device if it repeats"
            }
        return BootwireError(
            reply.status.errorCode, "the device answered \(reply.status) to \(operation)", hint: hint,
            evidence: evidence)
    }
}
