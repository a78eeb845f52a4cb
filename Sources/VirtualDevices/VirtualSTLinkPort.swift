import BootwireCore
import Foundation
import USB

/// `virtual:stlink-l476[,options]` and `virtual:stlink-f4[,options]`: a virtual ST-LINK (V2-1
/// unless `v2`/`v3`) wired to a virtual STM32L476 (1 MiB) or STM32F407 (1 MiB). Device options:
/// - `state=PATH`: flash and option bytes load from and save to PATH (at each session's end),
///   so separate processes see one chip.
/// - `firmware=J`: the probe's JTAG firmware number (too old below J26 / V3J3).
/// - `wrp=FIRST-LAST`: bank-1 pages write-protected (WRP1AR) — L476.
/// - `rdp1`: readout protection level 1.
/// - `bank-mismatch`: a 512 KiB L47x whose OPTR register reads DUALBANK=1 while the option
///   bytes loaded at power-on say single bank — a DUALBANK write that was never launched — with
///   an older application in every page. A host that trusts OPTR erases the wrong pages.
/// - `wait-storm[=N]`: N (default: unending) SWD_AP_WAIT answers while SWCLK is above 480 kHz.
/// - `swd-disabled`: the application turns the SWD pins off; only connect-under-reset works.
/// - `optverr`: SR.OPTVERR set at power-on, as on some virgin parts.
public enum VirtualSTLinkPort {
    public static let names = ["stlink-l476", "stlink-f4"]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var targets: [ObjectIdentifier: VirtualSWDTarget] = [:]

    /// Flash work the virtual part did on `bus` in its own time (erase, program), seconds.
    public static func flashBusySeconds(on bus: VirtualUSBBus) -> Double? {
        lock.withLock { targets[ObjectIdentifier(bus)]?.flash.busySeconds }
    }

    static func attach(name: String, options: [String], to bus: VirtualUSBBus) throws -> USBDeviceMatch {
        var identity = VirtualSTLink.Identity.v21
        var storm = 0
        var statePath: String?
        var disabled = false
        var rest: [String] = []
        for option in options {
            let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
            switch kv[0] {
            case "v2": identity = .v2
            case "v3": identity = .v3
            case "firmware":
                guard kv.count == 2, let j = Int(kv[1]) else { throw bad(option, "firmware=J, e.g. firmware=24") }
                identity.jtag = j
            case "wait-storm":
                storm = kv.count == 2 ? Int(kv[1]) ?? -1 : Int.max
                guard storm >= 0 else { throw bad(option, "wait-storm or wait-storm=N") }
            case "state":
                guard kv.count == 2 else { throw bad(option, "state=PATH") }
                statePath = kv[1]
            case "swd-disabled": disabled = true
            default: rest.append(option)
            }
        }
        let target = try name == "stlink-f4" ? f4(rest) : l476(rest)
        target.appDisablesSWD = disabled
        let probe = VirtualSTLink(identity: identity, target: target)
        probe.waitStorm = storm
        probe.statePath = statePath
        _ = probe.loadState()
        target.powerOn()
        lock.withLock { targets[ObjectIdentifier(bus)] = target }
        bus.attach(probe)
        VirtualUSBSessions.register(bus) { probe.saveState() }
        return USBDeviceMatch(vendorID: 0x0483, productIDs: [identity.productID], name: VirtualPort.prefix + name)
    }

    static func bad(_ option: String, _ expected: String) -> BootwireError {
        BootwireError(.usage, "`\(option)`: write \(expected)")
    }

    static func l476(_ options: [String]) throws -> VirtualSWDTarget {
        let mismatch = options.contains("bank-mismatch")
        let flash = VirtualL4Flash(flashSize: mismatch ? 512 << 10 : 1 << 20)
        let target = VirtualSWDTarget(
            cpuid: 0x410F_C241, idcode: 0x1007_6415, idcodeAddress: 0xE004_2000, flash: flash,
            sram: [(0x2000_0000, 96 << 10), (0x1000_0000, 32 << 10)])
        flash.target = target
        for option in options {
            let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
            switch kv[0] {
            case "wrp":
                let pages = kv.count == 2 ? kv[1].split(separator: "-").compactMap { UInt32($0) } : []
                guard pages.count == 2, pages[0] <= pages[1], pages[1] < 256 else {
                    throw bad(option, "wrp=FIRST-LAST with pages of bank 1, e.g. wrp=0-15")
                }
                flash.setOption(0x2C, 0xFF00_FF00 & ~0x00FF_00FF | pages[0] | pages[1] << 16)
            case "rdp1": flash.setOption(0x20, 0xFFEF_F8BB)
            case "optverr": flash.setStaleFlags(1 << 15)
            case "bank-mismatch":
                flash.setOption(0x20, 0xFFCF_F8AA)
                flash.setRegisterOnly(0x20, 0xFFEF_F8AA)
                flash.fill((0..<(512 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:stlink-l476",
                    hint: "options: state=PATH, v2, v3, firmware=J, wrp=FIRST-LAST, rdp1, bank-mismatch, "
                        + "wait-storm[=N], swd-disabled, optverr")
            }
        }
        return target
    }

    static func f4(_ options: [String]) throws -> VirtualSWDTarget {
        let flash = VirtualF4Flash()
        let target = VirtualSWDTarget(
            cpuid: 0x410F_C241, idcode: 0x1007_6413, idcodeAddress: 0xE004_2000, flash: flash,
            sram: [(0x2000_0000, 128 << 10)])
        for option in options {
            switch option {
            case "rdp1": flash.setOPTCR(0x0FFF_BBEC)
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:stlink-f4",
                    hint: "options: state=PATH, v2, v3, firmware=J, rdp1, wait-storm[=N], swd-disabled")
            }
        }
        return target
    }
}
