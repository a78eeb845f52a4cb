import ArmDebug
import BootwireCore

/// The application a virtual SWD target runs once it leaves reset with a valid vector table in
/// flash (initial SP in SRAM, a Thumb reset vector in flash). The flash's code is not executed:
/// this stands for firmware linked with SEGGER RTT. It lays out a control block the way
/// SEGGER_RTT_Init does (three up- and three down-buffers, up-buffer 0 "Terminal" of 1024 bytes,
/// down-buffer 0 of 16: SEGGER_RTT_Conf.h defaults; the ID written last), prints a banner, a
/// tick line each second of its own time, and echoes each line that comes down down-buffer 0.
/// Its time advances only while the core runs (not halted, not held in reset), on the bus's
/// clock. Up-buffer 0 is in SEGGER's default mode (skip): a line that does not fit is dropped.
final class VirtualRTTApplication {
    /// Where the control block goes (`rtt=ADDRESS`); nil: firmware without RTT (`rtt=none`).
    var address: UInt32? = VirtualRTTApplication.defaultAddress
    static let defaultAddress: UInt32 = 0x2000_0400
    static let upCount = 3
    static let downCount = 3
    static let upSize: UInt32 = 1024
    static let downSize: UInt32 = 16
    static let tickNanoseconds: UInt64 = 1_000_000_000
    /// Offsets from the control block: the name string, then the two buffers.
    static let nameOffset: UInt32 = 0xC0
    static let upOffset: UInt32 = 0x100
    static let downOffset: UInt32 = upOffset + upSize
    /// Bytes of SRAM the layout needs from `address`.
    static let span = Int(downOffset + downSize)

    /// Running since the last reset (halted or not).
    private(set) var started = false
    /// Its own time since it started, ns.
    private(set) var elapsed: UInt64 = 0
    private var lastSeen: UInt64?
    private var ticks = 0
    private var line: [UInt8] = []

    /// The core left reset into the application; `banner` is its first line.
    func start(on target: VirtualSWDTarget, banner: String) {
        stop()
        guard let address else { return }
        started = true
        lastSeen = target.clock.now()
        // SEGGER_RTT_Init: the block cleared, descriptors filled, the ID last so that a host
        // never matches a half-made block.
        for offset in stride(from: 0, to: Self.span, by: 4) { _ = target.write32(address + UInt32(offset), 0) }
        write(target, address + 16, [UInt32(Self.upCount), UInt32(Self.downCount)])
        for (index, buffer, size) in [(0, Self.upOffset, Self.upSize), (Self.upCount, Self.downOffset, Self.downSize)] {
            let descriptor = address + UInt32(RTTLayout.headerSize + index * RTTLayout.descriptorSize)
            write(target, descriptor, [address + Self.nameOffset, address + buffer, size, 0, 0, 0])
        }
        for (i, byte) in Array("Terminal".utf8).enumerated() {
            _ = target.write8(address + Self.nameOffset + UInt32(i), byte)
        }
        for (i, byte) in RTTLayout.id.enumerated() { _ = target.write8(address + UInt32(i), byte) }
        print(target, banner)
    }

    /// Reset, or a debugger running its own code: the application is gone until the next reset.
    func stop() {
        started = false
        elapsed = 0
        lastSeen = nil
        ticks = 0
        line = []
    }

    /// Called before each probe command: catches the application's time up to `now` (only
    /// while `running`), printing the ticks it owes and echoing what came down.
    func advance(on target: VirtualSWDTarget, running: Bool) {
        guard started, let address else { return }
        let now = target.clock.now()
        defer { lastSeen = now }
        guard running else { return }
        elapsed += now - (lastSeen ?? now)
        let due = Int(elapsed / Self.tickNanoseconds)
        // Ticks more than a buffer's worth behind would be dropped anyway (skip mode).
        ticks = max(ticks, due - 64)
        while ticks < due {
            ticks += 1
            print(target, "tick \(ticks)\n")
        }
        echo(target, address)
    }

    /// One printf: the whole text into up-buffer 0, or nothing when it does not fit.
    private func print(_ target: VirtualSWDTarget, _ text: String) {
        guard let address else { return }
        let descriptor = address + UInt32(RTTLayout.headerSize)
        let bytes = Array(text.utf8)
        guard var ring = ring(target, descriptor), ring.free >= bytes.count else { return }
        var done = 0
        for run in ring.writeRuns(max: bytes.count) {
            for (i, byte) in bytes[done..<done + run.count].enumerated() {
                _ = target.write8(address + Self.upOffset + run.offset + UInt32(i), byte)
            }
            done += run.count
        }
        ring.produce(done)
        _ = target.write32(descriptor + RTTLayout.writeOffset, ring.write)
    }

    /// Down-buffer 0 read as SEGGER_RTT_Read does (RdOff advanced); each full line printed back.
    private func echo(_ target: VirtualSWDTarget, _ address: UInt32) {
        let descriptor = address + UInt32(RTTLayout.headerSize + Self.upCount * RTTLayout.descriptorSize)
        guard var ring = ring(target, descriptor), ring.used > 0 else { return }
        for run in ring.readRuns(max: ring.used) {
            for i in 0..<run.count {
                guard let byte = target.read8(address + Self.downOffset + run.offset + UInt32(i)) else { continue }
                if byte == 0x0A || byte == 0x0D {
                    if !line.isEmpty { print(target, "echo: " + String(decoding: line, as: UTF8.self) + "\n") }
                    line = []
                } else {
                    line.append(byte)
                }
            }
            ring.consume(run.count)
        }
        _ = target.write32(descriptor + RTTLayout.readOffset, ring.read)
    }

    /// A buffer's offsets as the application finds them in RAM (the host writes RdOff of an
    /// up-buffer and WrOff of a down-buffer); nil when the host left them out of range.
    private func ring(_ target: VirtualSWDTarget, _ descriptor: UInt32) -> RTTRing? {
        guard let size = target.read32(descriptor + RTTLayout.sizeOffset),
            let write = target.read32(descriptor + RTTLayout.writeOffset),
            let read = target.read32(descriptor + RTTLayout.readOffset)
        else { return nil }
        let ring = RTTRing(size: size, write: write, read: read)
        return ring.isValid ? ring : nil
    }

    private func write(_ target: VirtualSWDTarget, _ address: UInt32, _ words: [UInt32]) {
        for (i, word) in words.enumerated() { _ = target.write32(address + UInt32(4 * i), word) }
    }
}
