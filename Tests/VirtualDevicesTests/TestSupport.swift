import BootwireCore
import Foundation
import Testing
import VirtualDevices

// Shared helpers for the virtual QCC743 tests. Frames and answers are written out by hand from
// the spec (sections 5.1 and 5.2) so that the tests do not borrow the code under test.

let ok: [UInt8] = [0x4F, 0x4B]
let pendingReply: [UInt8] = [0x50, 0x44]
let syncBurst = [UInt8](repeating: 0x55, count: 16)

func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }

func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

func le32(_ value: Int) -> [UInt8] { le32(UInt32(truncatingIfNeeded: value)) }

/// `OK` + u16 LE length + data.
func okData(_ data: [UInt8]) -> [UInt8] { ok + le16(data.count) + data }

/// `FL` + u16 LE code: `fail(0x0103)` is `46 4C 03 01`.
func fail(_ code: UInt16) -> [UInt8] { [0x46, 0x4C, UInt8(code & 0xFF), UInt8(code >> 8)] }

/// id, checksum = (len_lo + len_hi + sum(payload)) & 0xFF, u16 LE length, payload.
func frame(_ id: UInt8, _ payload: [UInt8] = [], checksum: UInt8? = nil) -> [UInt8] {
    let length = le16(payload.count)
    let sum = payload.reduce(Int(length[0]) + Int(length[1])) { $0 + Int($1) }
    return [id, checksum ?? UInt8(sum & 0xFF)] + length + payload
}

func bytes(_ hex: String) -> [UInt8] { Hex.bytes(hex)! }

/// Deterministic bytes that do not compress (xorshift32).
func noise(count: Int, seed: UInt32 = 0x2545_F491) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state >> 7)
    }
}

// MARK: the state machine without a pty

/// What the device put on the line, in order, busy time left out.
func sent(_ actions: [DeviceAction]) -> [UInt8] {
    actions.flatMap { action -> [UInt8] in
        if case .send(let bytes, _) = action { return bytes }
        return []
    }
}

func busyNanoseconds(_ actions: [DeviceAction]) -> UInt64 {
    actions.reduce(0) { total, action in
        if case .busy(let ns) = action { return total + ns }
        return total
    }
}

extension VirtualQCC743 {
    /// Feeds bytes and returns what came back on the line.
    func answer(_ bytes: [UInt8]) -> [UInt8] { sent(receive(bytes)) }

    /// A device that has seen its sync burst and answered it.
    static func synced(
        configuration: Configuration = Configuration(), flash: [UInt8]? = nil, efuse: [UInt8]? = nil
    ) -> VirtualQCC743 {
        let device = VirtualQCC743(configuration: configuration, flash: flash, efuse: efuse)
        #expect(device.answer(syncBurst) == ok)
        return device
    }
}

// MARK: a host on a pseudo-terminal

/// A host at the other end of a `VirtualDeviceRunner`, through the real serial-port layer.
final class Host {
    let port: SerialPort

    init(_ path: String, baud: Int = 500_000) throws {
        port = try SerialPort.open(path)
        try port.configure(baud: baud, parity: .none)
    }

    deinit { port.close() }

    func setBaud(_ baud: Int) throws { try port.configure(baud: baud, parity: .none) }

    func write(_ bytes: [UInt8]) throws { try port.write(bytes) }

    /// Exactly `count` bytes, or what arrived before the deadline.
    func read(_ count: Int, milliseconds: Int = 2000) throws -> [UInt8] {
        try port.read(exactly: count, deadline: .after(milliseconds: milliseconds))
    }

    /// Everything that arrives in the next `milliseconds`.
    func collect(milliseconds: Int) throws -> [UInt8] {
        let deadline = Deadline.after(milliseconds: milliseconds)
        var bytes: [UInt8] = []
        while !deadline.hasPassed {
            bytes += try port.read(max: 4096, deadline: deadline)
        }
        return bytes
    }

    /// Sends a burst of 0x55 and returns the first two bytes back (`OK` from a synced ROM).
    func sync(count: Int = 300) throws -> [UInt8] {
        try write([UInt8](repeating: 0x55, count: count))
        return try read(2, milliseconds: 1000)
    }

    /// Sends a frame and reads one whole answer: `OK`, `OK` + length + data, `FL` + code, `PD`.
    func exchange(_ frame: [UInt8], milliseconds: Int = 2000) throws -> [UInt8] {
        try write(frame)
        return try response(data: dataCommands.contains(frame[0]), milliseconds: milliseconds)
    }

    func response(data: Bool, milliseconds: Int = 2000) throws -> [UInt8] {
        let deadline = Deadline.after(milliseconds: milliseconds)
        var reply = try port.read(exactly: 2, deadline: deadline)
        if reply == [0x46, 0x4C] {
            reply += try port.read(exactly: 2, deadline: deadline)
        } else if reply == ok && data {
            let length = try port.read(exactly: 2, deadline: deadline)
            reply += length
            if length.count == 2 {
                reply += try port.read(exactly: Int(length[0]) | Int(length[1]) << 8, deadline: deadline)
            }
        }
        return reply
    }
}

/// Commands answered with `OK` + length + data (spec 6.1 and 6.2).
let dataCommands: Set<UInt8> = [0x10, 0x32, 0x36, 0x3D, 0x3E, 0x41, 0x42]

/// Runs `body` against a started runner and stops it afterwards, so that the device's state
/// can be read safely.
func withRunner(
    _ device: VirtualQCC743 = VirtualQCC743(), faults: [Fault] = [], wire: WireModel = .instant,
    resetOnOpen: Bool = true, _ body: (VirtualDeviceRunner) throws -> Void
) throws {
    let runner = try VirtualDeviceRunner(device: device, wire: wire, faults: faults)
    runner.resetOnOpen = resetOnOpen
    runner.start()
    defer { runner.stop() }
    try body(runner)
}

/// Waits until the runner has seen the host's `closes`-th close (it polls every 5 ms; a fixed
/// sleep was too short on a loaded machine).
func letTheRunnerNotice(_ runner: VirtualDeviceRunner, closes: Int = 1) {
    #expect(runner.waitForHostSessionsEnded(closes), "the runner saw the host close the port")
}
