import BootwireCore
import STM32

/// An STM32's flash through a debug probe over SWD, for the flash pipeline: the family's flash
/// controller erases and programs; memory reads (far cheaper than programming) compare and
/// prove. The controller is unlocked on the first change and locked again at the end.
public final class SWDFlashTarget: FlashTarget {
    public let session: STM32SWDSession
    private let controller: any SWDFlashController
    private var unlocked = false

    public init(session: STM32SWDSession) throws {
        self.session = session
        controller = try session.flash()
    }

    public var identity: TargetIdentity {
        let device = session.identity
        let serial = session.probe.serial ?? "noserial"
        let unique = device.uniqueID.map(STM32UniqueID.text)
        // The unique ID, as on the UART route: the part's journal follows the part, not the probe.
        return TargetIdentity(
            name: "\(device.partName) via \(session.probe.name)",
            journalKey: unique.map { "stm32-\($0)" } ?? "swd-\(serial)-\(Hex.address(device.deviceID))",
            chipID: Hex.address(device.deviceID), uniqueID: unique, part: device.partName, chipIDName: "DEV_ID",
            flashSize: device.flashSize, via: session.probe.name, voltage: session.probe.voltage)
    }

    public var memory: FlashMemory {
        FlashMemory(units: controller.layout.sectors.map { Int($0.address)..<Int($0.address) + $0.size })
    }

    public var comparesCheaply: Bool { false }

    /// A part whose flash cannot be read or written says so (with its option bytes) before any change.
    public func check(_ images: [FlashImage]) throws {
        if let refused = try controller.readProtection() { throw refused }
    }

    public func holds(_ expected: [UInt8], at address: Int) throws -> Bool? {
        try read(address, count: expected.count, label: "compare") == expected
    }

    /// Progress is reported every `progressChunk` bytes: reads and programming go in pieces of
    /// that size (a multiple of every controller's program unit, 8 to 32 bytes), so that 256 KiB
    /// over SWD is not seconds of silence (issue 26).
    static let progressChunk = 0x2000

    /// Reads `count` bytes in pieces, reporting each.
    private func read(_ address: Int, count: Int, label: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        let progress = SWDProgress(label: label, total: count, clock: session.probe.clock, events: session.events)
        while out.count < count {
            let piece = min(Self.progressChunk, count - out.count)
            out += try session.probe.readMemory(UInt32(address + out.count), count: piece)
            progress.report(out.count)
        }
        return out
    }

    private func unlock() throws {
        guard !unlocked else { return }
        try controller.unlock()
        unlocked = true
    }

    public func erase(_ units: [Range<Int>]) throws {
        try unlock()
        let sectors = controller.layout.sectors
        let progress = SWDProgress(
            label: "erase", total: RangeSet.totalCount(units), clock: session.probe.clock, events: session.events)
        var done = 0
        for unit in units {
            guard let sector = sectors.first(where: { Int($0.address) == unit.lowerBound }) else { continue }
            try controller.erase(sector)
            done += unit.count
            progress.report(done)
        }
    }

    public func eraseAll() throws {
        try unlock()
        try controller.massErase()
    }

    /// Padded with erased bytes to the controller's program unit.
    public func program(_ image: PreparedImage) throws {
        try unlock()
        let (address, data) = controller.padded(image.image.data, at: UInt32(image.image.address))
        let progress = SWDProgress(
            label: image.image.name, total: data.count, clock: session.probe.clock, events: session.events)
        var offset = 0
        while offset < data.count {
            let end = min(offset + Self.progressChunk, data.count)
            try controller.program(Array(data[offset..<end]), at: address + UInt32(offset))
            offset = end
            progress.report(offset)
        }
    }

    public func prove(_ image: PreparedImage) throws {
        let back = try read(image.image.address, count: image.image.data.count, label: "verify")
        try ReadBackProof.check(
            image.image, readBack: back,
            hint: "erase and flash again; if it repeats, check the option bytes (`bootwire option-bytes show`)")
    }

    public func finishWriting() throws {
        guard unlocked else { return }
        unlocked = false
        try controller.lock()
    }

    /// A reset starts the core at the vector table the boot configuration selects; running from
    /// another address would need the core's registers set, which this route does not do, so it
    /// says so rather than pretend.
    public func run(at address: Int?) throws {
        if let address, address != 0x0800_0000 {
            session.events(
                .note(
                    .info(
                        "--go \(Hex.address(address)): the core restarts from its boot vector (BOOT0/nBOOT0 decide), "
                            + "not \(Hex.address(address))")))
        }
        try session.resetAndRun()
    }
}

/// One operation's progress over SWD, its rate on the probe's clock.
struct SWDProgress {
    let label: String
    let total: Int
    let clock: any WaitClock
    let events: EventSink
    let start: UInt64

    init(label: String, total: Int, clock: any WaitClock, events: @escaping EventSink) {
        self.label = label
        self.total = total
        self.clock = clock
        self.events = events
        start = clock.now()
    }

    func report(_ done: Int) {
        let seconds = clock.seconds(since: start)
        events(
            .progress(
                label: label, done: done, total: total, bytesPerSecond: seconds > 0 ? Double(done) / seconds : 0))
    }
}
