import BootwireCore
import Foundation
import STM32
import Testing
import VirtualDevices

// Suites that block a thread on a pty are `@MainActor` (one at a time on the main thread), as in
// BootwireCoreTests. Expected bytes are written out from the spec, not taken from the code.

/// Hex text to bytes: `bytes("79 0b 22")`.
func bytes(_ hex: String) -> [UInt8] { Hex.bytes(hex)! }

/// Deterministic bytes (xorshift32).
func noise(count: Int, seed: UInt32 = 0x2545_F491) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state >> 7)
    }
}

/// Collects the events a library call emits; safe from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Event] = []

    var events: [Event] { lock.withLock { stored } }

    var notes: [Note] {
        events.compactMap { event in
            if case .note(let note) = event { note } else { nil }
        }
    }

    var sink: EventSink { { event in self.lock.withLock { self.stored.append(event) } } }
}

/// A link whose far end is a script: each write is handed to `answer`, whose bytes are read next.
/// Reads of an empty inbox return at once (a timeout without the wait).
final class ScriptedLink: Link {
    let name = "scripted"
    var capabilities: LinkCapabilities
    var settings: LineSettings
    var answer: ([UInt8]) -> [UInt8]
    private(set) var written: [[UInt8]] = []
    private var inbox: [UInt8] = []

    init(parity: Parity = .even, pty: Bool = false, answer: @escaping ([UInt8]) -> [UInt8]) {
        capabilities = LinkCapabilities(modemLines: !pty, parity: !pty, isPseudoTerminal: pty)
        settings = LineSettings(baud: 115_200, parity: parity)
        self.answer = answer
    }

    func configure(baud: Int, parity: Parity) throws -> [Note] {
        settings = LineSettings(baud: baud, parity: capabilities.parity ? parity : .none)
        return []
    }

    func write(_ bytes: [UInt8]) throws {
        written.append(bytes)
        inbox += answer(bytes)
    }

    func read(max: Int, deadline: Deadline) throws -> [UInt8] {
        let count = min(max, inbox.count)
        defer { inbox.removeFirst(count) }
        return Array(inbox.prefix(count))
    }

    func flushInput() throws { inbox = [] }
    func drain() throws {}
    func setModemLine(_ line: ModemLine, asserted: Bool) throws {}
}

/// A link straight into a `VirtualSTM32`, no pty: for exact, instant exchanges.
func deviceLink(_ device: VirtualSTM32) -> ScriptedLink {
    ScriptedLink(parity: .even) { written in
        device.receive(written).flatMap { action -> [UInt8] in
            if case .send(let bytes, _) = action { return bytes }
            return []
        }
    }
}

/// A virtual STM32 on a real pty, driven by `VirtualDeviceRunner`, for `body`; stopped after.
func withVirtualSTM32<T>(
    _ device: VirtualSTM32, faults: [Fault] = [], wire: WireModel = .instant, resetOnOpen: Bool = true,
    _ body: (VirtualDeviceRunner) throws -> T
) throws -> T {
    let runner = try VirtualDeviceRunner(device: device, wire: wire, faults: faults)
    runner.resetOnOpen = resetOnOpen
    runner.start()
    defer { runner.stop() }
    return try body(runner)
}

/// Opens the runner's port and connects a session at 115200 (8E1 asked; a pty gives 8N1).
func connect(_ runner: VirtualDeviceRunner, events: EventLog = EventLog(), attempts: Int = 3) throws -> (
    SerialPort, STM32Session
) {
    let port = try SerialPort.open(runner.slavePath)
    return (port, try connect(port, events: events, attempts: attempts))
}

/// Connects a session over `link` (a port, or a `VirtualLink` in simulated time).
func connect(_ link: any Link, events: EventLog = EventLog(), attempts: Int = 3) throws -> STM32Session {
    var options = STM32ConnectOptions()
    options.syncAttempts = attempts
    options.syncReplyTimeout = 0.3
    return try STM32Session.connect(link: link, options: options, events: events.sink)
}

/// The error `body` throws, as a BootwireError (fails the test if it throws nothing).
func bootwireError(_ body: () throws -> Void) -> BootwireError? {
    do {
        try body()
        Issue.record("expected an error")
        return nil
    } catch let error as BootwireError {
        return error
    } catch {
        Issue.record("unexpected \(error)")
        return nil
    }
}

/// Waits until the runner has seen the host's `closes`-th close (it polls every 5 ms; a fixed
/// sleep was too short on a loaded machine).
func letTheRunnerNotice(_ runner: VirtualDeviceRunner, closes: Int = 1) {
    #expect(runner.waitForHostSessionsEnded(closes), "the runner saw the host close the port")
}
