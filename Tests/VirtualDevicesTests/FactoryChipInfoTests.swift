import QCC743
import Testing
import VirtualDevices

/// What ST's read_chip_info.py prints for the virtual module's factory eFuse (run by hand on the
/// same 512 bytes): the virtual module answers ST's chip-info script like a fresh module.
@Suite struct FactoryChipInfoTests {
    @Test func theFactoryEfuseAsSTsScriptPrintsIt() {
        let info = EfuseChipInfo(VirtualQCC743.factoryEfuse())
        #expect(info["JTAG"] == .text("Enabled"))
        #expect(info["Public Key"] == .text("Empty"))
        #expect(info["Anti-rollback"] == .text("Disabled"))
        #expect(info["Default MAC Address"] == .text("40:82:7B:03:D2:DC"))
        #expect(info["Part Number"] == .text("Invalid Part Number"))
        #expect(info["Manufacturing Year/Week"] == .text("Year 2000 | Week 00"))
        #expect(info["BOM Id"] == .text("0000"))
        #expect(info.entries.count == EfuseChipInfo.fields.count, "no RF trim is enabled")
    }

    @Test func aLockedModuleShowsSTsLock() {
        var efuse = VirtualQCC743.factoryEfuse()
        VirtualQCC743.lock(&efuse)
        let info = EfuseChipInfo(efuse)
        #expect(info["JTAG"] == .text("Disabled"))
        #expect(info["Public Key"] == .text("Filled"))
        #expect(info["Anti-rollback"] == .text("Enabled"))
    }
}
