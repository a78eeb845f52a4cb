/// An ELF executable as a flasher sees it: the bytes of each loadable segment (PT_LOAD with
/// p_filesz > 0) at its physical address. p_paddr is the load address (LMA): for .data it is
/// the copy in flash that startup code moves to RAM, which is what must be programmed. The
/// part of p_memsz beyond p_filesz is .bss, zeroed at run time and never flashed.
///
/// Decisions:
/// - When every loadable segment has p_paddr 0 (some linkers leave it unset), virtual
///   addresses are used instead, as objcopy does; otherwise everything would land at 0.
/// - Segments are numbered from 0, as `readelf -l` numbers them, in origins and evidence.
/// - p_filesz > p_memsz, program headers or segment data past the end of the file, and
///   segments that wrap the address space are `.badImage` with the offending file offset.
///   All offset and size arithmetic is checked for overflow before any byte is read.
/// - Two segments loading at the same address are `.badImage` naming both.
/// - Extended program header numbering (e_phnum = 0xFFFF) is refused: firmware never needs
///   65535 segments, and supporting it means trusting section header 0 as well.
public struct ELFImage: Sendable, Equatable {
    public var is64Bit: Bool
    public var isBigEndian: Bool
    /// e_machine: 40 ARM (STM32), 243 RISC-V (QCC743), so a caller can refuse the wrong chip's file.
    public var machine: UInt16
    public var entryPoint: UInt64
    public var plan: FlashPlan

    public static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    static let ptLoad: UInt64 = 1

    public static func parse(_ data: [UInt8], file: String) throws -> ELFImage {
        func fail(_ message: String, offset: UInt64, _ evidence: [String: String] = [:]) -> BootwireError {
            BootwireError(
                .badImage, "\(file): \(message)", hint: "the file is not a valid ELF executable",
                evidence: evidence.merging(["file": file, "offset": AddressText.of(offset)]) { $1 })
        }
        let length = UInt64(data.count)
        guard data.count >= 16, Array(data[0..<4]) == magic else {
            throw fail("not an ELF file (no 7F 45 4C 46 at the start)", offset: 0)
        }
        guard data[4] == 1 || data[4] == 2 else {
            throw fail("ELF class \(data[4]) is neither 32- nor 64-bit", offset: 4)
        }
        guard data[5] == 1 || data[5] == 2 else {
            throw fail("ELF data encoding \(data[5]) is neither endianness", offset: 5)
        }
        guard data[6] == 1 else { throw fail("ELF version \(data[6]) is not 1", offset: 6) }
        let is64Bit = data[4] == 2
        let layout = is64Bit ? ELFLayout.elf64 : ELFLayout.elf32
        let fields = ELFFields(bytes: data, bigEndian: data[5] == 2, is64Bit: is64Bit)
        guard data.count >= layout.headerSize else {
            throw fail(
                "the ELF header needs \(layout.headerSize) bytes; the file has \(data.count)", offset: length,
                ["file_length": "\(data.count)"])
        }
        let phoff = fields.word(layout.phoff)
        let phentsize = fields.u16(layout.phentsize)
        let phnum = fields.u16(layout.phnum)
        guard phnum != 0 else {
            throw fail("no program headers: an object file, not a linked executable", offset: UInt64(layout.phnum))
        }
        guard phnum != 0xFFFF else {
            throw fail("extended program header numbering is not supported", offset: UInt64(layout.phnum))
        }
        guard phentsize >= layout.phdrSize else {
            throw fail(
                "program headers of \(phentsize) bytes are too small (at least \(layout.phdrSize))",
                offset: UInt64(layout.phentsize))
        }
        // phnum and phentsize are 16-bit, so their product cannot overflow; the sum can.
        let (tableEnd, tableOverflow) = phoff.addingReportingOverflow(phnum * phentsize)
        guard !tableOverflow, tableEnd <= length else {
            throw fail(
                "the program header table at \(AddressText.of(phoff)) runs past the end of the file", offset: phoff,
                ["file_length": "\(data.count)", "entries": "\(phnum)"])
        }

        struct Load {
            var index: Int
            var offset: UInt64
            var size: UInt64
            var physical: UInt64
            var virtual: UInt64
        }
        var loads: [Load] = []
        for index in 0..<Int(phnum) {
            let at = Int(phoff) + index * Int(phentsize)
            guard fields.u32(at) == ptLoad else { continue }
            let offset = fields.word(at + layout.pOffset)
            let size = fields.word(at + layout.pFilesz)
            let memsz = fields.word(at + layout.pMemsz)
            guard size > 0 else { continue }
            let evidence = ["segment": "\(index)", "size": AddressText.of(size), "file_length": "\(data.count)"]
            let (end, overflow) = offset.addingReportingOverflow(size)
            guard !overflow, end <= length else {
                throw fail(
                    "segment \(index)'s \(size) bytes at \(AddressText.of(offset)) run past the end of the file",
                    offset: offset, evidence)
            }
            guard size <= memsz else {
                throw fail(
                    "segment \(index) has more bytes in the file (\(size)) than in memory (\(memsz))",
                    offset: UInt64(at + layout.pFilesz), evidence.merging(["memory_size": AddressText.of(memsz)]) { $1 }
                )
            }
            loads.append(
                Load(
                    index: index, offset: offset, size: size,
                    physical: fields.word(at + layout.pPaddr), virtual: fields.word(at + layout.pVaddr)))
        }
        let usesVirtual = loads.allSatisfy { $0.physical == 0 } && loads.contains { $0.virtual != 0 }
        let top: UInt64 = is64Bit ? .max : 0xFFFF_FFFF
        var segments: [Segment] = []
        for load in loads {
            let address = usesVirtual ? load.virtual : load.physical
            let (last, overflow) = address.addingReportingOverflow(load.size - 1)
            guard !overflow, last <= top else {
                throw fail(
                    "segment \(load.index) at \(AddressText.of(address)) runs past the top of the address space",
                    offset: phoff + UInt64(load.index) * phentsize,
                    ["segment": "\(load.index)", "address": AddressText.of(address)])
            }
            segments.append(
                Segment(
                    address: address, bytes: Array(data[Int(load.offset)..<Int(load.offset + load.size)]),
                    origin: Origin(file: file, location: .segment(load.index))))
        }
        segments.sort { ($0.address, $0.origin.segmentIndex) < ($1.address, $1.origin.segmentIndex) }
        if let (a, b) = FlashPlan.firstOverlap(segments.map(\.range)) {
            // Named in program header order, so the evidence does not depend on the sort.
            let (first, second) =
                segments[a].origin.segmentIndex < segments[b].origin.segmentIndex
                ? (segments[a], segments[b]) : (segments[b], segments[a])
            let shared = max(first.address, second.address)...min(first.lastAddress, second.lastAddress)
            throw BootwireError(
                .badImage,
                "\(file): segments \(first.origin.segmentIndex) and \(second.origin.segmentIndex) both load at \(AddressText.of(shared))",
                hint: "check the linker script's load addresses (AT>)",
                evidence: [
                    "file": file, "segment": "\(second.origin.segmentIndex)",
                    "other_segment": "\(first.origin.segmentIndex)",
                    "start": AddressText.of(shared.lowerBound), "end": AddressText.of(shared.upperBound),
                ])
        }
        let entry = fields.word(layout.entry)
        return ELFImage(
            is64Bit: is64Bit, isBigEndian: fields.bigEndian, machine: UInt16(fields.u16(18)), entryPoint: entry,
            plan: FlashPlan(validated: segments, entryPoint: entry))
    }
}

extension Origin {
    fileprivate var segmentIndex: Int {
        if case .segment(let index) = location { return index }
        return -1
    }
}
