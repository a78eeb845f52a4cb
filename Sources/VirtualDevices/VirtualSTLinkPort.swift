import BootwireCore
import Foundation
import STM32
import USB

/// `virtual:stlink-l476[,options]` and `virtual:stlink-f4[,options]`: a virtual ST-LINK (V2-1
/// unless `v2`/`v3`) wired to a virtual STM32L476 (1 MiB) or STM32F407 (1 MiB);
/// `stlink-l432` (256 KiB) and `stlink-l452` (512 KiB) are single-bank L4s, `stlink-f429` a
/// 2 MiB dual-bank F429. Device options:
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
/// - `bfb2` (L476): BFB2 set, so the banks swap when the application boots through the ROM,
///   and not after a reset-and-halt (SYSCFG_MEMRMP.FB_MODE).
/// - `mass-erase-seconds=N` (F4): BSY stays set N seconds after a mass erase starts.
/// - `voltage=V`: the target supply GET_TARGET_VOLTAGE reports (default 3.3); an F4 below
///   2.7 V refuses x32 programming.
/// - `rtt=ADDRESS|none`: where the application (started by a reset into a valid vector table)
///   puts its SEGGER RTT control block (default 0x20000400); `none`: firmware without RTT.
/// - `binary-serial` (with `v2`): the V2's serial string is 12 raw bytes, not text.
/// - `flash-wait=reported|hidden` (L4): erase and programming take their typical time in wall
///   time, and a flash access that starts meanwhile gets SWD_AP_WAIT (`reported`) or is held
///   until the flash is free (`hidden`): which real firmware does is not known.
public enum VirtualSTLinkPort {
    public static var names: [String] { VirtualPartCatalogue.stlinkNames }

    static func attach(name: String, options: [VirtualOption], to bus: VirtualUSBBus) throws -> USBDeviceMatch {
        var identity = VirtualSTLink.Identity.v21
        var storm = 0
        var statePath: String?
        var disabled = false
        var flashWait: String?
        var volts: Double?
        var rtt: UInt32?? = nil
        var rest: [VirtualOption] = []
        for option in options {
            switch option.key {
            case "v2", "v3":
                try option.flag()
                identity = option.key == "v2" ? .v2 : .v3
            case "firmware": identity.jtag = try option.integer(in: 0...255, "firmware=J, e.g. firmware=24")
            case "wait-storm":
                storm =
                    option.value == nil ? Int.max : try option.integer(in: 0...Int.max, "wait-storm or wait-storm=N")
            case "state": statePath = try option.text("state=PATH")
            case "swd-disabled":
                try option.flag()
                disabled = true
            case "binary-serial":
                try option.flag()
                identity.binarySerial = true
            case "rtt":
                let text = try option.text("rtt=ADDRESS or rtt=none, e.g. rtt=0x20000400")
                if text == "none" {
                    rtt = .some(nil)
                } else if text.hasPrefix("0x"), let address = UInt32(text.dropFirst(2), radix: 16) {
                    rtt = address
                } else {
                    throw option.bad("rtt=ADDRESS or rtt=none, e.g. rtt=0x20000400")
                }
            case "voltage": volts = try option.real(in: 1.6...3.6, "voltage=V, e.g. voltage=1.8")
            case "flash-wait":
                guard let wait = option.value, ["reported", "hidden"].contains(wait) else {
                    throw option.bad("flash-wait=reported or flash-wait=hidden")
                }
                flashWait = wait
            default: rest.append(option)
            }
        }
        let target = try target(name, rest)
        // The H7 controller's timings run on the bus's clock (`time=simulated`: no wall time).
        (target.flash as? VirtualSectorFlash)?.clock = bus.clock
        target.appDisablesSWD = disabled
        target.clock = bus.clock
        if let rtt {
            guard rtt.map({ target.sramHolds($0, count: VirtualRTTApplication.span) }) ?? true else {
                throw BootwireError(
                    .usage, "rtt=\(Hex.address(rtt ?? 0)) is not inside the SRAM of virtual:\(name)",
                    hint: "use an SRAM address, e.g. rtt=0x20000400, or rtt=none")
            }
            target.rttAddress = rtt
        }
        if let address = STM32PartCatalogue.part(deviceID: UInt16(target.idcode & 0xFFF))?.uniqueIDAddress {
            target.uniqueID = (address, VirtualUniqueID.bytes(12, statePath: statePath))
        }
        let probe = VirtualSTLink(identity: identity, target: target)
        probe.waitStorm = storm
        if let volts {
            probe.targetVolts = volts
            (target.flash as? VirtualF4Flash)?.supplyVolts = volts
        }
        if let flashWait {
            (target.flash as? VirtualL4Flash)?.realTimeBusy = true
            probe.flashWaitReported = flashWait == "reported"
        }
        probe.statePath = statePath
        _ = probe.loadState()
        target.powerOn()
        bus.attach(probe)
        VirtualUSBSessions.register(bus) { probe.saveState() }
        return USBDeviceMatch(vendorID: 0x0483, productIDs: [identity.productID], name: VirtualPort.prefix + name)
    }

    /// The part behind `virtual:NAME` (the catalogue's row) with its flash model and options.
    static func target(_ name: String, _ options: [VirtualOption]) throws -> VirtualSWDTarget {
        guard let part = VirtualPartCatalogue.part(portName: name), let swd = part.swd else {
            throw BootwireError(
                .unknownVirtualDevice, "no virtual ST-LINK target called `\(name)`",
                hint: "use one of: " + names.map { VirtualPort.prefix + $0 }.joined(separator: ", "))
        }
        switch swd.flash {
        case .l4(let singleBank): return try l4(name, part, swd, singleBank: singleBank, options)
        case .f4(let dualBankCapable): return try f4(name, part, swd, dualBankCapable: dualBankCapable, options)
        case .page(let model):
            return try VirtualHostTargets.target(
                name, swd.target(of: part, flash: VirtualPageFlash(model: model)), options)
        case .sector(let model):
            return try VirtualHostTargets.target(
                name, swd.target(of: part, flash: VirtualSectorFlash(model: model)), options)
        }
    }

    static func l4(
        _ name: String, _ part: VirtualPart, _ swd: VirtualPart.SWD, singleBank: Bool, _ options: [VirtualOption]
    ) throws -> VirtualSWDTarget {
        let mismatch = options.contains { $0.key == "bank-mismatch" } && !singleBank
        let flash = VirtualL4Flash(flashSize: mismatch ? 512 << 10 : part.flashBytes, singleBank: singleBank)
        let target = swd.target(of: part, flash: flash)
        flash.target = target
        for option in options {
            if !["wrp", "mass-erase-seconds"].contains(option.key) { try option.flag() }
            switch option.key {
            case "wrp":
                let pages = try option.text("wrp=FIRST-LAST").split(separator: "-").compactMap { UInt32($0) }
                guard pages.count == 2, pages[0] <= pages[1], pages[1] < 256 else {
                    throw option.bad("wrp=FIRST-LAST with pages of bank 1, e.g. wrp=0-15")
                }
                flash.setOption(0x2C, 0xFF00_FF00 & ~0x00FF_00FF | pages[0] | pages[1] << 16)
            case "rdp1": flash.setOption(0x20, 0xFFEF_F8BB)
            case "optverr": flash.setStaleFlags(1 << 15)
            case "bfb2" where !singleBank: flash.setOption(0x20, 0xFFFF_F8AA)
            case "bank-mismatch" where !singleBank:
                flash.setOption(0x20, 0xFFCF_F8AA)
                flash.setRegisterOnly(0x20, 0xFFEF_F8AA)
                flash.fill((0..<(512 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:\(name)",
                    hint: "options: state=PATH, v2, v3, firmware=J, wrp=FIRST-LAST, rdp1, "
                        + (singleBank ? "" : "bank-mismatch, bfb2, ")
                        + "wait-storm[=N], swd-disabled, optverr, binary-serial, rtt=ADDRESS|none")
            }
        }
        return target
    }

    /// `stlink-f4`: an F407 (0x413, 1 MiB); `stlink-f429`: an F429ZI (0x419, 2 MiB in two banks).
    static func f4(
        _ name: String, _ part: VirtualPart, _ swd: VirtualPart.SWD, dualBankCapable: Bool,
        _ options: [VirtualOption]
    ) throws -> VirtualSWDTarget {
        let flash = VirtualF4Flash(flashSize: part.flashBytes, dualBankCapable: dualBankCapable)
        let target = swd.target(of: part, flash: flash)
        for option in options {
            if !["wrp", "mass-erase-seconds"].contains(option.key) { try option.flag() }
            switch option.key {
            case "rdp1": flash.setOPTCR(0x0FFF_BBEC)
            case "mass-erase-seconds":
                let seconds = try option.real(in: 0...3600, "mass-erase-seconds=N")
                flash.massEraseSeconds = seconds
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:\(name)",
                    hint: "options: state=PATH, v2, v3, firmware=J, rdp1, mass-erase-seconds=N, wait-storm[=N], "
                        + "swd-disabled, binary-serial, rtt=ADDRESS|none")
            }
        }
        return target
    }
}
