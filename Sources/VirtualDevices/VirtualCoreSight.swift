/// What a debugger's CoreSight discovery reads on a virtual part, per core: the core MEM-AP's IDR
/// and BASE, and a ROM table naming the System Control Space, DWT and FPB by their component and
/// peripheral ID registers. pyOCD creates a core only from a ROM table entry whose IDs it knows
/// (`coresight/discovery.py`, `component_ids.py`), so a part without these has no core to flash.
///
/// Sources: ARM IHI 0031 (ADIv5.2) C2.6 (MEM-AP IDR, BASE), D3 (ROM table entries, CIDR/PIDR);
/// ARMv7-M ARM C1.2 / ARMv8-M ARM D1 (the PPB ROM table at 0xE00FF000); the IDR values are those
/// pyOCD's `coresight/ap.py` lists for each core's AHB-AP.
///
/// One ROM table at 0xE00FF000 serves every core here. Not modelled: the M7's processor ROM
/// table (0xE00FE000) that points at the PPB table, the H7's system ROM table behind AP2, ITM,
/// TPIU and ETM entries.
public enum VirtualCoreSight {
    /// The Cortex-M cores the catalogue's parts carry, by CPUID.PARTNO.
    public enum Core: Sendable {
        case m0plus, m4, m7, m33

        public init?(cpuid: UInt32) {
            switch (cpuid >> 4) & 0xFFF {
            case 0xC60: self = .m0plus
            case 0xC24: self = .m4
            case 0xC27: self = .m7
            case 0xD21: self = .m33
            default: return nil
            }
        }
    }

    /// One debug component: where its 4 KiB block sits and what its ID registers say.
    struct Component {
        var base: UInt32
        /// CIDR1[7:4]: 0xE generic IP (ARMv6-M/v7-M SCS, DWT, FPB), 0x9 CoreSight (v8-M).
        var componentClass: UInt32
        /// PIDR part number, ARM (JEP106 0x4BB) the designer.
        var part: UInt32
        /// DEVARCH.ARCHID of a CoreSight-class component (v8-M): 0x2A04 SCS, 0x1A02 DWT, 0x1A03 BPU.
        var archID: UInt32 = 0
    }

    /// The core MEM-AP's IDR: ARMv7-M AHB-AP 0x24770011 (M3/M4), M7 AHB-AP 0x84770001 (also
    /// the value pyOCD's H7 MinimalMemAP accepts: IDR & 0x0FFFE00F == 0x04770001), M0+ AHB-AP
    /// 0x04770031, M33 AHB5-AP 0x14770015.
    public static func apIDR(_ core: Core) -> UInt32 {
        switch core {
        case .m0plus: 0x0477_0031
        case .m4: 0x2477_0011
        case .m7: 0x8477_0001
        case .m33: 0x1477_0015
        }
    }

    public static let romTableBase: UInt32 = 0xE00F_F000
    /// MEM-AP BASE: the ROM table's address, format 1 (ADIv5), entry present.
    public static let apBase: UInt32 = romTableBase | 3

    static func components(_ core: Core) -> [Component] {
        switch core {
        case .m0plus:
            [
                Component(base: 0xE000_E000, componentClass: 0xE, part: 0x008),
                Component(base: 0xE000_1000, componentClass: 0xE, part: 0x00A),
                Component(base: 0xE000_2000, componentClass: 0xE, part: 0x00B),
            ]
        case .m4:
            [
                Component(base: 0xE000_E000, componentClass: 0xE, part: 0x00C),
                Component(base: 0xE000_1000, componentClass: 0xE, part: 0x002),
                Component(base: 0xE000_2000, componentClass: 0xE, part: 0x003),
            ]
        case .m7:
            [
                Component(base: 0xE000_E000, componentClass: 0xE, part: 0x00C),
                Component(base: 0xE000_1000, componentClass: 0xE, part: 0x002),
                Component(base: 0xE000_2000, componentClass: 0xE, part: 0x00E),
            ]
        case .m33:
            [
                Component(base: 0xE000_E000, componentClass: 0x9, part: 0xD21, archID: 0x2A04),
                Component(base: 0xE000_1000, componentClass: 0x9, part: 0xD21, archID: 0x1A02),
                Component(base: 0xE000_2000, componentClass: 0x9, part: 0xD21, archID: 0x1A03),
            ]
        }
    }

    /// The words the ROM table and each component's ID block read, by address.
    public static func idWords(_ core: Core) -> [UInt32: UInt32] {
        var words: [UInt32: UInt32] = [:]
        let parts = components(core)
        for (i, component) in parts.enumerated() {
            // A 32-bit-format entry: the signed offset from the table, present.
            words[romTableBase + UInt32(4 * i)] = (component.base &- romTableBase) & 0xFFFF_F000 | 3
            identify(component.base, componentClass: component.componentClass, part: component.part, into: &words)
            if component.archID != 0 {
                // DEVARCH: architect ARM (0x23B), present, the architecture ID.
                words[component.base + 0xFBC] = 0x4770_0000 | component.archID
            }
        }
        words[romTableBase + UInt32(4 * parts.count)] = 0
        words[romTableBase + 0xFCC] = 1  // MEMTYPE.SYSMEM: system memory on the bus.
        identify(romTableBase, componentClass: 0x1, part: 0x4C4, into: &words)
        return words
    }

    /// CIDR0–3 (0x0D, class << 4, 0x05, 0xB1) and PIDR0–4 of an ARM component.
    private static func identify(
        _ base: UInt32, componentClass: UInt32, part: UInt32, into words: inout [UInt32: UInt32]
    ) {
        words[base + 0xFF0] = 0x0D
        words[base + 0xFF4] = componentClass << 4
        words[base + 0xFF8] = 0x05
        words[base + 0xFFC] = 0xB1
        words[base + 0xFE0] = part & 0xFF
        words[base + 0xFE4] = (part >> 8) & 0xF | 0xB0  // JEP106 ID 0x3B, low nibble
        words[base + 0xFE8] = 0x0B  // JEP106 ID high bits, JEDEC-assigned
        words[base + 0xFEC] = 0
        words[base + 0xFD0] = 0x04  // JEP106 continuation code 4
    }
}
