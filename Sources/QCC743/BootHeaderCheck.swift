import BootwireCore

/// The boot headers of the images about to be flashed, checked before anything is erased
/// (spec 13): the magic, the flash-config, clock-config and header CRCs, and the header's image
/// length and hash against the file. A module with signed boot on boots none of them with a
/// damaged header, so there it is refused; on an unlocked module it is a warning.
public enum BootHeaderCheck {
    /// Partition types whose image the boot ROM or boot2 boots, so it starts with a boot header
    /// (spec 14, ST's table): 16 Boot2, 0 FW, 10 mfg. Media (littlefs), PSM and the table
    /// itself carry none.
    static let bootablePartitionTypes: Set<UInt8> = [0, 10, 16]

    /// Where the boot ROM looks for boot2 (spec 13: boot2 is written at 0x0).
    static let bootAddress = 0

    /// One image whose header does not check out.
    public struct Finding: Sendable, Equatable {
        public var image: String
        public var address: Int
        /// `BootHeaderValidation.Check` raw values, or `magic` / `header` when there is no
        /// header to validate at all.
        public var failedChecks: [String]
        public var expected: String
        public var actual: String
    }

    /// The images that must start with a boot header: the one at 0x0, any that starts with
    /// `BFNP`, and those at a bootable partition's address when a partition table is among the
    /// images. Others (littlefs, the partition table, data) are left alone.
    static func imagesExpectingHeader(_ images: [FlashImage]) -> [FlashImage] {
        let partitions = images.compactMap { image -> PartitionTable? in
            guard image.data.starts(with: PartitionTable.magic) else { return nil }
            return try? PartitionTable.parse(image.data)
        }
        let bootable = Set(
            partitions.flatMap(\.entries).filter { bootablePartitionTypes.contains($0.type) }.map {
                Int($0.address)
            })
        return images.filter {
            $0.address == bootAddress || $0.data.starts(with: BootHeader.magic) || bootable.contains($0.address)
        }
    }

    /// Every expected header that is missing or does not check out.
    public static func findings(_ images: [FlashImage]) -> [Finding] {
        imagesExpectingHeader(images).compactMap { image in
            let header: BootHeader
            do {
                header = try BootHeader.parse(image.data)
            } catch let error as BootwireError {
                let magic = !image.data.starts(with: BootHeader.magic)
                return Finding(
                    image: image.name, address: image.address, failedChecks: [magic ? "magic" : "header"],
                    expected: magic ? Hex.string(BootHeader.magic) : "a whole boot header",
                    actual: magic ? Hex.string(image.data.prefix(4)) : error.message)
            } catch {
                return Finding(
                    image: image.name, address: image.address, failedChecks: ["header"], expected: "a boot header",
                    actual: "\(error)")
            }
            let validation = header.validate()
            guard let first = validation.failures.first else { return nil }
            return Finding(
                image: image.name, address: image.address, failedChecks: validation.failedChecks.map(\.rawValue),
                expected: first.expected, actual: first.actual)
        }
    }

    /// Refuses (`bad-boot-header`) on a module with signed boot on; warns with the same code on
    /// an unlocked one, which boots an unsigned image but not one whose CRCs or hash disagree.
    public static func check(_ images: [FlashImage], signedBoot: Bool, events: EventSink) throws {
        for finding in findings(images) {
            let at = Hex.address(finding.address)
            let what =
                "\(finding.image) at \(at): its boot header does not check out (\(finding.failedChecks.joined(separator: ", ")))"
            guard signedBoot else {
                events(.note(.warning(.badBootHeader, what + "; the boot ROM would not boot it")))
                continue
            }
            throw BootwireError(
                .badBootHeader, what + ", and this module boots only intact signed images",
                hint: "the file is damaged or was modified after signing: use the vendor's release file as shipped",
                evidence: [
                    "image": finding.image, "address": at,
                    "failed_checks": finding.failedChecks.joined(separator: ","), "expected": finding.expected,
                    "actual": finding.actual,
                ])
        }
    }
}
