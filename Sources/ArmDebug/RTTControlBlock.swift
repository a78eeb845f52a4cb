import BootwireCore

/// SEGGER RTT's control block as it lies in the target's RAM (SEGGER_RTT.h, 32-bit targets):
///
///     char acID[16];                  // "SEGGER RTT\0\0\0\0\0\0", written last by SEGGER_RTT_Init
///     int  MaxNumUpBuffers;           // +16
///     int  MaxNumDownBuffers;         // +20
///     SEGGER_RTT_BUFFER_UP   aUp[MaxNumUpBuffers];     // +24, 24 bytes each
///     SEGGER_RTT_BUFFER_DOWN aDown[MaxNumDownBuffers]; // after aUp
///
/// each buffer descriptor being `sName`, `pBuffer`, `SizeOfBuffer`, `WrOff`, `RdOff`, `Flags`
/// (probe-rs `probe-rs/src/rtt/channel.rs` `RttChannelBufferInner<u32>`, OpenOCD
/// `src/target/rtt.c` `read_channel_buffer`: the same six words in the same order).
public enum RTTLayout {
    /// The 16-byte ID the host searches for (probe-rs `rtt.rs` matches all 16 bytes).
    public static let id: [UInt8] = Array("SEGGER RTT".utf8) + [UInt8](repeating: 0, count: 6)
    /// acID and the two buffer counts.
    public static let headerSize = 24
    public static let descriptorSize = 24
    /// probe-rs refuses a block that claims more (`ControlBlockCorrupted`): RAM noise that
    /// happens to follow the ID.
    public static let maxBuffers = 255
    /// Offsets inside one descriptor.
    public static let nameOffset: UInt32 = 0
    public static let bufferOffset: UInt32 = 4
    public static let sizeOffset: UInt32 = 8
    public static let writeOffset: UInt32 = 12
    public static let readOffset: UInt32 = 16
    public static let flagsOffset: UInt32 = 20

    /// The little-endian word at `offset` of bytes read from the target.
    public static func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    /// An address as messages and descriptions show it: `0x20000400`.
    public static func text(_ address: UInt32) -> String { Hex.address(address, width: 8, uppercase: false) }

    /// Where descriptor `number` of `direction` lies in a block at `block` with `upCount` up-buffers.
    public static func descriptor(
        _ direction: RTTBuffer.Direction, _ number: Int, block: UInt32, upCount: Int
    ) -> UInt32 {
        let index = direction == .up ? number : upCount + number
        return block + UInt32(headerSize + index * descriptorSize)
    }
}

/// One ring buffer's offsets: the writer owns `write`, the reader `read`; empty when they are
/// equal, full when `write` is one behind `read` (one byte always stays free: SEGGER_RTT.c
/// `_GetAvailWriteSpace`, probe-rs `writable_contiguous`). The host reads up-buffers and writes
/// down-buffers with it; the virtual application does the mirror image.
public struct RTTRing: Sendable, Equatable {
    public var size: UInt32
    public var write: UInt32
    public var read: UInt32

    public init(size: UInt32, write: UInt32, read: UInt32) {
        self.size = size
        self.write = write
        self.read = read
    }

    /// Both offsets inside the buffer (probe-rs `read_pointers`: else the block is corrupted).
    public var isValid: Bool { size > 0 && write < size && read < size }
    /// Bytes written and not read yet.
    public var used: Int { Int(write >= read ? write - read : size - read + write) }
    /// Bytes the writer may add without overwriting unread ones.
    public var free: Int { Int(size) - 1 - used }

    /// Where the next `min(count, used)` unread bytes lie: one run, or two when they wrap.
    public func readRuns(max count: Int) -> [(offset: UInt32, count: Int)] {
        runs(from: read, count: min(count, used))
    }

    /// Where the next `min(count, free)` bytes go: one run, or two when they wrap.
    public func writeRuns(max count: Int) -> [(offset: UInt32, count: Int)] {
        runs(from: write, count: min(count, free))
    }

    /// Moves `read` past `count` bytes, wrapping at the end.
    public mutating func consume(_ count: Int) { read = UInt32((Int(read) + count) % Int(size)) }
    /// Moves `write` past `count` bytes, wrapping at the end.
    public mutating func produce(_ count: Int) { write = UInt32((Int(write) + count) % Int(size)) }

    private func runs(from offset: UInt32, count: Int) -> [(offset: UInt32, count: Int)] {
        guard count > 0 else { return [] }
        let first = min(count, Int(size - offset))
        return first == count ? [(offset: offset, count: count)] : [(offset, first), (UInt32(0), count - first)]
    }
}

/// A span of target memory, for where a control block is searched and where its pointers may lead.
public struct RTTRegion: Sendable, Equatable {
    public var base: UInt32
    public var size: Int

    public init(base: UInt32, size: Int) {
        self.base = base
        self.size = size
    }

    public var end: UInt64 { UInt64(base) + UInt64(size) }
    public func contains(_ address: UInt32, count: Int = 1) -> Bool {
        address >= base && UInt64(address) + UInt64(max(count, 1)) <= end
    }
}

/// One buffer descriptor of the control block, validated.
public struct RTTBuffer: Sendable, Equatable {
    public enum Direction: String, Sendable { case up, down }
    public var direction: Direction
    public var number: Int
    /// Where this descriptor lies in target memory.
    public var descriptor: UInt32
    /// sName, when it points at a readable string (SEGGER puts "Terminal" in flash).
    public var name: String?
    /// pBuffer.
    public var buffer: UInt32
    /// SizeOfBuffer; one byte less is usable.
    public var size: UInt32
    /// Flags' low two bits: 0 skip, 1 trim, 2 block when the buffer is full (SEGGER_RTT.h
    /// SEGGER_RTT_MODE_*).
    public var flags: UInt32

    public var writeOffsetAddress: UInt32 { descriptor + RTTLayout.writeOffset }
    public var readOffsetAddress: UInt32 { descriptor + RTTLayout.readOffset }
}

/// The parsed control block: where it is and the buffers in use (a descriptor whose pBuffer is
/// 0 is an unused slot: probe-rs `Channel::from`).
public struct RTTControlBlock: Sendable, Equatable {
    public var address: UInt32
    public var maxUpBuffers: Int
    public var maxDownBuffers: Int
    public var up: [RTTBuffer]
    public var down: [RTTBuffer]

    /// Bytes the whole block spans for `up` + `down` descriptors.
    public static func size(up: Int, down: Int) -> Int {
        RTTLayout.headerSize + (up + down) * RTTLayout.descriptorSize
    }

    /// The block at `address` from its bytes (header and descriptors), checked against `ram`:
    /// the counts sane, every buffer in RAM with a sane size, flags a known mode. `name` reads
    /// a descriptor's sName (nil where it cannot).
    public static func parse(
        _ bytes: [UInt8], at address: UInt32, ram: [RTTRegion], name: (UInt32) -> String?
    ) throws -> RTTControlBlock {
        guard bytes.count >= RTTLayout.headerSize, Array(bytes.prefix(16)) == RTTLayout.id else {
            throw RTTError.notFound(at: address)
        }
        let word = { (offset: Int) in RTTLayout.word(bytes, offset) }
        let upCount = Int(word(16))
        let downCount = Int(word(20))
        guard upCount <= RTTLayout.maxBuffers, downCount <= RTTLayout.maxBuffers else {
            throw RTTError.corrupted(
                "the control block at \(RTTLayout.text(address)) claims \(upCount) up- and "
                    + "\(downCount) down-buffers (at most \(RTTLayout.maxBuffers) each)",
                at: address)
        }
        guard bytes.count >= size(up: upCount, down: downCount) else {
            throw RTTError.corrupted("the control block's descriptors were not all read", at: address)
        }
        var block = RTTControlBlock(
            address: address, maxUpBuffers: upCount, maxDownBuffers: downCount, up: [], down: [])
        for (direction, count) in [(RTTBuffer.Direction.up, upCount), (.down, downCount)] {
            for number in 0..<count {
                let at = RTTLayout.descriptor(direction, number, block: address, upCount: upCount)
                let o = Int(at - address)
                let buffer = word(o + Int(RTTLayout.bufferOffset))
                guard buffer != 0 else { continue }
                let size = word(o + Int(RTTLayout.sizeOffset))
                let what = "\(direction.rawValue)-buffer \(number) (descriptor at \(RTTLayout.text(at)))"
                guard size >= 2, ram.contains(where: { $0.contains(buffer, count: Int(size)) }) else {
                    throw RTTError.corrupted(
                        "\(what): pBuffer \(RTTLayout.text(buffer)) and SizeOfBuffer \(size) are not a buffer in RAM",
                        at: at)
                }
                let ring = RTTRing(
                    size: size, write: word(o + Int(RTTLayout.writeOffset)), read: word(o + Int(RTTLayout.readOffset)))
                guard ring.isValid else {
                    throw RTTError.corrupted(
                        "\(what): WrOff \(ring.write) or RdOff \(ring.read) is not below SizeOfBuffer \(size)", at: at)
                }
                let flags = word(o + Int(RTTLayout.flagsOffset))
                guard flags & 3 != 3 else {
                    throw RTTError.corrupted("\(what): Flags \(flags) name no RTT mode (0, 1 or 2)", at: at)
                }
                let nameAddress = word(o + Int(RTTLayout.nameOffset))
                let entry = RTTBuffer(
                    direction: direction, number: number, descriptor: at,
                    name: nameAddress == 0 ? nil : name(nameAddress), buffer: buffer, size: size, flags: flags)
                if direction == .up { block.up.append(entry) } else { block.down.append(entry) }
            }
        }
        return block
    }
}

/// The two ways RTT fails, as typed values with their codes.
public enum RTTError {
    /// No control block where it was looked for.
    public static func notFound(at address: UInt32? = nil, searched: [RTTRegion] = []) -> BootwireError {
        var evidence: [String: String] = [:]
        if let address { evidence["address"] = RTTLayout.text(address) }
        if !searched.isEmpty {
            evidence["searched"] = searched.map { "\(RTTLayout.text($0.base))+\($0.size)" }
                .joined(separator: ",")
        }
        let place = address.map { "at \(RTTLayout.text($0))" } ?? "in the target's RAM"
        return BootwireError(
            .rttNotFound, "no SEGGER RTT control block \(place)", evidence: evidence)
    }

    public static func corrupted(_ message: String, at address: UInt32) -> BootwireError {
        BootwireError(
            .rttCorrupted, message, evidence: ["address": RTTLayout.text(address)])
    }
}
