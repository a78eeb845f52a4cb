import BootwireCore
import Foundation

/// Accepts command lines written for ST's QConn_Flash_Cmd and QConn_Eflash (Bouffalo's
/// BLFlashCommand and eflash_loader, rebranded) as they appear in ST's scripts and forum posts,
/// and rewrites them into Bootwire subcommands:
///
///     --port P --config X.ini --efuse=E.bin        → flash --port P --config X.ini --efuse E.bin
///     --efusefile E.bin (bflb 1.4.x)               → --efuse E.bin
///     --port P --efuse=E.bin (nothing else to flash) → efuse burn E.bin --port P
///     --firmware F [--addr A]                      → flash F@A (A defaults to 0x0)
///     --write --flash --start A --file F           → flash F@A
///     write_flash_files A1 F1 A2 F2 …              → flash F1@A1 F2@A2 …
///     --erase --whole_chip                         → erase --whole-chip
///     --erase [--flash] --start A --end B          → erase --start A --end B+1
///     --erase --start A --len L                    → erase --start A --end A+L
///     --read [--flash] --start A --end B --file F  → read --start A --end B+1 --file F
///     --read --start A --len L --file F            → read --start A --len L --file F
///     -r --efuse --start A --end B --file F        → read --efuse --start A --end B+1 --file F
///     -p P, -b N, --baudrate N                     → --port P, --baud N
///     --chipname qcc743|qcc74x|bl616|auto          → dropped (they all name this module)
///     --interface uart, -i uart                    → dropped (the only interface)
///     --reset, --ram, --key, --flash_otp, …        → refused with what to do instead
///
/// The vendor's `--end` is the last byte (inclusive: `--end=0x1ff` reads 512 bytes); Bootwire's
/// is the address after it. Any other `--chipname` or `--interface` is refused: the vendor tool
/// would drive another chip's protocol, so accepting it silently would hide a wrong script.
enum QConnArguments {
    /// The names this module answers to: ST's (`qcc743`; `qcc74x` in QConn's own messages),
    /// Bouffalo's (`bl616`: the QCC743 reports the BL616 boot ROM id), and `auto` (the vendor
    /// tool detects the chip). Bouffalo's other chips (bl602, bl702, bl702l, bl616cl, bl618dg)
    /// have other boot ROMs and are refused.
    static let moduleChipNames: Set<String> = ["qcc743", "qcc74x", "bl616", "auto"]

    /// Vendor options Bootwire has no equivalent for, with what to do instead; without this table
    /// they would end as "unknown option" with no word on why.
    static let unsupported: [String: (what: String, hint: String)] = {
        let signing = (
            "encrypting or signing images while flashing", "flash images signed beforehand (ST's images are signed)"
        )
        let otp = ("the SPI flash's OTP area", "Bootwire reads, writes and erases the main flash only")
        return [
            "--reset": ("resetting the module after flashing", "pulse RESET with BOOT low to start the firmware"),
            "--warm_reset": ("resetting the module after flashing", "pulse RESET with BOOT low to start the firmware"),
            "--ram": ("running an image from RAM", "flash the image: bootwire flash FILE@ADDRESS"),
            "--build": ("building a flash pack", "Bootwire flashes the files an ini names; it builds nothing"),
            "--key": signing, "--iv": signing, "--pk": signing, "--sk": signing, "--pk_str": signing,
            "--sk_str": signing, "--flash_otp": otp, "--otpindex": otp, "--lock": otp,
            "--efuse_encrypted": (
                "the ECDH-encrypted eFuse write", "burn a plain or ST-encrypted image with --efuse=FILE"
            ),
            "--mac": ("writing the MAC", "the MAC is in the eFuse: bootwire efuse show reads it"),
        ]
    }()

    /// `translate` for `main`: a refused spelling ends the process here with its code, as JSON
    /// when `--json` was asked for, before any command parses.
    static func translate(
        _ arguments: [String], subcommands: Set<String>, invokedAs: String? = CommandLine.arguments.first
    ) -> [String] {
        do {
            return try rewrite(arguments, invokedAs: invokedAs)
        } catch {
            let result = JobResult(error: BootwireError.wrap(error))
            if arguments.contains("--json") {
                JSONRenderer().render(.result(result))
            } else {
                HumanRenderer(quiet: false).render(.result(result))
            }
            exit(ErrorCategory.usage.exitStatus)
        }
    }

    /// The rewrite itself. Arguments that do not start with an option are Bootwire's own and pass
    /// unchanged. `invokedAs` is argv[0]: installed under QConn_Eflash's name, a relative
    /// `--file` is taken from the executable's folder, as ST's NCP_get_chip_info.sh expects
    /// (it passes `--file=../flash.bin` to NCP_info/QConn_Eflash and then reads ./flash.bin).
    static func rewrite(_ arguments: [String], invokedAs: String? = nil) throws -> [String] {
        // The root's own flags (help, version, completions, the manual's dump) are not QConn spellings.
        let rootFlags = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]
        guard let first = arguments.first, first.hasPrefix("-"),
            !rootFlags.contains(where: { first == $0 || first.hasPrefix($0 + "=") })
        else { return arguments }
        // `--efuse` is a value (QConn_Flash_Cmd: the image to burn) or a flag (QConn_Eflash:
        // the eFuse is the target), told apart by whether the command reads.
        let reads = arguments.contains { $0 == "-r" || $0 == "--read" }
        var verb = "flash"
        var efuseTarget = false
        var efuseFile: String?
        var out: [String] = []
        var images: [String] = []
        var start: String?
        var end: String?
        var length: String?
        var file: String?
        var firmware: String?
        var address: String?
        var i = 0
        func split(_ arg: String) -> (name: String, inline: String?) {
            guard arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") else { return (arg, nil) }
            return (String(arg[..<eq]), String(arg[arg.index(after: eq)...]))
        }
        while i < arguments.count {
            let (name, inline) = split(arguments[i])
            i += 1
            func takeValue() throws -> String {
                if let inline { return inline }
                guard i < arguments.count else {
                    throw BootwireError(.usage, "\(name) needs a value", hint: "see bootwire help")
                }
                defer { i += 1 }
                return arguments[i]
            }
            switch name {
            case "--erase" where inline == nil, "-e": verb = "erase"
            case "--read" where inline == nil, "-r": verb = "read"
            case "--write" where inline == nil, "-w": verb = "flash"
            // The flash is the default target of every verb.
            case "--flash" where inline == nil: break
            case "--whole_chip": out.append("--whole-chip")
            case "--efuse":
                if let inline {
                    efuseFile = inline
                } else if !reads, i < arguments.count, !arguments[i].hasPrefix("-") {
                    efuseFile = arguments[i]
                    i += 1
                } else {
                    efuseTarget = true
                }
            case "--efusefile": efuseFile = try takeValue()
            case "--port", "-p": out += ["--port", try takeValue()]
            case "--baudrate", "-b": out += ["--baud", try takeValue()]
            case "--chipname":
                let chip = try takeValue()
                guard moduleChipNames.contains(chip.lowercased()) else {
                    throw BootwireError(
                        .wrongChipName, "--chipname \(chip) is not the ST67W611M1's chip",
                        hint: "Bootwire flashes the ST67W611M1 (QCC743, a BL616): give --chipname=qcc743 or drop it",
                        evidence: ["chipname": chip, "accepted": moduleChipNames.sorted().joined(separator: ",")])
                }
            case "--interface", "-i":
                let interface = try takeValue()
                guard interface.lowercased() == "uart" else {
                    throw BootwireError(
                        .usage, "--interface \(interface): Bootwire reaches the module through its UART boot ROM only",
                        hint: "drop --interface (uart is the default) and give the serial port with --port",
                        evidence: ["interface": interface])
                }
            case "--start": start = try takeValue()
            case "--end": end = try takeValue()
            case "--len": length = try takeValue()
            case "--file": file = try takeValue()
            case "--firmware": firmware = try takeValue()
            case "--addr": address = try takeValue()
            case "write_flash_files":
                // Address and file pairs up to the next option.
                while i + 1 < arguments.count, !arguments[i].hasPrefix("-") {
                    images.append("\(arguments[i + 1])@\(arguments[i])")
                    i += 2
                }
            case let option where unsupported[option] != nil:
                let (what, hint) = unsupported[option]!
                throw BootwireError(
                    .usage, "\(option): \(what) is not supported", hint: hint, evidence: ["option": option])
            default:
                out.append(name)
                if let inline { out.append(inline) }
            }
        }

        if efuseTarget && verb != "read" {
            throw BootwireError(
                .usage, "--efuse without a file only reads the eFuse",
                hint: "burn with --efuse=efusedata.bin (or bootwire efuse burn FILE); read with -r --efuse")
        }
        if let firmware {
            images.append("\(firmware)@\(address ?? "0x0")")
        } else if let address {
            out += ["--addr", address]
        }
        // The vendor's defaults for a read: from 0x0, into flash.bin.
        if verb == "read" {
            start = start ?? "0x0"
            file = file ?? "flash.bin"
        }
        if verb == "flash", let file {
            images.append("\(file)@\(start ?? "0x0")")
        } else {
            if let start { out += ["--start", start] }
            if let file { out += ["--file", vendorRelative(file, invokedAs: invokedAs)] }
        }
        if let end { out += ["--end", verb == "flash" ? end : inclusiveToExclusive(end)] }
        if let length {
            // Bootwire's erase takes a range; the vendor's `--len` (hex) ends it.
            if verb == "erase", end == nil, let first = start.flatMap(hexValue), let count = hexValue(length) {
                out += ["--end", "0x" + String(first + count, radix: 16)]
            } else {
                out += ["--len", length]
            }
        }
        if efuseTarget { out.insert("--efuse", at: 0) }
        if let efuseFile {
            // The eFuse alone (no ini, no image) is a burn, as the vendor does it.
            if verb == "flash", images.isEmpty, !out.contains("--config") {
                return ["efuse", "burn", efuseFile] + out
            }
            out += ["--efuse", efuseFile]
        }
        return [verb] + out + images
    }

    /// The vendor's last byte → Bootwire's address after it. Text that is not hex passes as it
    /// is, so the command reports it as its own usage error.
    static func inclusiveToExclusive(_ end: String) -> String {
        guard let last = hexValue(end), last < UInt64.max else { return end }
        return "0x" + String(last + 1, radix: 16)
    }

    /// The vendor reads addresses and lengths as hex, `0x` optional (int(x, 16)).
    static func hexValue(_ text: String) -> UInt64? {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        if digits.lowercased().hasPrefix("0x") { digits = digits.dropFirst(2) }
        return UInt64(digits, radix: 16)
    }

    /// QConn_Eflash writes a relative `--file` beside itself, not in the working folder.
    static func vendorRelative(_ file: String, invokedAs: String?) -> String {
        guard let invokedAs, !file.hasPrefix("/"),
            (invokedAs as NSString).lastPathComponent.hasPrefix("QConn_Eflash")
        else { return file }
        let folder = URL(fileURLWithPath: invokedAs).deletingLastPathComponent()
        return folder.appendingPathComponent(file).standardizedFileURL.path
    }
}
