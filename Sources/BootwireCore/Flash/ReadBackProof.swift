/// Proof by reading back, for routes without a device-side hash: the first differing address,
/// with the bytes, as a `verify-mismatch`.
public enum ReadBackProof {
    public static func check(_ image: FlashImage, readBack: [UInt8], hint: String) throws {
        guard
            let index = image.data.indices.first(where: { index in
                index >= readBack.count || readBack[index] != image.data[index]
            })
        else { return }
        let at = image.address + index
        throw BootwireError(
            .verifyMismatch,
            "flash differs from \(image.name) at \(Hex.address(at))",
            hint: hint,
            evidence: [
                "image": image.name, "address": Hex.address(at),
                "expected": Hex.string(image.data[index..<min(index + 16, image.data.count)]),
                "read": index < readBack.count ? Hex.string(readBack[index..<min(index + 16, readBack.count)]) : "",
            ])
    }
}
