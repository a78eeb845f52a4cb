import BootwireCore
import Dispatch

/// What `[cfg] erase` in the ini (or --erase) asks for: 0 none (the flash must already be
/// erased where images go), 1 each image's sectors, 2 chip (the images, and erased flash
/// everywhere else).
public enum EraseMode: String, Sendable, CaseIterable, Equatable {
    case none, sections, chip

    public init?(iniValue: Int) {
        switch iniValue {
        case 0: self = .none
        case 1: self = .sections
        case 2: self = .chip
        default: return nil
        }
    }
}

/// Writes images to a connected module and proves each one with the device's SHA-256.
/// Same end state as the vendor tool, reached with less work: an image whose device hash
/// already matches is skipped, and `chip` erases only flash that is not already erased
/// (`literalChipErase` forces the 0x3C whole-chip erase).
public struct FlashJob: Sendable {
    public struct Image: Sendable, Equatable {
        public var name: String
        public var address: Int
        public var data: [UInt8]

        public init(name: String, address: Int, data: [UInt8]) {
            self.name = name
            self.address = address
            self.data = data
        }

        public var end: Int { address + data.count }
    }

    public struct Options: Sendable {
        public var erase: EraseMode = .sections
        public var literalChipErase = false
        /// Write even images the device already holds.
        public var force = false
        /// Ranges an interrupted session changed: images overlapping them are written again
        /// whatever the device's hashes say.
        public var rewrite: [Range<Int>] = []

        public init() {}
    }

    /// What happened to each image, for the result and the station report.
    public struct ImageOutcome: Sendable, Equatable {
        public var name: String
        public var address: Int
        public var size: Int
        public var compressedSize: Int?
        public var skipped: Bool
        public var seconds: Double
        public var sha256: String
    }

    public var images: [Image]
    public var options: Options

    public init(images: [Image], options: Options) {
        self.images = images.sorted { $0.address < $1.address }
        self.options = options
    }

    /// Images prepared ahead: hashes at once (SHA-256 runs at over 1 GB/s), xz streams on other
    /// threads while the link connects and compares, each awaited only when its image is written.
    public final class Prepared: @unchecked Sendable {
        private let hashes: [[UInt8]]
        private let groups: [DispatchGroup]
        private var streams: [Result<[UInt8]?, BootwireError>]

        public init(_ images: [Image]) {
            hashes = images.map { SHA256Digest.of($0.data) }
            groups = images.map { _ in DispatchGroup() }
            streams = Array(repeating: .success(nil), count: images.count)
            for (i, image) in images.enumerated() where image.data.count > 4096 {
                DispatchQueue.global().async(group: groups[i]) { [self] in
                    // Each slot is written by one task only; its group's wait orders the read.
                    streams[i] = Result { try XZ.compress(image.data) }.mapError(BootwireError.wrap)
                }
            }
        }

        func hash(_ i: Int) -> [UInt8] { hashes[i] }

        func stream(_ i: Int) throws -> [UInt8]? {
            groups[i].wait()
            return try streams[i].get()
        }
    }

    /// Checks that need no device beyond its flash size: every image fits, none overlap.
    public func validate(flashSize: Int) throws {
        for image in images where image.address < 0 || image.end > flashSize {
            throw BootwireError(
                .imageTooLarge,
                "\(image.name) (0x\(hex(image.address))..0x\(hex(image.end))) does not fit the \(flashSize / 1024) KiB flash",
                hint: "check the address and the file", evidence: ["image": image.name, "end": "0x\(hex(image.end))"])
        }
        for (a, b) in zip(images, images.dropFirst()) where b.address < a.end {
            throw BootwireError(
                .imageOverlap, "\(a.name) ends at 0x\(hex(a.end)), after \(b.name) begins at 0x\(hex(b.address))",
                hint: "move one of them or shorten the first", evidence: ["first": a.name, "second": b.name])
        }
    }

    public func run(on session: QCC743Session, prepared: Prepared, journal: SessionJournal?) throws -> [ImageOutcome] {
        let events = session.events
        try validate(flashSize: session.identity.flashSize)
        var outcomes: [ImageOutcome?] = Array(repeating: nil, count: images.count)
        var needsWrite = Array(repeating: true, count: images.count)
        // Sector ranges the compare found erased: no second hash before writing there.
        var knownErased = Array(repeating: false, count: images.count)

        if options.erase == .chip && options.literalChipErase {
            events(.stage("erase", detail: "whole chip (0x3C)"))
            journal?.record(.erase, 0..<session.identity.flashSize)
            try session.chipErase()
        } else {
            events(.stage("compare", detail: "asking the device for the SHA-256 of each image"))
            if !options.force {
                for (i, image) in images.enumerated() {
                    if options.erase != .none {
                        // The vendor erases each image's sectors: an image is only "already
                        // there" when the rest of its sectors is erased too (an older, longer
                        // firmware with the same start leaves its tail there). The same hash
                        // says whether the sectors are erased (the device hashes ~1.3 MB/s).
                        let sectors = Self.sectorRange(image.address..<image.end)
                        let device = try session.sha256(address: sectors.lowerBound, length: sectors.count)
                        needsWrite[i] = device != SHA256Digest.of(expectedContents(of: sectors))
                        knownErased[i] = device == Self.erasedHash(sectors.count)
                    } else {
                        needsWrite[i] =
                            try session.sha256(address: image.address, length: image.data.count) != prepared.hash(i)
                    }
                }
            }
            if options.erase == .chip {
                let dirty = try findDirtySectors(session: session)
                for (i, image) in images.enumerated()
                where dirty.contains(where: { $0.overlaps(Self.sectorRange(image.address..<image.end)) }) {
                    needsWrite[i] = true
                }
                let toErase = Self.coalesce(
                    dirty.filter { sector in
                        !images.indices.contains {
                            needsWrite[$0] && Self.sectorRange(images[$0].address..<images[$0].end).overlaps(sector)
                        }
                    })
                if !toErase.isEmpty {
                    // Old data outside the images (an older, longer firmware's tail, say) is
                    // what made modules boot stale code in the field: say where it was.
                    events(
                        .note(
                            .info(
                                "flash outside the images held data at "
                                    + toErase.prefix(6).map { "0x\(hex($0.lowerBound))..0x\(hex($0.upperBound))" }
                                    .joined(separator: ", ") + (toErase.count > 6 ? ", …" : "")
                                    + ": erasing it, as the vendor's chip erase would")))
                    events(
                        .stage(
                            "erase",
                            detail: "\(toErase.map(\.count).reduce(0, +) / 1024) KiB outside the images is not erased"))
                }
                for range in toErase {
                    journal?.record(.erase, range)
                    try session.erase(start: range.lowerBound, end: range.upperBound)
                }
                // Proven like written ranges: the device's hash of each must be that of erased flash.
                for range in toErase
                where try session.sha256(address: range.lowerBound, length: range.count) != Self.erasedHash(range.count)
                {
                    throw BootwireError(
                        .verifyMismatch,
                        "0x\(hex(range.lowerBound))..0x\(hex(range.upperBound)) is not erased after erasing it",
                        hint: "run again; if it repeats, the flash may be protected or worn",
                        evidence: ["start": "0x\(hex(range.lowerBound))", "end": "0x\(hex(range.upperBound))"])
                }
            }
        }

        for (i, image) in images.enumerated()
        where options.rewrite.contains(where: { $0.overlaps(Self.sectorRange(image.address..<image.end)) }) {
            needsWrite[i] = true
        }
        // Images that share a sector are erased together, so they are written together.
        for i in images.indices.dropFirst() where sharesSector(i - 1, i) && (needsWrite[i - 1] || needsWrite[i]) {
            needsWrite[i - 1] = true
            needsWrite[i] = true
        }

        for (i, image) in images.enumerated() {
            let hash = prepared.hash(i)
            let started = MonotonicClock.now()
            let hashText = Hex.string(hash)
            guard needsWrite[i] else {
                events(.note(.info("\(image.name) at 0x\(hex(image.address)) is already on the device: skipped")))
                outcomes[i] = ImageOutcome(
                    name: image.name, address: image.address, size: image.data.count, compressedSize: nil,
                    skipped: true, seconds: 0, sha256: hashText)
                continue
            }
            let stream = try prepared.stream(i)
            events(
                .stage(
                    "write \(image.name)",
                    detail: "0x\(hex(image.address)), \(image.data.count) bytes"
                        + (stream.map { ", \($0.count) compressed" } ?? "")))
            var sectors = Self.sectorRange(image.address..<image.end)
            // The first sector was erased with the previous image, whose bytes are now in it.
            if i > 0 && sharesSector(i - 1, i) {
                sectors = min(sectors.lowerBound + NORSector.size, sectors.upperBound)..<sectors.upperBound
            }
            // Erasing takes far longer than asking: flash that is already erased is left alone.
            if options.erase != .none && !(options.erase == .chip && options.literalChipErase) && !sectors.isEmpty,
                !knownErased[i],
                try session.sha256(address: sectors.lowerBound, length: sectors.count) != Self.erasedHash(sectors.count)
            {
                journal?.record(.erase, sectors)
                try session.erase(start: sectors.lowerBound, end: sectors.upperBound)
            }
            journal?.record(.write, image.address..<image.end)
            try session.write(image.data, at: image.address, compressed: stream, label: image.name)
            let deviceHash = try session.sha256(address: image.address, length: image.data.count)
            guard deviceHash == hash else {
                throw BootwireError(
                    .verifyMismatch, "\(image.name) at 0x\(hex(image.address)) does not match the file after writing",
                    hint: options.erase == .none
                        ? "the flash was not erased first (erase = 0); run with --erase sections"
                        : "run again; if it repeats, the flash may be worn or the supply unstable",
                    evidence: [
                        "image": image.name, "address": "0x\(hex(image.address))", "expected-sha256": hashText,
                        "device-sha256": Hex.string(deviceHash),
                    ])
            }
            journal?.record(.verified, image.address..<image.end)
            outcomes[i] = ImageOutcome(
                name: image.name, address: image.address, size: image.data.count,
                compressedSize: stream.flatMap { $0.count < image.data.count ? $0.count : nil }, skipped: false,
                seconds: Double(MonotonicClock.now() - started) / 1e9, sha256: hashText)
        }
        return outcomes.compactMap { $0 }
    }

    /// What `range` holds after the job: the images' bytes where they are, erased elsewhere.
    func expectedContents(of range: Range<Int>) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xFF, count: range.count)
        for image in images where image.address < range.upperBound && image.end > range.lowerBound {
            let from = max(image.address, range.lowerBound)
            let to = min(image.end, range.upperBound)
            bytes.replaceSubrange(
                (from - range.lowerBound)..<(to - range.lowerBound),
                with: image.data[(from - image.address)..<(to - image.address)])
        }
        return bytes
    }

    private func sharesSector(_ a: Int, _ b: Int) -> Bool {
        Self.sectorRange(images[a].address..<images[a].end).overlaps(
            Self.sectorRange(images[b].address..<images[b].end))
    }

    /// What `run` would do, in words, without changing anything: which images differ from the
    /// device and what would be erased.
    public func plan(on session: QCC743Session, prepared: Prepared) throws -> [String] {
        try validate(flashSize: session.identity.flashSize)
        var lines: [String] = []
        if options.erase == .chip && options.literalChipErase { lines.append("erase the whole chip (0x3C)") }
        for (i, image) in images.enumerated() {
            let same =
                try !options.force
                && session.sha256(address: image.address, length: image.data.count) == prepared.hash(i)
            let stream = same ? nil : try prepared.stream(i)
            lines.append(
                same
                    ? "skip \(image.name) at 0x\(hex(image.address)): already on the device"
                    : "write \(image.name) at 0x\(hex(image.address)): \(image.data.count) bytes"
                        + (stream.map { " (\($0.count) compressed)" } ?? ""))
        }
        if options.erase == .chip && !options.literalChipErase {
            let dirty = Self.coalesce(try findDirtySectors(session: session))
            lines.append("erase \(dirty.map(\.count).reduce(0, +) / 1024) KiB outside the images that is not erased")
        }
        return lines
    }

    /// Single sectors outside the images (and image tails within their last sector) that are not
    /// erased, found by comparing device hashes with the hash of 0xFF bytes, halving each
    /// differing range down to single sectors.
    private func findDirtySectors(session: QCC743Session) throws -> [Range<Int>] {
        var gaps: [Range<Int>] = []
        var cursor = 0
        for image in images {
            if image.address > cursor { gaps.append(cursor..<image.address) }
            cursor = max(cursor, image.end)
        }
        if cursor < session.identity.flashSize { gaps.append(cursor..<session.identity.flashSize) }
        var dirty: [Range<Int>] = []
        func visit(_ range: Range<Int>) throws {
            guard !range.isEmpty else { return }
            if try session.sha256(address: range.lowerBound, length: range.count) == Self.erasedHash(range.count) {
                return
            }
            let sectors = Self.sectorRange(range)
            if sectors.count <= NORSector.size {
                dirty.append(sectors)
                return
            }
            let middle = (range.lowerBound + range.count / 2) / NORSector.size * NORSector.size
            let split =
                middle <= range.lowerBound
                ? range.lowerBound + NORSector.size - range.lowerBound % NORSector.size : middle
            try visit(range.lowerBound..<split)
            try visit(split..<range.upperBound)
        }
        for gap in gaps { try visit(gap) }
        // One entry per sector, not coalesced: a dirty image tail merged with dirty sectors
        // beyond the image would overlap the image and be dropped from the erase list whole.
        return dirty.sorted { $0.lowerBound < $1.lowerBound }
    }

    static func erasedHash(_ count: Int) -> [UInt8] {
        SHA256Digest.of([UInt8](repeating: 0xFF, count: count))
    }

    /// The 4 KiB sectors a byte range touches.
    public static func sectorRange(_ range: Range<Int>) -> Range<Int> {
        let start = range.lowerBound / NORSector.size * NORSector.size
        let end = (range.upperBound + NORSector.size - 1) / NORSector.size * NORSector.size
        return start..<end
    }

    static func coalesce(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, last.upperBound >= range.lowerBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }
}

enum NORSector {
    static let size = 4096
}

func hex(_ value: Int) -> String { String(value, radix: 16) }
