import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// The in-memory line and the simulated clock the campaign and hold tests stand on: waits cost
/// simulated time only, exactly, and a thread that sleeps on the clock runs at its instant.
@Suite struct VirtualLinkTests {
    /// A device that answers each byte with the same byte, 4 ms of line time later on a realistic wire.
    final class Echo: VirtualDevice, @unchecked Sendable {
        var listeningBaud = 115_200
        var log: (@Sendable (String) -> Void)?
        func receive(_ bytes: [UInt8]) -> [DeviceAction] {
            [.busy(nanoseconds: 4_000_000), .send(bytes, baud: 115_200)]
        }
        func receiveNoise(count: Int) -> [DeviceAction] { [] }
        func idle(milliseconds: Int) -> [DeviceAction] { [] }
        func reset() {}
    }

    @Test func aReadWaitsInSimulatedTimeForTheAnswerOrTheDeadline() throws {
        let clock = SimulatedClock()
        let link = VirtualLink(device: Echo(), wire: .realistic, clock: clock)
        try link.configure(baud: 115_200, parity: .none)
        let start = clock.now()
        // Nothing was sent: the read returns empty exactly at its deadline.
        #expect(try link.read(max: 8, deadline: clock.after(milliseconds: 250)) == [])
        #expect(clock.now() - start == 250_000_000)
        try link.write([0x42])
        let sent = clock.now()
        // The byte's 87 µs on the wire, the device's 4 ms, then the answer's 87 µs.
        #expect(try link.read(max: 8, deadline: clock.after(seconds: 1)) == [0x42])
        #expect(clock.now() - sent == 86_805 + 4_000_000 + 86_805)
        // An answer due after the deadline is not seen before it.
        try link.write([0x43])
        #expect(try link.read(max: 8, deadline: clock.after(milliseconds: 1)) == [])
        #expect(try link.read(max: 8, deadline: clock.after(milliseconds: 10)) == [0x43])
    }

    @Test func aSpawnedSleeperRunsAtItsInstantWhileTheDriverSleeps() {
        let clock = SimulatedClock()
        let start = clock.now()
        let woke = LockedInstants()
        let done = DispatchSemaphore(value: 0)
        clock.spawn(name: "sleeper") {
            clock.sleep(seconds: 60)
            woke.add(clock.now() - start)
            done.signal()
        }
        var steps = 0
        while !clock.wait(done, until: clock.after(seconds: 0.5).nanoseconds) { steps += 1 }
        #expect(woke.all == [60_000_000_000])
        #expect(steps == 119)
        #expect(clock.now() - start == 60_000_000_000)
    }
}

final class LockedInstants: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [UInt64] = []
    func add(_ value: UInt64) { lock.withLock { values.append(value) } }
    var all: [UInt64] { lock.withLock { values } }
}
