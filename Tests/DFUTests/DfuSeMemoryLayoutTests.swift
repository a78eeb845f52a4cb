import BootwireCore
import DFU
import Testing

@Suite struct DfuSeMemoryLayoutTests {
    @Test func anF4FlashStringGivesItsSectorStarts() throws {
        let layout = try DfuSeMemoryLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
        #expect(layout.name == "Internal Flash")
        #expect(layout.size == 1 << 20)
        let starts = layout.allPages.map(\.start)
        #expect(starts.prefix(6) == [0x0800_0000, 0x0800_4000, 0x0800_8000, 0x0800_C000, 0x0801_0000, 0x0802_0000])
        #expect(starts.last == 0x080E_0000)
        #expect(layout.page(containing: 0x0801_FFFF)?.start == 0x0801_0000)
        #expect(layout.page(containing: 0x0801_FFFF)?.size == 64 * 1024)
        #expect(layout.page(containing: 0x0810_0000) == nil)
        #expect(layout.segments.allSatisfy { $0.readable && $0.erasable && $0.writable })
    }

    @Test func severalAddressGroupsAndMultipliers() throws {
        let layout = try DfuSeMemoryLayout("@Option Bytes  /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e")
        #expect(layout.name == "Option Bytes")
        #expect(layout.segments.map(\.start) == [0x1FFF_7800, 0x1FFF_F800])
        #expect(layout.segments.allSatisfy { $0.pageSize == 48 && $0.attributes == 5 })
        let mixed = try DfuSeMemoryLayout("@X/0x20000000/1*1Ma,2*16Bd,3*004 f")
        #expect(mixed.segments.map(\.pageSize) == [1 << 20, 16, 4])
        #expect(mixed.segments.map(\.attributes) == [1, 4, 6])
        #expect(mixed.segments[1].start == 0x2010_0000)
    }

    @Test func pagesCoveringARangeStopAtTheLayoutsEnd() throws {
        let layout = try DfuSeMemoryLayout("@Internal Flash   /0x08000000/256*04Kg")
        #expect(layout.pages(covering: 0x0800_0FFF, length: 2)?.map(\.start) == [0x0800_0000, 0x0800_1000])
        #expect(layout.pages(covering: 0x080F_F000, length: 0x1001) == nil)
    }

    @Test(arguments: [
        "Internal Flash/0x08000000/4*16Kg", "@Flash/0x08000000", "@Flash/08000000/4*16Kg", "@Flash/0x08000000/4*16Kz",
        "@Flash/0x08000000/4*Kg", "@Flash/0x08000000/4*16Qg",
    ])
    func malformedStringsAreRefused(text: String) {
        #expect(throws: BootwireError.self) { try DfuSeMemoryLayout(text) }
    }
}
