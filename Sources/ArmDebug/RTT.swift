import BootwireCore

/// Where the host looks for the control block.
public enum RTTSearch: Sendable, Equatable {
    /// Every 4-byte-aligned place in these regions (probe-rs scans the target's RAM regions;
    /// OpenOCD `rtt setup ADDRESS SIZE ID` scans one span). A region is read until it ends or
    /// a read faults (the end of the part's RAM when the region was a guess).
    case scan([RTTRegion])
    /// The block is here: the application's `_SEGGER_RTT` symbol (probe-rs `ScanRegion::Exact`).
    case exact(UInt32)
}

/// SEGGER RTT over any `DebugProbe`: the host side of the ring buffers, polled through the
/// probe's memory access while the core runs. Up-buffers are read and their RdOff advanced;
/// down-buffers are written only into free space and then their WrOff advanced, so unread data
/// is never overwritten (probe-rs `UpChannel::read`, `DownChannel::write`; OpenOCD
/// `src/target/rtt.c` `target_rtt_read_callback`, `target_rtt_write_callback`).
public final class RTTHost {
    public let probe: any DebugProbe
    public let block: RTTControlBlock
    /// Where buffers may lie (checked at attach and at every access).
    public let ram: [RTTRegion]

    init(probe: any DebugProbe, block: RTTControlBlock, ram: [RTTRegion]) {
        self.probe = probe
        self.block = block
        self.ram = ram
    }

    /// Bytes read per probe command while scanning; consecutive reads overlap by the ID's length
    /// less one, so an ID across two reads is found.
    static let scanChunk = 4096

    /// Finds the control block and reads its descriptors. `ram` is where buffers may lie;
    /// `names` adds where an sName string may lie (flash: SEGGER's "Terminal" is a literal).
    /// A block found by scanning that does not parse is passed over for a later one; when none
    /// parses, the first one's `rtt-corrupted` is thrown, and `rtt-not-found` when no ID matched.
    public static func attach(
        probe: any DebugProbe, search: RTTSearch, ram: [RTTRegion], names: [RTTRegion] = []
    ) throws -> RTTHost {
        let readable = ram + names
        let name = { (address: UInt32) in readName(probe, address, in: readable) }
        switch search {
        case .exact(let address):
            let block = try RTTControlBlock.parse(
                try readBlock(probe, address), at: address, ram: ram, name: name)
            return RTTHost(probe: probe, block: block, ram: ram)
        case .scan(let regions):
            var firstFailure: (any Error)?
            for address in try candidates(probe, regions) {
                do {
                    let block = try RTTControlBlock.parse(
                        try readBlock(probe, address), at: address, ram: ram, name: name)
                    return RTTHost(probe: probe, block: block, ram: ram)
                } catch {
                    firstFailure = firstFailure ?? error
                }
            }
            throw firstFailure ?? RTTError.notFound(searched: regions)
        }
    }

    /// Addresses in `regions` where the 16-byte ID starts, in address order.
    static func candidates(_ probe: any DebugProbe, _ regions: [RTTRegion]) throws -> [UInt32] {
        let id = RTTLayout.id
        var found: [UInt32] = []
        for region in regions {
            var address = region.base
            while UInt64(address) + UInt64(id.count) <= region.end {
                let count = Int(min(UInt64(scanChunk), region.end - UInt64(address)))
                let bytes: [UInt8]
                do {
                    bytes = try probe.readMemory(address, count: count)
                } catch let error as ProbeError {
                    // A bus fault is the end of the RAM; anything else is the probe's trouble.
                    guard case .fault = error.fault else { throw error }
                    break
                }
                var i = (4 - Int(address & 3)) & 3
                while i + id.count <= bytes.count {
                    let at = address + UInt32(i)
                    if bytes[i] == id[0], Array(bytes[i..<i + id.count]) == id, found.last != at { found.append(at) }
                    i += 4
                }
                if count < scanChunk || UInt64(address) + UInt64(count) >= region.end { break }
                address += UInt32(count - id.count + 4) & ~3
            }
        }
        return found
    }

    /// The header, then as many descriptors as it claims (never more than the limit allows).
    static func readBlock(_ probe: any DebugProbe, _ address: UInt32) throws -> [UInt8] {
        let header = try probe.readMemory(address, count: RTTLayout.headerSize)
        let counts = [16, 20].map { Int(RTTLayout.word(header, $0)) }
        guard Array(header.prefix(16)) == RTTLayout.id, counts.allSatisfy({ $0 <= RTTLayout.maxBuffers }) else {
            return header
        }
        let descriptors = (counts[0] + counts[1]) * RTTLayout.descriptorSize
        guard descriptors > 0 else { return header }
        return header + (try probe.readMemory(address + UInt32(RTTLayout.headerSize), count: descriptors))
    }

    /// A NUL-terminated name of at most 32 printable bytes, where it may be read; nil otherwise
    /// (probe-rs `read_c_string` also gives up on a pointer outside RAM and flash).
    static func readName(_ probe: any DebugProbe, _ address: UInt32, in regions: [RTTRegion]) -> String? {
        guard let region = regions.first(where: { $0.contains(address) }) else { return nil }
        let count = Int(min(32, region.end - UInt64(address)))
        guard let bytes = try? probe.readMemory(address, count: count),
            let end = bytes.firstIndex(of: 0), end > 0,
            bytes[..<end].allSatisfy({ (0x20..<0x7F).contains($0) })
        else { return nil }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    // MARK: the buffers

    public func upBuffer(_ number: Int) throws -> RTTBuffer { try buffer(block.up, .up, number) }
    public func downBuffer(_ number: Int) throws -> RTTBuffer { try buffer(block.down, .down, number) }

    private func buffer(_ list: [RTTBuffer], _ direction: RTTBuffer.Direction, _ number: Int) throws -> RTTBuffer {
        guard let buffer = list.first(where: { $0.number == number }) else {
            throw BootwireError(
                .rttNotFound,
                "the RTT control block at \(RTTLayout.text(block.address)) has no \(direction.rawValue)-buffer \(number)",
                hint: "the application configures \(list.count) \(direction.rawValue)-buffer(s) in use: "
                    + (list.map { "\($0.number)" }.joined(separator: ", ").nilIfEmpty ?? "none"),
                evidence: ["address": RTTLayout.text(block.address)])
        }
        return buffer
    }

    /// WrOff and RdOff as they are now, checked against the buffer's size.
    func ring(_ buffer: RTTBuffer) throws -> RTTRing {
        let words = try probe.readMemory(buffer.writeOffsetAddress, count: 8)
        let ring = RTTRing(size: buffer.size, write: RTTLayout.word(words, 0), read: RTTLayout.word(words, 4))
        guard ring.isValid else {
            throw RTTError.corrupted(
                "\(buffer.direction.rawValue)-buffer \(buffer.number): WrOff \(ring.write) or RdOff \(ring.read) "
                    + "is not below SizeOfBuffer \(buffer.size)",
                at: buffer.descriptor)
        }
        return ring
    }

    /// What the application wrote to up-buffer `number` and the host has not read, at most
    /// `max` bytes (the rest stays for the next call); RdOff is advanced past what was read.
    public func read(up number: Int, max: Int = 4096) throws -> [UInt8] {
        let buffer = try upBuffer(number)
        var ring = try ring(buffer)
        var bytes: [UInt8] = []
        for run in ring.readRuns(max: max) {
            bytes += try probe.readMemory(buffer.buffer + run.offset, count: run.count)
        }
        guard !bytes.isEmpty else { return [] }
        ring.consume(bytes.count)
        try probe.writeWord(buffer.readOffsetAddress, ring.read)
        return bytes
    }

    /// Puts as much of `bytes` into down-buffer `number` as its free space takes (never
    /// over bytes the application has not read yet), then advances WrOff; returns how many.
    public func write(down number: Int, _ bytes: [UInt8]) throws -> Int {
        let buffer = try downBuffer(number)
        var ring = try ring(buffer)
        var taken = 0
        for run in ring.writeRuns(max: bytes.count) {
            try probe.writeMemory(buffer.buffer + run.offset, Array(bytes[taken..<taken + run.count]))
            taken += run.count
        }
        guard taken > 0 else { return 0 }
        ring.produce(taken)
        // The data is in place before WrOff says so: the application may read at any moment.
        try probe.writeWord(buffer.writeOffsetAddress, ring.write)
        return taken
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
