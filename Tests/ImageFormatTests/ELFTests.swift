import BootwireCore
import Testing

@Suite struct ELFTests {
    /// A Cortex-M layout: .text in flash, .data linked in RAM but loaded after .text in flash,
    /// a .bss-only segment, and a note that is not loadable.
    static func firmware(is64Bit: Bool = false, bigEndian: Bool = false) -> ELFBuilder {
        ELFBuilder(
            is64Bit: is64Bit, bigEndian: bigEndian, machine: 40, entry: 0x0800_0009,
            programs: [
                .init(vaddr: 0x0800_0000, paddr: 0x0800_0000, data: Array(0..<16)),
                .init(vaddr: 0x2000_0000, paddr: 0x0800_0010, data: [0xD1, 0xD2, 0xD3, 0xD4], memsz: 0x100),
                .init(vaddr: 0x2000_0100, paddr: 0x2000_0100, data: [], memsz: 0x400),
                .init(type: 4, vaddr: 0, paddr: 0, data: [1, 2, 3, 4]),
            ])
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func loadsAtPhysicalAddressesInEveryClassAndByteOrder(_ is64Bit: Bool, _ bigEndian: Bool) throws {
        let image = try ELFImage.parse(Self.firmware(is64Bit: is64Bit, bigEndian: bigEndian).build(), file: "app.elf")
        #expect(image.is64Bit == is64Bit)
        #expect(image.isBigEndian == bigEndian)
        #expect(image.machine == 40)
        #expect(image.entryPoint == 0x0800_0009)
        #expect(image.plan.entryPoint == 0x0800_0009)
        #expect(image.plan.segments.map(\.address) == [0x0800_0000, 0x0800_0010])
        #expect(image.plan.segments.map(\.bytes) == [Array(0..<16), [0xD1, 0xD2, 0xD3, 0xD4]])
        #expect(image.plan.segments.map(\.originDescription) == ["app.elf segment 0", "app.elf segment 1"])
        #expect(image.plan.merged().segments.count == 1)
    }

    @Test func sixtyFourBitAddresses() throws {
        let builder = ELFBuilder(
            is64Bit: true, bigEndian: true, machine: 243, entry: 0x1_2345_0000,
            programs: [.init(vaddr: 0x1_2345_0000, paddr: 0x1_2345_0000, data: [9, 8, 7])])
        let image = try ELFImage.parse(builder.build(), file: "rv.elf")
        #expect(image.machine == 243)
        #expect(image.plan.segments.map(\.range) == [0x1_2345_0000...0x1_2345_0002])
    }

    @Test func unsetPhysicalAddressesFallBackToVirtualOnes() throws {
        let builder = ELFBuilder(programs: [
            .init(vaddr: 0x0800_0000, paddr: 0, data: [1]), .init(vaddr: 0x0800_0100, paddr: 0, data: [2]),
        ])
        let plan = try ELFImage.parse(builder.build(), file: "a.elf").plan
        #expect(plan.segments.map(\.address) == [0x0800_0000, 0x0800_0100])
    }

    @Test func onlyBssGivesAnEmptyPlan() throws {
        let builder = ELFBuilder(programs: [.init(vaddr: 0x2000_0000, paddr: 0x2000_0000, data: [], memsz: 64)])
        #expect(try ELFImage.parse(builder.build(), file: "a.elf").plan.isEmpty)
    }

    /// Builds a valid file, corrupts it, and returns the error's evidence.
    func corrupted(
        _ builder: ELFBuilder = firmware(), sourceLocation: SourceLocation = #_sourceLocation,
        _ corrupt: (inout [UInt8]) -> Void
    ) -> [String: String] {
        var data = builder.build()
        corrupt(&data)
        let error = expectError(.badImage, sourceLocation: sourceLocation) {
            _ = try ELFImage.parse(data, file: "bad.elf")
        }
        #expect(error?.evidence["file"] == "bad.elf", sourceLocation: sourceLocation)
        return error?.evidence ?? [:]
    }

    @Test func headerErrorsGiveTheFieldsOffset() {
        let b = Self.firmware()
        #expect(corrupted { $0[3] = 0x47 }["offset"] == "0x0")
        #expect(corrupted { $0 = Array($0.prefix(10)) }["offset"] == "0x0")
        #expect(corrupted { $0[4] = 3 }["offset"] == "0x4")
        #expect(corrupted { $0[5] = 0 }["offset"] == "0x5")
        #expect(corrupted { $0[6] = 2 }["offset"] == "0x6")
        let short = corrupted { $0 = Array($0.prefix(40)) }
        #expect(short["offset"] == "0x28")
        #expect(short["file_length"] == "40")
        #expect(corrupted { b.put(&$0, 0, at: b.phnumField, 2) }["offset"] == "0x2C")
        #expect(corrupted { b.put(&$0, 0xFFFF, at: b.phnumField, 2) }["offset"] == "0x2C")
        #expect(corrupted { b.put(&$0, 16, at: b.phentsizeField, 2) }["offset"] == "0x2A")
    }

    @Test func programHeaderTablePastTheEnd() {
        let b = Self.firmware()
        let length = b.build().count
        let evidence = corrupted { b.put(&$0, UInt64(length - 8), at: b.phoffField, 4) }
        #expect(evidence["offset"] == "0x" + String(length - 8, radix: 16, uppercase: true))
        #expect(evidence["file_length"] == "\(length)")
        let b64 = Self.firmware(is64Bit: true)
        // phoff + the table's size overflows 64 bits.
        #expect(
            corrupted(b64) { b64.put(&$0, UInt64.max - 8, at: b64.phoffField, 8) }["offset"] == "0xFFFFFFFFFFFFFFF7")
    }

    @Test func segmentDataPastTheEnd() {
        let b = Self.firmware()
        let length = b.build().count
        let evidence = corrupted { b.put(&$0, UInt64(length - 2), at: b.pOffsetField(1), 4) }
        #expect(evidence["segment"] == "1")
        #expect(evidence["offset"] == "0x" + String(length - 2, radix: 16, uppercase: true))
        let b64 = Self.firmware(is64Bit: true, bigEndian: true)
        let wrapped = corrupted(b64) { b64.put(&$0, 0xFFFF_FFFF_FFFF_FFF0, at: b64.pOffsetField(0), 8) }
        #expect(wrapped["segment"] == "0")
        #expect(wrapped["offset"] == "0xFFFFFFFFFFFFFFF0")
        let huge = corrupted(b64) { b64.put(&$0, UInt64.max, at: b64.pFileszField(0), 8) }
        #expect(huge["segment"] == "0")
    }

    @Test func moreFileBytesThanMemoryBytes() {
        let b = Self.firmware()
        let evidence = corrupted { b.put(&$0, 1, at: b.pMemszField(0), 4) }
        #expect(evidence["segment"] == "0")
        #expect(evidence["offset"] == "0x" + String(b.pFileszField(0), radix: 16, uppercase: true))
    }

    @Test func segmentWrappingTheAddressSpace() {
        let b = Self.firmware()
        let evidence = corrupted { b.put(&$0, 0xFFFF_FFF8, at: b.pPaddrField(0), 4) }
        #expect(evidence["segment"] == "0")
        #expect(evidence["address"] == "0xFFFFFFF8")
        #expect(evidence["offset"] == "0x" + String(b.programHeaderOffset(0), radix: 16, uppercase: true))
    }

    @Test func overlappingSegmentsNameBoth() {
        let b = Self.firmware()
        let evidence = corrupted { b.put(&$0, 0x0800_000E, at: b.pPaddrField(1), 4) }
        #expect(evidence["segment"] == "1")
        #expect(evidence["other_segment"] == "0")
        #expect(evidence["start"] == "0x800000E")
        #expect(evidence["end"] == "0x800000F")
    }
}
