import BootwireCore
import Foundation
import Testing

/// Reads, deadlines and flushing over a real pseudo-terminal.
@MainActor @Suite struct SerialPortReadTests {
    @Test(
        "a read with nothing sent returns empty at its deadline",
        arguments: [50, 200])
    func readHonoursDeadline(milliseconds: Int) throws {
        try withPort { _, port in
            let start = MonotonicClock.now()
            let bytes = try port.read(max: 64, deadline: .after(milliseconds: milliseconds))
            let elapsed = millisecondsSince(start)
            #expect(bytes.isEmpty)
            #expect(elapsed >= Double(milliseconds))
            #expect(elapsed < Double(milliseconds) + schedulingSlack)
        }
    }

    @Test("a deadline that has already passed returns at once")
    func passedDeadlineReturnsAtOnce() throws {
        try withPort { _, port in
            let start = MonotonicClock.now()
            let bytes = try port.read(max: 64, deadline: Deadline(nanoseconds: 0))
            #expect(bytes.isEmpty)
            #expect(millisecondsSince(start) < schedulingSlack)
        }
    }

    @Test("bytes written on the master arrive through read(max:deadline:) before the deadline")
    func bytesFromMasterArrive() throws {
        try withPort { pty, port in
            // CR, LF, XON and XOFF too: the line is raw, nothing is translated or swallowed.
            let sent: [UInt8] = [0x55, 0x00, 0xFF, 0x0D, 0x0A, 0x11, 0x13]
            pty.write(sent)
            let start = MonotonicClock.now()
            let received = try port.read(max: 64, deadline: .after(milliseconds: 1000))
            #expect(received == sent)
            #expect(millisecondsSince(start) < schedulingSlack)
        }
    }

    @Test("read(max:) returns at most max bytes and leaves the rest for the next read")
    func readMaxLimits() throws {
        try withPort { pty, port in
            let sent = Array(UInt8(1)...UInt8(10))
            pty.write(sent)
            let first = try port.read(max: 4, deadline: .after(milliseconds: 500))
            #expect(first == [1, 2, 3, 4])
            let rest = try port.read(exactly: 6, deadline: .after(milliseconds: 500))
            #expect(rest == [5, 6, 7, 8, 9, 10])
        }
    }

    @Test("read(max: 0) returns nothing even when bytes are pending")
    func readZeroBytes() throws {
        try withPort { pty, port in
            pty.write([1, 2, 3])
            try waitUntilQueued(port, count: 3)
            let none = try port.read(max: 0, deadline: .after(milliseconds: 50))
            #expect(none == [])
            let all = try port.read(exactly: 3, deadline: .after(milliseconds: 500))
            #expect(all == [1, 2, 3])
        }
    }

    @Test("read(exactly:deadline:) collects writes that arrive in pieces")
    func readExactlyCollectsSplitWrites() throws {
        try withPort { pty, port in
            let pieces: [[UInt8]] = [[0x01, 0x02, 0x03], [0x04], [0x05, 0x06, 0x07, 0x08]]
            let writer = Thread {
                for piece in pieces {
                    MonotonicClock.sleep(milliseconds: 15)
                    pty.write(piece)
                }
            }
            writer.start()
            let start = MonotonicClock.now()
            let received = try port.read(exactly: 8, deadline: .after(milliseconds: 2000))
            let elapsed = millisecondsSince(start)
            #expect(received == pieces.flatMap { $0 })
            // It waited for the later pieces, but returned as soon as the last one came.
            #expect(elapsed >= 40)
            #expect(elapsed < 45 + schedulingSlack)
        }
    }

    @Test("read(exactly:deadline:) returns what came when the deadline passes first")
    func readExactlyShortAtDeadline() throws {
        try withPort { pty, port in
            pty.write([0xAA, 0xBB, 0xCC])
            let start = MonotonicClock.now()
            let received = try port.read(exactly: 10, deadline: .after(milliseconds: 100))
            let elapsed = millisecondsSince(start)
            #expect(received == [0xAA, 0xBB, 0xCC])
            #expect(elapsed >= 100)
            #expect(elapsed < 100 + schedulingSlack)
        }
    }

    @Test("32 KiB from the master arrive complete and in order")
    func bulkTransferFromMaster() throws {
        try withPort(baud: 2_000_000) { pty, port in
            let sent = pseudoRandomBytes(32 * 1024, seed: 1)
            let writer = Thread { pty.write(sent) }
            writer.start()
            let received = try port.read(exactly: sent.count, deadline: .after(milliseconds: 3000))
            #expect(received.count == sent.count)
            #expect(received == sent)
        }
    }

    @Test("bytes written on the port arrive on the master")
    func writeReachesMaster() throws {
        try withPort { pty, port in
            let sent = pseudoRandomBytes(3000, seed: 2)
            try port.write(sent)
            #expect(pty.readBytes(sent.count) == sent)
        }
    }

    @Test("readUntilQuiet gathers bursts and stops once the line is quiet")
    func readUntilQuiet() throws {
        try withPort { pty, port in
            let writer = Thread {
                pty.write([1, 2])
                MonotonicClock.sleep(milliseconds: 10)
                pty.write([3, 4, 5])
            }
            writer.start()
            let start = MonotonicClock.now()
            // The quiet time is far longer than the writer's 10 ms gap, so a writer the machine
            // runs late still lands in the same burst.
            let received = try port.readUntilQuiet(
                quietMilliseconds: 300, deadline: .after(milliseconds: 5000))
            let elapsed = millisecondsSince(start)
            #expect(received == [1, 2, 3, 4, 5])
            #expect(elapsed >= 300)
            #expect(elapsed < 310 + schedulingSlack)
        }
    }

    @Test("flushInput() discards input that is waiting to be read")
    func flushInputEmptiesPendingInput() throws {
        try withPort { pty, port in
            pty.write([0x10, 0x20, 0x30, 0x40])
            // The bytes are in the slave's input queue before the flush.
            try waitUntilQueued(port, count: 4)
            try port.flushInput()
            #expect(try port.read(max: 64, deadline: .after(milliseconds: 50)) == [])
            // The line still works after a flush.
            pty.write([0x99])
            #expect(try port.read(max: 64, deadline: .after(milliseconds: 500)) == [0x99])
        }
    }
}
