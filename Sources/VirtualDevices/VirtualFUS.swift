import DFU
import Foundation

/// The STM32WB's CPU2 as the ROM DFU bootloader exposes it (spec 8.7): FUS or the wireless
/// stack running, FUS_GET_STATE at 0xFFFF0054, delete / upgrade / start-stack, each with the
/// reboots a real chip goes through.
///
/// Images are recognised by a 12-byte trailer this virtual device defines (ST's real images are
/// checked by signature, which no emulator can do): version (major, minor, sub, 0), the image
/// size (LE32), and "WSTK" (wireless stack) or "WFUS" (FUS).
final class VirtualFUS: @unchecked Sendable {
    enum CPU2: String, Codable { case stack, fus }

    struct Saved: Codable {
        var cpu2: CPU2
        var stackVersion: [UInt8]?
        var fusVersion: [UInt8]
    }

    var cpu2: CPU2 = .stack
    var stackVersion: [UInt8]? = [1, 13, 0]
    var fusVersion: [UInt8] = [1, 2, 0]
    var pair: (UInt8, UInt8) = (0, 0)
    var getStateCount = 0
    /// The operation under way: polls left, then what it ends in.
    var pending: (polls: Int, finish: () -> Void)?
    /// The field report: the upgrade ends at (0x1x, FUS_IMAGE_WRTERROR).
    var writeErrorFault = false

    static let trailerLength = 12

    var saved: Saved { Saved(cpu2: cpu2, stackVersion: stackVersion, fusVersion: fusVersion) }

    func restore(_ saved: Saved) {
        cpu2 = saved.cpu2
        stackVersion = saved.stackVersion
        fusVersion = saved.fusVersion
    }

    /// A power-on or reboot: FUS_GET_STATE counts start again.
    func reset() { getStateCount = 0 }

    /// What UPLOAD returns from FUS's addresses; `reboot` is set when the read reboots the chip.
    var rebootAfterReply = false

    func read(_ address: UInt32, _ count: Int) -> [UInt8]? {
        switch address {
        case DFUFUSTransport.stateAddress where count <= 2:
            return Array(getState().prefix(count))
        case 0x2003_0000..<0x2003_0100:
            var table = [UInt8](repeating: 0, count: 0x100)
            if cpu2 == .fus {
                // The DIT magic is UNCONFIRMED (forum 0xA94656B9, qFlipper 0x0A94656B): the forum's dump chosen.
                table.replaceSubrange(0x24..<0x28, with: [0xB9, 0x56, 0x46, 0xA9])
                table.replaceSubrange(0x30..<0x34, with: [0, fusVersion[2], fusVersion[1], fusVersion[0]])
                if let stack = stackVersion {
                    table.replaceSubrange(0x38..<0x3C, with: [0, stack[2], stack[1], stack[0]])
                }
            }
            let start = Int(address - 0x2003_0000)
            guard start + count <= table.count else { return nil }
            return Array(table[start..<start + count])
        default:
            return nil
        }
    }

    func getState() -> [UInt8] {
        if cpu2 == .stack {
            getStateCount += 1
            if getStateCount >= 2 {
                cpu2 = .fus
                pair = (0, 0)
                rebootAfterReply = true
            }
            return [0xFF, 0xFE]
        }
        if let current = pending {
            if current.polls <= 1 {
                pending = nil
                current.finish()
            } else {
                pending = (current.polls - 1, current.finish)
                if current.polls == 3 { rebootAfterReply = true }
            }
        }
        return [pair.0, pair.1]
    }

    /// A one-byte FUS command from DNLOAD block 0; false when FUS is not running to take it.
    func command(_ code: UInt8, part: VirtualDFUPart) -> Bool {
        guard cpu2 == .fus else { return false }
        switch code {
        case DfuSeCommand.fusDelete.rawValue:
            pair = (0x30, 0)
            pending = (
                4,
                { [self] in
                    stackVersion = nil
                    pair = (0, 0)
                }
            )
        case DfuSeCommand.fusUpgrade.rawValue:
            pair = (0x10, 0)
            guard let image = findImage(part) else {
                pending = (2, { [self] in pair = (0xFF, 0x01) })
                return true
            }
            if writeErrorFault {
                pending = (4, { [self] in pair = (0x12, 0x07) })
                return true
            }
            if image.isFUS { pair = (0x20, 0) }
            pending = (
                5,
                { [self] in
                    // The image is now FUS's: the secure area grows down over it.
                    part.options.setWord(
                        area: 0, offset: 0x70,
                        part.options.word(area: 0, offset: 0x70) & ~0xFF | UInt32(image.page))
                    if image.isFUS {
                        fusVersion = image.version
                        pair = (0, 0)
                    } else {
                        stackVersion = image.version
                        cpu2 = .stack
                        pair = (0xFF, 0xFE)
                    }
                }
            )
        case DfuSeCommand.fusStartStack.rawValue:
            guard stackVersion != nil else {
                pair = (0xFF, 0x01)
                return true
            }
            cpu2 = .stack
            rebootAfterReply = true
        default:
            return false
        }
        rebootAfterReply = true
        return true
    }

    /// The highest trailer just below the secure area, as FUS scans for it.
    func findImage(_ part: VirtualDFUPart) -> (page: Int, version: [UInt8], isFUS: Bool)? {
        let secure = part.secureStart - Int(part.device.flashBase)
        guard let last = part.flash[..<secure].lastIndex(where: { $0 != 0xFF }), last >= Self.trailerLength - 1
        else { return nil }
        let trailer = Array(part.flash[(last - Self.trailerLength + 1)...last])
        let magic = String(decoding: trailer[8..<12], as: UTF8.self)
        guard magic == "WSTK" || magic == "WFUS" else { return nil }
        let size = Int(trailer[4]) | Int(trailer[5]) << 8 | Int(trailer[6]) << 16 | Int(trailer[7]) << 24
        let start = last + 1 - size
        guard start >= 0, start % 4096 == 0 else { return nil }
        return (start / 4096, Array(trailer[0..<3]), magic == "WFUS")
    }
}
