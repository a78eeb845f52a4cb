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
            chipID: Hex.address(device.deviceID), uniqueID: unique)
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
        try session.probe.readMemory(UInt32(address), count: expected.count) == expected
    }

    private func unlock() throws {
        guard !unlocked else { return }
        try controller.unlock()
        unlocked = true
    }

    public func erase(_ units: [Range<Int>]) throws {
        try unlock()
        let sectors = controller.layout.sectors
        for unit in units {
            guard let sector = sectors.first(where: { Int($0.address) == unit.lowerBound }) else { continue }
            try controller.erase(sector)
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
        try controller.program(data, at: address)
    }

    public func prove(_ image: PreparedImage) throws {
        let back = try session.probe.readMemory(UInt32(image.image.address), count: image.image.data.count)
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
