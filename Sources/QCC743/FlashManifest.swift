import BootwireCore
import Foundation

/// A validated flashing plan from a vendor flash_prog_cfg.ini (spec 11): which file goes to
/// which address, how to erase, all checked against the files, the partition table and the
/// flash size before a single byte goes to a device.
public struct FlashManifest: Sendable, Equatable {
    /// A `skip_mode` region: flash the host must not touch.
    public struct SkipRegion: Sendable, Equatable {
        public var address: UInt32
        public var length: UInt32

        public var range: Range<Int> { Int(address)..<Int(address) + Int(length) }
    }

    public struct Image: Sendable, Equatable {
        /// The ini section name.
        public var name: String
        /// Absolute path on the host.
        public var path: String
        public var address: UInt32
        public var size: Int
        /// `max_len[0]` of the partition the address came from (`@partition`), else nil.
        public var partitionLimit: UInt32?
        /// The line of the section header, for messages.
        public var line: Int

        public var endAddress: UInt64 { UInt64(address) + UInt64(size) }
    }

    /// ST's `vxxx` placeholder in a filedir and the version file taken for it.
    public struct VersionChoice: Sendable, Equatable {
        public var section: String
        /// The name the ini gives (`st67w611m_mission_t02_vxxx.bin`).
        public var placeholder: String
        /// The newest matching file in the ini's folder (`st67w611m_mission_t02_v2.0.106.bin`).
        public var chosen: String
        /// Every version file that matched.
        public var candidates: [String]

        /// For a note: what was substituted, and out of how many.
        public var message: String {
            "[\(section)] \(placeholder) → \(chosen)"
                + (candidates.count > 1 ? " (the newest of \(candidates.count) versions beside the ini)" : "")
        }
    }

    public var iniPath: String
    public var erase: EraseMode
    /// Regions with a non-zero length; `0x0, 0x0` (ST's value) means none.
    public var skipRegions: [SkipRegion]
    /// Sorted by address.
    public var images: [Image]
    /// Sections whose `@partition` the vendor's substring lookup would resolve differently
    /// (another address or limit, or not at all) than the exact lookup Bootwire uses.
    public var vendorLookupDisagreements: [String]
    /// The `vxxx` names resolved to a version file, in ini order.
    public var versionChoices: [VersionChoice] = []

    /// The flash the job must leave alone, for `FlashOptions.keepOut`.
    public var keepOut: [Range<Int>] { skipRegions.map(\.range) }

    /// Each section's file as an image, read now: missing, folder, unreadable or empty files
    /// are refused here, before any port opens. Whole files: the pipeline writes around `keepOut`.
    public func flashImages() throws -> [FlashImage] {
        try images.map { image in
            FlashImage(
                name: image.name, address: Int(image.address),
                data: try FlashImage.readRaw(path: image.path, what: "[\(image.name)] file"))
        }
    }

    public static let cfgSection = "cfg"
    public static let partitionSection = "partition"

    /// Reads and validates `path`. `flashSize` (bytes), when known, bounds every image.
    /// Reads only the ini, the partition table and file sizes: no device I/O. `environment`
    /// resolves `$(NAME)` in paths; the caller passes it (the library reads no environment).
    public static func load(
        path: String, flashSize: Int? = nil, chipName: String = BouffaloChip.qcc743.name,
        environment: [String: String] = [:]
    ) throws -> FlashManifest {
        let data = try readFile(path, what: "flash config (ini)")
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let document = try IniDocument.parse(String(decoding: data, as: UTF8.self), file: absolute)
        let resolver = ImagePathResolver(
            iniDirectory: PathName.folder(of: absolute), chipName: chipName,
            environment: environment, iniFile: absolute)
        return try build(document, iniPath: absolute, resolver: resolver, flashSize: flashSize)
    }

    private static func build(
        _ document: IniDocument, iniPath: String, resolver: ImagePathResolver, flashSize: Int?
    ) throws -> FlashManifest {
        let settings = try CfgSettings(document.section(named: cfgSection), file: iniPath)

        var images: [Image] = []
        var partition: (table: PartitionTable, raw: [UInt8])?
        var disagreements: [String] = []
        var versionChoices: [VersionChoice] = []
        for section in document.sections where section.name != cfgSection {
            func evidence(_ line: Int, _ extra: [String: String] = [:]) -> [String: String] {
                ["file": iniPath, "line": "\(line)", "section": section.name].merging(extra) { $1 }
            }
            guard let filedir = section["filedir"] else {
                throw BootwireError(.badConfig, "[\(section.name)] has no filedir", evidence: evidence(section.line))
            }
            guard let addressValue = section["address"] else {
                throw BootwireError(.badConfig, "[\(section.name)] has no address", evidence: evidence(section.line))
            }
            let (path, version) = try resolver.resolveNamingVersion(filedir, section: section.name)
            if let version { versionChoices.append(version) }
            let size = try fileSize(path, evidence: evidence(filedir.line))

            let address: UInt32
            var limit: UInt32?
            if addressValue.text == "@partition" {
                guard let partition else {
                    throw BootwireError(
                        .badConfig, "[\(section.name)] uses @partition, but no [partition] section comes before it",
                        evidence: evidence(addressValue.line))
                }
                let entry = try lookUp(section.name, in: partition, evidence: evidence(addressValue.line))
                if !entry.vendorAgrees { disagreements.append(section.name) }
                address = entry.address
                limit = entry.maxLength
                if size > Int(entry.maxLength) {
                    throw BootwireError(
                        .imageTooLarge,
                        "[\(section.name)] is \(size) bytes, more than its partition's \(entry.maxLength)",
                        evidence: evidence(
                            addressValue.line,
                            ["path": path, "size": Hex.address(size, uppercase: true), "max_len": Hex.address(entry.maxLength, uppercase: true)]))
                }
            } else {
                guard let parsed = parseHex(addressValue.text) else {
                    throw BootwireError(
                        .badConfig, "[\(section.name)] address is neither hex nor @partition",
                        evidence: evidence(addressValue.line, ["address": addressValue.text]))
                }
                address = parsed
            }
            if let flashSize, UInt64(address) + UInt64(size) > UInt64(flashSize) {
                throw BootwireError(
                    .imageTooLarge, "[\(section.name)] ends beyond the end of the flash",
                    evidence: evidence(
                        section.line,
                        [
                            "path": path, "address": Hex.address(address, uppercase: true), "size": Hex.address(size, uppercase: true),
                            "flash_size": Hex.address(flashSize, uppercase: true),
                        ]))
            }
            if section.name == partitionSection {
                let raw = try readFile(path, what: "partition table")
                do {
                    partition = (try PartitionTable.parse(raw), raw)
                } catch var error as BootwireError {
                    error.evidence["file"] = path
                    throw error
                }
            }
            images.append(
                Image(
                    name: section.name, path: path, address: address, size: size, partitionLimit: limit,
                    line: section.line))
        }

        images.sort { ($0.address, $0.line) < ($1.address, $1.line) }
        try checkOverlaps(images, iniPath: iniPath)
        return FlashManifest(
            iniPath: iniPath, erase: settings.erase, skipRegions: settings.skipRegions, images: images,
            vendorLookupDisagreements: disagreements, versionChoices: versionChoices)
    }

    /// The exact-name entry for `@partition`, and whether the vendor's substring lookup
    /// (spec 11) would have found the same address and limit.
    private static func lookUp(
        _ name: String, in partition: (table: PartitionTable, raw: [UInt8]), evidence: [String: String]
    ) throws -> (address: UInt32, maxLength: UInt32, vendorAgrees: Bool) {
        let vendor = PartitionTable.vendorLookup(name: name, in: partition.raw)
        guard let entry = partition.table.entry(named: name) else {
            var extra = ["partitions": partition.table.entries.map(\.name).joined(separator: ",")]
            if let vendor { extra["vendor_substring_match_offset"] = Hex.address(vendor.offset, uppercase: true) }
            throw BootwireError(
                .badConfig, "the partition table has no partition named \(name)",
                evidence: evidence.merging(extra) { $1 })
        }
        let agrees = vendor?.address == entry.address && vendor?.maxLength == entry.maxLength
        return (entry.address, entry.maxLength, agrees)
    }

    /// Two images at one address, or one running into the next, would overwrite each other.
    private static func checkOverlaps(_ images: [Image], iniPath: String) throws {
        for (first, second) in zip(images, images.dropFirst())
        where first.endAddress > UInt64(second.address)
            || first.address == second.address
        {
            throw BootwireError(
                .imageOverlap, "[\(first.name)] and [\(second.name)] overlap",
                evidence: [
                    "file": iniPath, "first": first.name, "first_address": Hex.address(first.address, uppercase: true),
                    "first_end": Hex.address(first.endAddress, uppercase: true), "second": second.name,
                    "second_address": Hex.address(second.address, uppercase: true),
                ])
        }
    }

    private static func fileSize(_ path: String, evidence: [String: String]) throws -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw BootwireError(.fileNotFound, "cannot read the size of \(path)", evidence: evidence)
        }
        return size
    }
}

/// The vendor reads addresses with int(x, 16): `0x` optional, always hex.
func parseHex(_ text: String) -> UInt32? {
    var digits = Substring(text.trimmingCharacters(in: .whitespaces))
    if digits.lowercased().hasPrefix("0x") { digits = digits.dropFirst(2) }
    guard !digits.isEmpty else { return nil }
    return UInt32(digits, radix: 16)
}
