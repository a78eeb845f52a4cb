import BootwireCore
import Foundation
import Testing

/// The far end going away (an adapter unplugged; here, the pty's master closed).
@MainActor @Suite struct SerialPortDisconnectTests {
    /// Holds the master so that another thread can drop the last reference (which closes it).
    private final class MasterHolder: @unchecked Sendable {
        var pty: PseudoTerminal?
        init(_ pty: PseudoTerminal) { self.pty = pty }
    }

    @Test("a read after the master closed throws device-disconnected at once")
    func readAfterMasterClosed() throws {
        var pty: PseudoTerminal? = try PseudoTerminal()
        let port = try SerialPort.open(try #require(pty).slavePath)
        defer { port.close() }
        try port.configure(baud: 115_200, parity: .none)
        pty = nil  // closes the master

        let start = MonotonicClock.now()
        let error = #expect(throws: BootwireError.self) {
            _ = try port.read(max: 16, deadline: .after(milliseconds: 1000))
        }
        #expect(error?.code == .deviceDisconnected)
        #expect(millisecondsSince(start) < schedulingSlack)
    }

    @Test(
        "a read waiting when the master closes throws device-disconnected, not empty at the deadline"
    )
    func blockedReadSeesDisconnect() throws {
        let holder = MasterHolder(try PseudoTerminal())
        let port = try SerialPort.open(try #require(holder.pty).slavePath)
        defer { port.close() }
        let closer = Thread {
            MonotonicClock.sleep(milliseconds: 30)
            holder.pty = nil
        }
        closer.start()

        let start = MonotonicClock.now()
        let error = #expect(throws: BootwireError.self) {
            _ = try port.read(exactly: 4, deadline: .after(milliseconds: 2000))
        }
        #expect(error?.code == .deviceDisconnected)
        #expect(millisecondsSince(start) < 1000)
    }

    @Test("a write after the master closed throws device-disconnected")
    func writeAfterMasterClosed() throws {
        var pty: PseudoTerminal? = try PseudoTerminal()
        let port = try SerialPort.open(try #require(pty).slavePath)
        defer { port.close() }
        pty = nil

        let error = #expect(throws: BootwireError.self) { try port.write([0x01, 0x02]) }
        #expect(error?.code == .deviceDisconnected)
    }

    @Test("the master sees the client close")
    func masterSeesClientClose() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(pty.slavePath)
        #expect(!pty.clientClosed)
        port.close()
        #expect(pty.clientClosed)
    }
}
