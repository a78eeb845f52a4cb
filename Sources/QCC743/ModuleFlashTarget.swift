import BootwireCore

/// The ST67W611M1's flash through its boot ROM, for the flash pipeline. The device hashes any
/// range (0x3E), so comparing costs far less than writing: unchanged images are skipped and
/// `erase = chip` erases only what is not erased. Files over 4 KiB go as xz streams.
public final class ModuleFlashTarget: FlashTarget {
    public let session: QCC743Session
    private let efuseImage: EfuseImage?
    private var efuseCache: [UInt8]?

    public init(session: QCC743Session, efuseImage: EfuseImage?) {
        self.session = session
        self.efuseImage = efuseImage
    }

    public var identity: TargetIdentity {
        let device = session.identity
        let mac = Hex.string(device.mac.reversed(), separator: ":")
        // Chip id and MAC: the module's own, so no two modules share a journal.
        return TargetIdentity(
            name: "ST67W611M1 boot ROM",
            journalKey: "\(device.chip.name)-\(device.bootInfo.chipID)-\(Hex.string(device.mac.reversed()))",
            chipID: device.bootInfo.chipID, mac: mac, bootROM: device.bootInfo.romVersion,
            signedBoot: device.bootInfo.signedBootRequired, baud: device.loadBaud, uniqueID: device.bootInfo.chipID,
            part: device.chip.name.uppercased(), flashSize: device.flashSize)
    }

    public var memory: FlashMemory {
        FlashMemory(range: 0..<session.identity.flashSize, unit: session.identity.chip.sectorSize)
    }
    public var factoryData: [FactoryRegion] {
        [session.identity.chip.factoryData].filter { $0.range.upperBound <= session.identity.flashSize }
    }
    public var comparesCheaply: Bool { true }
    /// The module's SPI NOR erases a 64 KiB block in 150 ms and the device hashes it in about
    /// 50 ms: asking block by block is cheaper than erasing blocks that are already erased.
    public var eraseBlockSize: Int { 0x10000 }

    private func efuse() throws -> [UInt8] {
        if let efuseCache { return efuseCache }
        let bytes = try session.readEfuse()
        efuseCache = bytes
        return bytes
    }

    /// An image the module would not boot (signed boot on: a damaged boot header, unsigned or
    /// another key) is refused before anything is erased; on an unlocked module a damaged boot
    /// header is a warning.
    public func check(_ images: [FlashImage]) throws {
        let efuse = EfuseSummary(try efuse())
        let bootInfo = session.identity.bootInfo
        try BootHeaderCheck.check(
            images, signedBoot: bootInfo.signedBootRequired || efuse.signatureRequired, events: session.events)
        try SigningCheck.check(images, efuse: efuse, bootInfo: bootInfo)
    }

    public func irreversibleSteps() throws -> [IrreversibleStep] {
        guard let efuseImage else { return [] }
        let change = try EfuseBurn.change(current: try efuse(), image: efuseImage)
        let session = self.session
        return [
            IrreversibleStep(
                name: "efuse", preview: EfuseBurn.describe(change),
                question: change.isNoOp ? nil : EfuseBurn.question(change),
                changes: change.fields.filter { $0.newlySetBits > 0 }.map(\.name),
                apply: { try EfuseBurn.burn(efuseImage, on: session) })
        ]
    }

    /// One hash answers both "already there" and "already erased" for the same range (the device
    /// hashes about 1.3 MB/s), however many other ranges were asked in between (planning asks
    /// about an image, then the rest of the flash, then the image's units): digests are kept
    /// until the flash changes.
    private var digests: [Range<Int>: [UInt8]] = [:]

    public func holds(_ expected: [UInt8], at address: Int) throws -> Bool? {
        let range = address..<address + expected.count
        let digest: [UInt8]
        if let known = digests[range] {
            digest = known
        } else {
            digest = try session.sha256(address: address, length: expected.count)
            digests[range] = digest
        }
        return digest == SHA256Digest.of(expected)
    }

    public func erase(_ units: [Range<Int>]) throws {
        digests = [:]
        for range in RangeSet.coalesce(units) { try session.erase(start: range.lowerBound, end: range.upperBound) }
    }

    public func eraseAll() throws {
        digests = [:]
        try session.chipErase()
    }

    public func program(_ image: PreparedImage) throws {
        digests = [:]
        try session.write(
            image.image.data, at: image.image.address, compressed: try image.xzStream(), label: image.image.name)
    }

    public func proof(of image: FlashImage) -> FlashProof { .deviceSHA256 }

    public func prove(_ image: PreparedImage) throws {
        let device = try session.sha256(address: image.image.address, length: image.image.data.count)
        guard device == image.sha256 else {
            throw BootwireError(
                .verifyMismatch,
                "\(image.image.name) at \(Hex.address(image.image.address)) does not match the file after writing",
                hint: session.client.resentFrames > 0
                    // Frames were resent in this session: the line changes bytes, so the written
                    // data may have been changed on the way; the flash is not to blame on that evidence.
                    ? "the line corrupted \(session.client.resentFrames) frames in this session, so bytes may have "
                        + "changed on the way: shorten the cable or lower --baud, then flash again"
                    : "if the flash was not erased first (erase = 0), run with --erase sections; otherwise run again, "
                        + "and if it repeats the flash may be worn or the supply unstable",
                evidence: [
                    "image": image.image.name, "address": Hex.address(image.image.address),
                    "expected-sha256": Hex.string(image.sha256), "device-sha256": Hex.string(device),
                    "resent-frames": "\(session.client.resentFrames)",
                ])
        }
    }

    /// The ROM drops its session after about 2 s of silence: harmless requests keep it while a
    /// person reads (`SessionHold`).
    public func holdingSession(while wait: @escaping @Sendable () throws -> Void) throws {
        try session.holding(while: wait)
    }

    /// The boot ROM has no "run" the pipeline could use: the module starts when CHIP_EN rises with BOOT low.
    public func run(at address: Int?) throws {
        session.events(.note(.info("the module starts its firmware at the next reset with BOOT low")))
    }

}
