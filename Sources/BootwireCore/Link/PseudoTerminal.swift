import CSerial
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The master side of a pseudo-terminal: what a virtual device (or a test) holds while a
/// client opens `slavePath` as if it were a serial port.
public final class PseudoTerminal: @unchecked Sendable {
    public let masterFD: Int32
    public let slavePath: String

    public init() throws {
        var name = [CChar](repeating: 0, count: 128)
        let fd = bw_open_pty(&name, name.count)
        guard fd >= 0 else { throw BootwireError.posix(.portIO, "cannot create a pseudo-terminal", errno: errno) }
        masterFD = fd
        slavePath = String(cString: name)
        // Raw on the slave side too, so that nothing the device sends is translated before a
        // client sets its own mode.
        var tio = termios()
        if tcgetattr(fd, &tio) == 0 {
            cfmakeraw(&tio)
            tcsetattr(fd, TCSANOW, &tio)
        }
    }

    deinit { close(masterFD) }

    /// The rate the client set on the slave: `tcgetattr` on the master returns the slave's settings.
    public var clientBaud: Int {
        var ispeed: UInt32 = 0
        var ospeed: UInt32 = 0
        return bw_get_baud(masterFD, &ispeed, &ospeed) == 0 ? Int(ospeed) : 0
    }

    /// True while no client has the slave open (the master then polls as hung up).
    public var clientClosed: Bool {
        var pfd = pollfd(fd: masterFD, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0 && (pfd.revents & Int16(POLLHUP)) != 0
    }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(masterFD, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if errno == EAGAIN || errno == EINTR {
                var pfd = pollfd(fd: masterFD, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, 100) == 0 || (pfd.revents & Int16(POLLHUP)) != 0 { return }
            } else {
                return  // no client: bytes on a line nobody listens to are lost, as on a wire
            }
        }
    }

    public enum ReadResult { case bytes([UInt8]), timeout, clientClosed }

    public func read(max: Int = 8192, timeoutMilliseconds: Int32) -> ReadResult {
        var pfd = pollfd(fd: masterFD, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, timeoutMilliseconds)
        if ready <= 0 { return .timeout }
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(masterFD, $0.baseAddress, max) }
        if n > 0 { return .bytes(Array(buffer[0..<n])) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return .timeout }
        return .clientClosed
    }
}
