import Foundation

/// ARMv7-M / ARMv8-M debug registers (spec 2.3) and the halt and reset recipes on top of them.
public enum CortexDebug {
    public static let cpuid: UInt32 = 0xE000_ED00
    public static let aircr: UInt32 = 0xE000_ED0C
    public static let cfsr: UInt32 = 0xE000_ED28
    public static let hfsr: UInt32 = 0xE000_ED2C
    public static let dfsr: UInt32 = 0xE000_ED30
    public static let dhcsr: UInt32 = 0xE000_EDF0
    public static let demcr: UInt32 = 0xE000_EDFC

    public static let dbgKey: UInt32 = 0xA05F_0000
    public static let cDebugEn: UInt32 = 1 << 0
    public static let cHalt: UInt32 = 1 << 1
    public static let cMaskInts: UInt32 = 1 << 3
    public static let sHalt: UInt32 = 1 << 17
    public static let sResetSt: UInt32 = 1 << 25
    public static let vcCoreReset: UInt32 = 1 << 0
    public static let vcBusErr: UInt32 = 1 << 8
    public static let vcHardErr: UInt32 = 1 << 10
    public static let trcEna: UInt32 = 1 << 24
    public static let dfsrVCatch: UInt32 = 1 << 3
    public static let sysResetReq: UInt32 = 0x05FA_0004

    /// Part numbers of CPUID bits 15–4.
    public static func coreName(cpuid: UInt32) -> String {
        switch (cpuid >> 4) & 0xFFF {
        case 0xC20: "Cortex-M0"
        case 0xC60: "Cortex-M0+"
        case 0xC23: "Cortex-M3"
        case 0xC24: "Cortex-M4"
        case 0xC27: "Cortex-M7"
        case 0xD21: "Cortex-M33"
        default: "core 0x" + String((cpuid >> 4) & 0xFFF, radix: 16)
        }
    }
}

extension DebugProbe {
    public func halt() throws {
        try writeWord(CortexDebug.dhcsr, CortexDebug.dbgKey | CortexDebug.cDebugEn | CortexDebug.cHalt)
    }

    public func isHalted() throws -> Bool { try readWord(CortexDebug.dhcsr) & CortexDebug.sHalt != 0 }

    /// stlink-org's soft reset and halt: catch the reset vector, SYSRESETREQ, wait for the core to
    /// come back halted at the catch.
    public func resetAndHalt() throws {
        try halt()
        try writeWord(
            CortexDebug.demcr,
            CortexDebug.trcEna | CortexDebug.vcHardErr | CortexDebug.vcBusErr | CortexDebug.vcCoreReset)
        try writeWord(CortexDebug.dfsr, CortexDebug.dfsrVCatch)
        _ = try readWord(CortexDebug.dhcsr)
        try writeWord(CortexDebug.aircr, CortexDebug.sysResetReq)
        let deadline = Date().addingTimeInterval(0.5)
        while Date() < deadline {
            if try readWord(CortexDebug.dfsr) & CortexDebug.dfsrVCatch != 0, try isHalted() { break }
            Thread.sleep(forTimeInterval: 0.001)
        }
        try writeWord(CortexDebug.dfsr, 0x1F)
        try writeWord(CortexDebug.demcr, CortexDebug.trcEna)
    }

    /// Lets the application run from reset: no vector catch, debug off, then a hard reset.
    /// Returns false when NRST is not wired and SYSRESETREQ did the reset instead.
    @discardableResult
    public func resetAndRun() throws -> Bool {
        try writeWord(CortexDebug.demcr, 0)
        try writeWord(CortexDebug.dhcsr, CortexDebug.dbgKey)
        _ = try? readWord(CortexDebug.dhcsr)
        return try hardReset()
    }

    /// NRST low for 100 µs (≥ 20 µs needed), then high; S_RESET_ST says whether the pin reached
    /// the part. A core that vanished at once (firmware turning SWD off) counts as reset.
    public func hardReset() throws -> Bool {
        try setReset(asserted: true)
        Thread.sleep(forTimeInterval: 0.0001)
        try setReset(asserted: false)
        let dhcsr: UInt32
        do {
            dhcsr = try readWord(CortexDebug.dhcsr)
        } catch is ProbeError {
            return true
        }
        if dhcsr & CortexDebug.sResetSt != 0 { return true }
        try writeWord(CortexDebug.aircr, CortexDebug.sysResetReq)
        return false
    }
}
