/// What `[cfg] erase` in an ini (or --erase) asks for: 0 none (the flash must already be erased
/// where images go), 1 each image's units, 2 chip (the images, and erased flash everywhere else).
public enum EraseMode: String, Sendable, CaseIterable, Equatable {
    case none, sections, chip

    public init?(iniValue: Int) {
        switch iniValue {
        case 0: self = .none
        case 1: self = .sections
        case 2: self = .chip
        default: return nil
        }
    }
}

/// How one flash job runs, the same on every route.
public struct FlashOptions: Sendable {
    public var erase: EraseMode = .sections
    /// With `chip`: the route's whole-flash erase instead of erasing only what is not erased.
    public var literalChipErase = false
    /// Write images the device already holds.
    public var force = false
    /// Connect, compare and report the plan; change nothing.
    public var dryRun = false
    /// Start the application afterwards (`--go`).
    public var run = false
    /// Where the application starts, for routes that can choose; nil: the route's default.
    public var runAddress: Int?
    /// Where interrupted sessions are recorded; nil keeps no journal.
    public var journals: JournalStore?
    /// Flash no step may erase or write (an ini's `skip_mode`): images are written around it,
    /// and `erase = chip` leaves it as it was.
    public var keepOut: [Range<Int>] = []

    public init() {}
}
