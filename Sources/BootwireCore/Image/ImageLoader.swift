import Foundation

/// Reads an image file of any supported format into a plan, before any port opens.
///
/// Decisions:
/// - An address given with a HEX, S-record or ELF file is an error (`.badImage`), not an
///   offset: those files carry their own addresses, and a silent shift is the kind of mistake
///   that bricks a board. A raw binary without an address is `.badImage` with the hint to
///   give one.
/// - A file that yields no bytes to write (a HEX with only an end-of-file record, an ELF whose
///   segments are all .bss, an empty .bin) is `.badImage`: flashing nothing is never intended.
/// - A missing or unreadable file is `.fileNotFound`.
public enum ImageLoader {
    /// `exampleAddress`: where a raw binary usually goes on the route at hand (the module's
    /// application partition, an STM32's flash), for the hint when a raw file has no @ADDRESS.
    public static func load(path: String, address: UInt64?, exampleAddress: UInt64 = 0x0800_0000) throws -> FlashPlan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BootwireError(
                .fileNotFound, "image \(path) does not exist",
                hint: "check the path (relative paths start in \(FileManager.default.currentDirectoryPath))",
                evidence: ["path": path, "file": path])
        }
        guard !isDirectory.boolValue else {
            throw BootwireError(
                .badImage, "image \(path) is a folder, not a file", hint: "name the image file inside it",
                evidence: ["path": path, "file": path])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BootwireError(
                .fileNotFound, "image \(path) cannot be read", hint: "check its permissions",
                evidence: ["path": path, "file": path])
        }
        return try load(bytes: [UInt8](data), file: path, address: address, exampleAddress: exampleAddress)
    }

    /// `file` names the bytes in origins and evidence, and its extension helps detection.
    public static func load(
        bytes: [UInt8], file: String, address: UInt64?, exampleAddress: UInt64 = 0x0800_0000
    ) throws -> FlashPlan {
        let format = ImageFormat.detect(bytes, file: file)
        let evidence = ["file": file, "format": format.rawValue]
        if format.carriesAddresses, let address {
            throw BootwireError(
                .badImage,
                "\(file) is \(format.rawValue), which carries its own addresses; @\(AddressText.of(address)) would be ignored",
                hint: "name the file without @ADDRESS",
                evidence: evidence.merging(["address": AddressText.of(address)]) { $1 })
        }
        let plan: FlashPlan
        switch format {
        case .intelHex: plan = try IntelHex.parse(bytes, file: file)
        case .sRecord: plan = try SRecord.parse(bytes, file: file)
        case .elf: plan = try ELFImage.parse(bytes, file: file).plan
        case .dfuSe: plan = try DfuSeFile.parse(bytes, file: file).plan(file: file)
        case .raw:
            guard let address else {
                throw BootwireError(
                    .badImage, "\(file) is a raw binary, which says nothing about where it goes",
                    hint: "give an address: `bootwire flash \(file)@\(AddressText.padded(exampleAddress))`",
                    evidence: evidence)
            }
            plan = try RawBinary.plan(bytes, address: address, file: file)
        }
        guard !plan.isEmpty else {
            throw BootwireError(.badImage, "\(file) holds no bytes to write", evidence: evidence)
        }
        return plan
    }

    /// `FILE@ADDRESS` from a command line (the last `@`, so paths may contain one), or just
    /// `FILE`. `app.bin@0x08000000`, `app.bin@134217728` and `app.bin@64K` all work. Text after
    /// the last `@` that starts like a number but is not one is `.usage`; anything else is part
    /// of the path.
    public static func parseArgument(_ text: String) throws -> (path: String, address: UInt64?) {
        guard let at = text.lastIndex(of: "@"), at != text.startIndex else { return (text, nil) }
        let suffix = String(text[text.index(after: at)...])
        if let address = Hex.integer(suffix) { return (String(text[..<at]), address) }
        if let first = suffix.first, first.isNumber {
            throw BootwireError(
                .usage, "`\(suffix)` in \(text) is not an address", hint: "write it as 0x08000000, 134217728 or 64K",
                evidence: ["argument": text])
        }
        return (text, nil)
    }
}
