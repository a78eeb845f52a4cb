import BootwireCore

/// Register-level programming of one family's flash (spec section 3): the common pattern with
/// the family's registers and rules. One instance per session, on a halted core.
public protocol SWDFlashController: AnyObject {
    var layout: SWDFlashLayout { get }
    var programUnit: Int { get }
    /// Waits for BSY, clears stale error flags (reported), unlocks.
    func unlock() throws
    func erase(_ sector: SWDFlashSector) throws
    func massErase() throws
    /// `bytes` at `address`, a multiple of `programUnit` long and aligned to it.
    func program(_ bytes: [UInt8], at address: UInt32) throws
    func lock() throws
    func optionBytes() throws -> SWDOptionBytes
    /// Writes the changed option registers and starts their programming (not their loading).
    func program(options: SWDOptionBytes) throws
    /// Loads the option bytes (the part resets). False when only a power cycle loads them.
    func launchOptionBytes() throws -> Bool
    /// Before reading: a protection that makes flash unreadable, as a diagnosis.
    func readProtection() throws -> BootwireError?
}

extension SWDFlashController {
    /// Pads to the program unit with 0xFF (erased flash) on both sides.
    public func padded(_ bytes: [UInt8], at address: UInt32) -> (address: UInt32, bytes: [UInt8]) {
        let unit = UInt32(programUnit)
        let start = address / unit * unit
        let head = Int(address - start)
        var data = [UInt8](repeating: 0xFF, count: head) + bytes
        let tail = (programUnit - data.count % programUnit) % programUnit
        data += [UInt8](repeating: 0xFF, count: tail)
        return (start, data)
    }
}
