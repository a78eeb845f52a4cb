/// A device's flash as the pipeline sees it: where it is and the units it erases in.
public struct FlashMemory: Sendable, Equatable {
    /// Every erase unit (page or sector), sorted by address, none overlapping.
    public var units: [Range<Int>]
    /// The value erased flash reads as.
    public var erasedByte: UInt8 = 0xFF

    public init(units: [Range<Int>]) {
        self.units = units.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Uniform units of `unit` bytes over `range`.
    public init(range: Range<Int>, unit: Int) {
        self.init(
            units: stride(from: range.lowerBound, to: range.upperBound, by: unit).map {
                $0..<min($0 + unit, range.upperBound)
            })
    }

    /// From the first unit's start to the last unit's end; nil when the layout is unknown.
    public var range: Range<Int>? {
        guard let first = units.first, let last = units.last else { return nil }
        return first.lowerBound..<last.upperBound
    }

    /// The units `range` touches, in address order.
    public func units(covering range: Range<Int>) -> [Range<Int>] {
        guard !range.isEmpty else { return [] }
        // Binary search for the first unit ending after the range starts.
        var low = 0
        var high = units.count
        while low < high {
            let middle = (low + high) / 2
            if units[middle].upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var out: [Range<Int>] = []
        var index = low
        while index < units.count && units[index].lowerBound < range.upperBound {
            out.append(units[index])
            index += 1
        }
        return out
    }

    /// The smallest span of whole units that holds `range`, or nil when part of it is not flash.
    public func widened(_ range: Range<Int>) -> Range<Int>? {
        let covering = units(covering: range)
        guard let first = covering.first, let last = covering.last, first.lowerBound <= range.lowerBound,
            last.upperBound >= range.upperBound
        else { return nil }
        for (a, b) in zip(covering, covering.dropFirst()) where a.upperBound != b.lowerBound { return nil }
        return first.lowerBound..<last.upperBound
    }
}

/// What the device says about itself, for events, the journal and the station report.
public struct TargetIdentity: Sendable, Equatable {
    /// A short name: "ST67W611M1 (QCC743) boot ROM", "STM32L47x/L48x via ST-LINK".
    public var name: String
    /// Stable across sessions with the same device, unique among devices: names its journal.
    public var journalKey: String
    /// The chip's own identifier where the route reads one: the module's chip id, an STM32's
    /// DEV_ID or bootloader product id.
    public var chipID: String?
    /// What tells this device from every other of its kind: an STM32's 96-bit unique ID, the
    /// module's chip id, a ROM DFU's serial (which the ROM derives from the unique ID).
    public var uniqueID: String?
    /// The module's factory MAC, as printed on its label (`40:82:7b:…`).
    public var mac: String?
    /// The module's boot ROM version.
    public var bootROM: String?
    /// Whether the module only boots signed images.
    public var signedBoot: Bool?
    /// The rate the serial link ran at.
    public var baud: Int?

    /// The part found (`STM32L476`, `QCC743`), where the route tells it.
    public var part: String?
    /// What `chipID` is on this route: `chip id` (module), `DEV_ID` (SWD), `product id` (UART, DFU).
    public var chipIDName: String
    /// The flash size the device reports.
    public var flashSize: Int?
    /// What it was reached through: the probe (`ST-LINK V2-1`), the bootloader, USB ids.
    public var via: String?
    /// The target voltage the probe measured.
    public var voltage: Double?

    public init(
        name: String, journalKey: String, chipID: String? = nil, mac: String? = nil, bootROM: String? = nil,
        signedBoot: Bool? = nil, baud: Int? = nil, uniqueID: String? = nil, part: String? = nil,
        chipIDName: String = "chip id", flashSize: Int? = nil, via: String? = nil, voltage: Double? = nil
    ) {
        self.name = name
        self.uniqueID = uniqueID
        self.journalKey = journalKey
        self.chipID = chipID
        self.mac = mac
        self.bootROM = bootROM
        self.signedBoot = signedBoot
        self.baud = baud
        self.part = part
        self.chipIDName = chipIDName
        self.flashSize = flashSize
        self.via = via
        self.voltage = voltage
    }
}

/// Data in the flash that no image restores (the module's manufacturing data): what a chip
/// erase loses, named before it is erased.
public struct FactoryRegion: Sendable, Equatable {
    public var name: String
    public var range: Range<Int>

    public init(name: String, range: Range<Int>) {
        self.name = name
        self.range = range
    }
}

/// A step that cannot be undone (an eFuse burn), previewed and confirmed before anything is
/// changed, and carried out only after every image is proven.
public struct IrreversibleStep {
    public var name: String
    /// What will change, line by line.
    public var preview: [String]
    /// The question a person answers; nil when the step changes nothing.
    public var question: String?
    /// What it changes, by name (eFuse fields), for the report.
    public var changes: [String]
    public var apply: () throws -> Void

    public init(
        name: String, preview: [String], question: String?, changes: [String],
        apply: @escaping () throws -> Void
    ) {
        self.name = name
        self.preview = preview
        self.question = question
        self.changes = changes
        self.apply = apply
    }
}

/// One route to one device's flash (module boot ROM, STM32 UART bootloader, DfuSe, ST-LINK/SWD):
/// its protocol and its capabilities. The rules (validation, dry-run, the journal, proofs, the
/// vendor's end state) are the pipeline's; a route only answers what it is asked. Every call
/// runs on the port's worker thread.
public protocol FlashTarget: AnyObject {
    var identity: TargetIdentity { get }
    var memory: FlashMemory { get }
    /// Regions of factory data that a whole-flash erase loses for good; none on most parts.
    var factoryData: [FactoryRegion] { get }
    /// True when `isErased` and `matches` cost far less than erasing and writing (a device-side
    /// hash): then `erase = chip` is reached by erasing only what is not erased.
    var comparesCheaply: Bool { get }
    /// The erase block whose time makes asking worthwhile (SPI NOR: 64 KiB, erased in about the
    /// time of three 4 KiB sectors); 0 where the route does not ask block by block.
    var eraseBlockSize: Int { get }

    /// What only the connected device can refuse (signing, protection, alignment), before any change.
    func check(_ images: [FlashImage]) throws
    /// Steps that cannot be undone, for the pipeline to preview, confirm and run last.
    func irreversibleSteps() throws -> [IrreversibleStep]
    /// Whether the flash at `address` reads as `expected` (a device hash, a CRC or a read-back);
    /// nil when the route cannot tell cheaply.
    func holds(_ expected: [UInt8], at address: Int) throws -> Bool?
    /// Erases these units (whole units, sorted, from `memory`).
    func erase(_ units: [Range<Int>]) throws
    /// The route's whole-flash erase (mass or chip erase).
    func eraseAll() throws
    func program(_ image: PreparedImage) throws
    /// Throws `verify-mismatch` unless the device holds `image` (device hash, CRC or read-back).
    func prove(_ image: PreparedImage) throws
    /// How `prove` proves `image`, for the summary.
    func proof(of image: FlashImage) -> FlashProof
    /// Ends the writing part of the session (locks the flash controller); called on success and failure.
    func finishWriting() throws
    /// Starts the application after a flash (`--go`).
    func run(at address: Int?) throws
    /// Runs `wait` (a person reading a question) while keeping the device's session alive.
    func holdingSession(while wait: @escaping @Sendable () throws -> Void) throws
}

extension FlashTarget {
    /// Whether `range` reads as erased flash; nil when the route cannot tell cheaply.
    public func isErased(_ range: Range<Int>) throws -> Bool? {
        try holds([UInt8](repeating: memory.erasedByte, count: range.count), at: range.lowerBound)
    }

    public var eraseBlockSize: Int { 0 }
    public func proof(of image: FlashImage) -> FlashProof { .readBack }
    public var factoryData: [FactoryRegion] { [] }
    public func check(_ images: [FlashImage]) throws {}
    public func irreversibleSteps() throws -> [IrreversibleStep] { [] }
    public func finishWriting() throws {}
    public func holdingSession(while wait: @escaping @Sendable () throws -> Void) throws { try wait() }
}
