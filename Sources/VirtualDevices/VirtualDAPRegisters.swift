/// The SW-DP's registers and each access port's own registers, as the ST-LINK's READ_DAP_REG
/// and WRITE_DAP_REG (0x45/0x46, V2J24+ and every V3) reach them: port 0xFFFF is the DP, any
/// other port number an APSEL. pyOCD reads the DP and scans the APs' IDRs with them, and its H7
/// targets read DBGMCU through TAR/DRW (`MinimalMemAP`) before discovery.
///
/// Sources: ARM IHI 0031 (ADIv5.2) B2.2 (DPIDR, CTRL/STAT power-up handshake, SELECT, RDBUFF,
/// banked TARGETID/DLPIDR), C2.6 (CSW, TAR, DRW, BD0–3, CFG, BASE, IDR); pyOCD
/// `probe/stlink/stlink.py` and OpenOCD `stlink_usb.c` for the command layout.
struct VirtualDAPRegisters {
    static let debugPort: UInt16 = 0xFFFF

    /// What the DAP reaches through a port: the part's DP identity, its core's AP, memory.
    struct Bus {
        var dpidr: UInt32
        /// TARGETID (DPv2): TPARTNO the part's DEV_ID, TDESIGNER ST (JEP106 0x20).
        var targetID: UInt32
        /// The IDR of access port `ap` (0: no AP there).
        var idr: (UInt8) -> UInt32
        var base: (UInt8) -> UInt32
        var read32: (UInt8, UInt32) -> UInt32?
        var write32: (UInt8, UInt32, UInt32) -> SWDAccess
    }

    enum Failure: Error, Equatable {
        /// A DRW/BDn access the bus refused: SWD_AP_FAULT.
        case fault
    }

    private var ctrlStat: UInt32 = 0
    private var select: UInt32 = 0
    private var csw: [UInt8: UInt32] = [:]
    private var tar: [UInt8: UInt32] = [:]

    /// CSW reads DeviceEn set and TrInProg clear; the rest holds what was written (Size,
    /// AddrInc, Prot, as an AHB-AP with every transfer size implements).
    private static let cswDeviceEn: UInt32 = 0x40

    mutating func read(port: UInt16, register: UInt16, bus: Bus) -> Result<UInt32, Failure> {
        if port == Self.debugPort {
            return .success(readDP(register, bus: bus))
        }
        let ap = UInt8(truncatingIfNeeded: port)
        guard bus.idr(ap) != 0 else { return .success(0) }
        switch register {
        case 0x00: return .success((csw[ap] ?? 0x0300_0002) & ~0x80 | Self.cswDeviceEn)
        case 0x04: return .success(tar[ap] ?? 0)
        case 0x0C: return transfer(ap, bus: bus, at: tar[ap] ?? 0, increment: true) { bus.read32(ap, $0) }
        case 0x10, 0x14, 0x18, 0x1C:
            let at = (tar[ap] ?? 0) & ~0xF | UInt32(register - 0x10)
            return transfer(ap, bus: bus, at: at, increment: false) { bus.read32(ap, $0) }
        case 0xF8: return .success(bus.base(ap))
        case 0xFC: return .success(bus.idr(ap))
        default: return .success(0)
        }
    }

    mutating func write(port: UInt16, register: UInt16, value: UInt32, bus: Bus) -> Result<Void, Failure> {
        if port == Self.debugPort {
            switch register {
            // CTRL/STAT: the request bits stick; sticky-error bits are not modelled.
            case 0x04: ctrlStat = value & 0x5000_0F00
            case 0x08: select = value
            default: break  // ABORT (0x0) and the rest: nothing to clear here.
            }
            return .success(())
        }
        let ap = UInt8(truncatingIfNeeded: port)
        guard bus.idr(ap) != 0 else { return .success(()) }
        switch register {
        case 0x00: csw[ap] = value
        case 0x04: tar[ap] = value
        case 0x0C:
            return transfer(ap, bus: bus, at: tar[ap] ?? 0, increment: true) {
                bus.write32(ap, $0, value) == .ok ? 0 : nil
            }.map { _ in () }
        case 0x10, 0x14, 0x18, 0x1C:
            let at = (tar[ap] ?? 0) & ~0xF | UInt32(register - 0x10)
            return transfer(ap, bus: bus, at: at, increment: false) {
                bus.write32(ap, $0, value) == .ok ? 0 : nil
            }.map { _ in () }
        default: break
        }
        return .success(())
    }

    /// DPIDR; CTRL/STAT with CSYSPWRUPACK/CDBGPWRUPACK following their requests (a virtual
    /// part powers up at once); SELECT; RDBUFF; bank 2 of 0x4 TARGETID, bank 3 DLPIDR.
    private func readDP(_ register: UInt16, bus: Bus) -> UInt32 {
        switch register {
        case 0x00: bus.dpidr
        case 0x04: ctrlStat | (ctrlStat & 1 << 30) << 1 | (ctrlStat & 1 << 28) << 1
        case 0x08: select
        case 0x24: bus.targetID
        case 0x34: 1  // DLPIDR: protocol version 1 (SWD v2), instance 0
        default: 0
        }
    }

    /// A word access through DRW or a banked window; DRW moves TAR on by a word when
    /// CSW.AddrInc says single increment.
    private mutating func transfer(
        _ ap: UInt8, bus: Bus, at address: UInt32, increment: Bool, _ access: (UInt32) -> UInt32?
    ) -> Result<UInt32, Failure> {
        guard let value = access(address) else { return .failure(.fault) }
        if increment, (csw[ap] ?? 0) & 0x30 == 0x10 {
            // Auto-increment wraps within the 1 KiB TAR page (ADIv5.2 C2.2.2).
            tar[ap] = address & ~0x3FF | (address &+ 4) & 0x3FF
        }
        return .success(value)
    }
}
