import CSerial
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A serial port (or pseudo-terminal) opened raw, exclusive and non-blocking: a thin typed
/// layer over termios in the spirit of swift-system. Blocking calls: use from a `PortWorker`.
public final class SerialPort: Link, @unchecked Sendable {
    public let name: String
    public let path: String
    public private(set) var capabilities: LinkCapabilities
    public private(set) var settings = LineSettings(baud: 0, parity: .none)
    /// Set by the command; the bridge's latency request, made before, is its first line.
    public var trace: WireTrace? {
        didSet { trace?.record(event: "latency \(capabilities.latency.summary)", port: name) }
    }

    public func traceEvent(_ text: String) { trace?.record(event: text, port: name) }

    private var fd: Int32
    private let latencyControl: BridgeLatencyControl

    private init(path: String, fd: Int32, capabilities: LinkCapabilities, latencyControl: BridgeLatencyControl) {
        self.path = path
        self.name = path
        self.fd = fd
        self.capabilities = capabilities
        self.latencyControl = latencyControl
    }

    /// Opens `path` for exclusive use. A second opener (even root) gets `port-busy`. With
    /// `setup.lowestLatency` the bridge is asked for its shortest hold time (every serial
    /// route opens here, so every route gets it); `close` puts the old value back.
    public static func open(_ path: String, setup: SerialPortSetup = SerialPortSetup()) throws -> SerialPort {
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let err = errno
            switch err {
            case ENOENT, ENXIO, ENODEV:
                throw BootwireError(
                    .portNotFound, "no serial port at \(path)",
                    hint: "run `bootwire list` to see the ports on this machine; a USB adapter may have been unplugged",
                    evidence: ["errno": "\(err)"])
            case EACCES, EPERM:
                throw PortPermission.error(path: path)
            case EBUSY:
                throw busy(path)
            default:
                throw BootwireError.posix(.portIO, "cannot open \(path)", errno: err)
            }
        }
        // TIOCEXCL stops other opens (except root's); flock stops root's too, and is what
        // pyserial and other tools check. flock first: a loser must not set TIOCEXCL on a tty
        // that someone else holds (on a pty the flag outlives our close).
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            Glibc.close(fd)
            throw busy(path)
        }
        if ioctl(fd, UInt(TIOCEXCL)) != 0 {
            let err = errno
            Glibc.close(fd)
            if err == ENOTTY {
                throw BootwireError(
                    .portNotATerminal, "\(path) is not a serial port",
                    hint: "pass a tty device such as /dev/ttyUSB0 or /dev/serial/by-id/…")
            }
            throw BootwireError.posix(.portIO, "cannot lock \(path)", errno: err)
        }
        // A program that opened the port without a lock (`cat /dev/ttyUSB0`, a serial monitor)
        // would share every byte: two readers garble a session, so it is named, not raced.
        if !PortHolders.find(path).isEmpty {
            _ = ioctl(fd, UInt(TIOCNXCL))
            Glibc.close(fd)
            throw busy(path)
        }
        let resolved = (try? FileManager.default.destinationOfSymbolicLinkResolved(path)) ?? path
        let isPty = resolved.hasPrefix("/dev/pts/")
        var lines: Int32 = 0
        let modemLines = ioctl(fd, UInt(TIOCMGET), &lines) == 0 && !isPty
        let control = BridgeLatencyControl()
        if setup.lowestLatency {
            control.lower(ttyPath: resolved, sysfsRoot: setup.sysfsRoot, flags: DescriptorSerialFlags(fd: fd))
        }
        let port = SerialPort(
            path: path, fd: fd,
            capabilities: LinkCapabilities(
                modemLines: modemLines, parity: !isPty, isPseudoTerminal: isPty, latency: control.state),
            latencyControl: control)
        return port
    }

    private static func busy(_ path: String) -> BootwireError {
        let holders = PortHolders.find(path)
        var error = BootwireError(
            .portBusy, "\(path) is in use by another program",
            hint: holders.isEmpty
                ? "close the serial terminal or flasher that has it open"
                : "close \(holders.joined(separator: ", ")) and try again")
        if !holders.isEmpty { error.evidence["held-by"] = holders.joined(separator: ", ") }
        return error
    }

    deinit { close() }

    public func close() {
        if fd >= 0 {
            // While the descriptor is open: the serial flags are put back through it.
            latencyControl.restore()
            // A pty's slave tty (unlike a real port's) outlives our close while its master is
            // open, and TIOCEXCL with it: every later open by a non-root user would get EBUSY.
            _ = ioctl(fd, UInt(TIOCNXCL))
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: line settings

    @discardableResult
    public func configure(baud: Int, parity: Parity) throws -> [Note] {
        var tio = termios()
        guard tcgetattr(fd, &tio) == 0 else {
            throw BootwireError.posix(.portSettings, "cannot read settings of \(path)", errno: errno)
        }
        cfmakeraw(&tio)
        tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
        tio.c_cflag &= ~(tcflag_t(CRTSCTS) | tcflag_t(CSTOPB | PARODD | PARENB))
        if parity == .even { tio.c_cflag |= tcflag_t(PARENB) }
        tio.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY | INPCK)
        tio.c_cc.16 = 0  // VTIME
        tio.c_cc.17 = 0  // VMIN
        if let standard = Self.standardRates[baud] {
            cfsetispeed(&tio, standard)
            cfsetospeed(&tio, standard)
        }
        if tcsetattr(fd, TCSANOW, &tio) != 0 {
            let err = errno
            // A pty refuses a parity-only change with EINVAL; retry without parity and warn below.
            guard capabilities.isPseudoTerminal, parity == .even else {
                throw BootwireError.posix(.portSettings, "\(path) refused \(baud) baud \(parity.frameName)", errno: err)
            }
            tio.c_cflag &= ~tcflag_t(PARENB)
            if tcsetattr(fd, TCSANOW, &tio) != 0 {
                throw BootwireError.posix(.portSettings, "\(path) refused \(baud) baud 8N1", errno: errno)
            }
        }
        if Self.standardRates[baud] == nil, bw_set_baud(fd, UInt32(baud)) != 0 {
            throw BootwireError.posix(
                .baudUnsupported, "\(path) refused \(baud) baud", errno: errno,
                hint: "this adapter or driver cannot run at \(baud); choose a lower rate")
        }
        return try readBack(requested: baud, parity: parity)
    }

    private func readBack(requested baud: Int, parity: Parity) throws -> [Note] {
        var notes: [Note] = []
        var ispeed: UInt32 = 0
        var ospeed: UInt32 = 0
        var tio = termios()
        guard bw_get_baud(fd, &ispeed, &ospeed) == 0, tcgetattr(fd, &tio) == 0 else {
            throw BootwireError.posix(.portSettings, "cannot read back settings of \(path)", errno: errno)
        }
        let actualParity: Parity = (tio.c_cflag & tcflag_t(PARENB)) != 0 ? .even : .none
        settings = LineSettings(baud: Int(ospeed), parity: actualParity)
        if Int(ospeed) != baud {
            let error = BootwireError(
                .baudUnsupported, "\(path) runs at \(ospeed) baud, not the \(baud) requested",
                hint: "the adapter cannot produce \(baud) baud; choose a rate it supports",
                evidence: ["requested": "\(baud)", "actual": "\(ospeed)"])
            let deviation = abs(Double(Int(ospeed) - baud)) / Double(baud)
            // UARTs tolerate about 2 % between the two ends.
            if deviation > 0.02 && !capabilities.isPseudoTerminal { throw error }
            notes.append(.warning(.baudUnsupported, error.message))
        }
        if actualParity != parity {
            if capabilities.isPseudoTerminal {
                notes.append(
                    .warning(
                        .ptyNoParity,
                        "\(path) is a pseudo-terminal, which carries no parity: using 8N1 instead of 8E1"))
            } else {
                throw BootwireError(
                    .portSettings, "\(path) did not accept \(parity.frameName)",
                    hint: "this adapter or driver does not support parity",
                    evidence: ["requested": parity.frameName, "actual": actualParity.frameName])
            }
        }
        trace?.record(event: "line \(settings.baud) \(actualParity.frameName)", port: name)
        return notes
    }

    private static let standardRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
        115200: speed_t(B115200), 230400: speed_t(B230400), 460800: speed_t(B460800),
        500000: speed_t(B500000), 576000: speed_t(B576000), 921600: speed_t(B921600),
        1000000: speed_t(B1000000), 1152000: speed_t(B1152000), 1500000: speed_t(B1500000),
        2000000: speed_t(B2000000), 2500000: speed_t(B2500000), 3000000: speed_t(B3000000),
        3500000: speed_t(B3500000), 4000000: speed_t(B4000000),
    ]

    // MARK: bytes

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        trace?.record(.output, bytes, port: name)
        // Generous: the time the bytes need on the wire, plus a second.
        let deadline = Deadline.after(milliseconds: 1000 + bytes.count * 10_000 / max(settings.baud, 1200))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
                continue
            }
            let err = errno
            if n < 0 && (err == EAGAIN || err == EINTR) {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, deadline.remainingMilliseconds) == 0 {
                    throw BootwireError(
                        .portIO, "\(path) did not accept data in time",
                        hint: "the adapter may be stalled by flow control")
                }
                continue
            }
            if err == EIO || err == ENXIO || err == ENODEV { throw disconnected() }
            throw BootwireError.posix(.portIO, "write to \(path) failed", errno: err)
        }
    }

    public func read(max: Int, deadline: Deadline) throws -> [UInt8] {
        // read(2) of 0 bytes returns 0, which below means the far end is gone.
        guard max > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, deadline.remainingMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw BootwireError.posix(.portIO, "poll on \(path) failed", errno: errno)
            }
            if ready == 0 { return [] }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) }
            if n > 0 {
                let bytes = Array(buffer[0..<n])
                trace?.record(.input, bytes, port: name)
                return bytes
            }
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                if deadline.hasPassed { return [] }
                continue
            }
            // EOF or EIO: the far end (adapter, or the pty's master) is gone.
            throw disconnected()
        }
    }

    private func disconnected() -> BootwireError {
        trace?.record(event: "disconnected", port: name)
        return BootwireError(
            .deviceDisconnected, "\(path) went away during the session",
            hint: "check the USB cable and the adapter; run the same command again to resume")
    }

    public func flushInput() throws {
        if tcflush(fd, TCIFLUSH) != 0 { throw BootwireError.posix(.portIO, "cannot flush \(path)", errno: errno) }
    }

    /// Bytes received and not yet read (TIOCINQ).
    public func queuedInput() throws -> Int {
        var count: Int32 = 0
        if ioctl(fd, UInt(TIOCINQ), &count) != 0 {
            throw BootwireError.posix(.portIO, "cannot ask \(path) for its input queue", errno: errno)
        }
        return Int(count)
    }

    public func drain() throws {
        if tcdrain(fd) != 0 && errno != EINTR {
            throw BootwireError.posix(.portIO, "cannot drain \(path)", errno: errno)
        }
    }

    public func setModemLine(_ line: ModemLine, asserted: Bool) throws {
        var bits: Int32 = line == .dtr ? TIOCM_DTR : TIOCM_RTS
        let request = asserted ? TIOCMBIS : TIOCMBIC
        if ioctl(fd, UInt(request), &bits) != 0 {
            let err = errno
            throw BootwireError(
                capabilities.isPseudoTerminal ? .ptyNoModemLines : .noModemLines,
                "\(path) has no \(line.rawValue.uppercased()) line",
                hint: "put the device into its boot loader by hand, or use an adapter with DTR/RTS wired",
                evidence: ["errno": "\(err)"])
        }
        trace?.record(event: "\(line.rawValue)=\(asserted ? 1 : 0)", port: name)
    }
}

extension Parity {
    var frameName: String { self == .even ? "8E1" : "8N1" }
}

extension FileManager {
    /// Follows a chain of symlinks (e.g. /dev/serial/by-id/… → ../../ttyUSB0) to the real path.
    func destinationOfSymbolicLinkResolved(_ path: String) throws -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
