/// `bootwire verify`: the pipeline's compare with nothing after it. No erase, no write, no
/// journal, no reset; each image is asked for with the compare every flash starts with
/// (`holds`: the device's hash, Get Checksum or a read-back), and where that cannot tell or
/// says no, with the route's proof read twice (`proveReadingTwice`: line noise is not a
/// difference), which names where the flash differs.
extension FlashPipeline {
    /// What the device holds of each image.
    public struct Verdict: Sendable, Equatable {
        public var name: String
        public var address: Int
        public var size: Int
        /// nil: the device holds the image; else the route's `verify-mismatch`.
        public var difference: BootwireError?
    }

    public func verify(_ prepared: [PreparedImage], on target: any FlashTarget) throws -> [Verdict] {
        let whole = prepared.sorted { $0.image.address < $1.image.address }
        _ = try FlashImage.validated(whole.map(\.image), flash: target.memory.range)
        var verdicts: [Verdict] = []
        for image in excludingKeepOut(whole) {
            events(.stage("compare", detail: "\(image.image.name) at \(Hex.address(image.image.address))"))
            var verdict = Verdict(
                name: image.image.name, address: image.image.address, size: image.image.data.count)
            if try target.holds(image.image.data, at: image.image.address) != true {
                do {
                    try proveReadingTwice(image, on: target)
                } catch let error as BootwireError where error.code == .verifyMismatch {
                    verdict.difference = error
                }
            }
            verdicts.append(verdict)
        }
        return verdicts
    }

    /// One `verify-mismatch` naming every image that differs, or nil when all match.
    public static func mismatch(_ verdicts: [Verdict]) -> BootwireError? {
        let differing = verdicts.filter { $0.difference != nil }
        guard let first = differing.first?.difference else { return nil }
        var evidence: [String: String] = ["differing": differing.map(\.name).joined(separator: ", ")]
        for verdict in differing {
            let at = verdict.difference?.evidence["address"] ?? Hex.address(verdict.address)
            evidence["image \(verdict.name)"] = "differs at \(at)"
        }
        return BootwireError(
            .verifyMismatch,
            "the device does not hold \(differing.count) of \(verdicts.count) images: "
                + differing.map { "\($0.name) at \(Hex.address($0.address))" }.joined(separator: ", "),
            hint: "`bootwire flash` with the same images and port writes what differs",
            evidence: evidence.merging(
                first.evidence.filter { ["expected", "read", "expected-sha256", "device-sha256"].contains($0.key) }
            ) { a, _ in a })
    }
}
