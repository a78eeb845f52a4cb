import BootwireCore

/// On a module with signed boot on, an image that is unsigned, or signed by a key whose hash
/// is not the one in eFuse, would not boot: it is refused before anything is erased.
public enum SigningCheck {
    /// Images the boot ROM or boot2 verifies: those that start with a boot header (`BFNP`).
    public static func check(_ images: [FlashImage], efuse: EfuseSummary, bootInfo: BootInfo) throws {
        guard bootInfo.signedBootRequired || efuse.signatureRequired else { return }
        for image in images where image.data.starts(with: BootHeader.magic) {
            var evidence = ["image": image.name, "address": "0x\(String(image.address, radix: 16))"]
            if efuse.keyHashPresent { evidence["device-key-hash"] = Hex.string(efuse.keyHash) }
            let header: BootHeader
            do {
                header = try BootHeader.parse(image.data)
            } catch {
                throw BootwireError(
                    .imageNotSignedForDevice,
                    "\(image.name) has a damaged boot header and this module only boots signed images",
                    hint: "rebuild the image", evidence: evidence)
            }
            guard header.isSigned, let keyHash = header.publicKeyHash else {
                throw BootwireError(
                    .imageNotSignedForDevice, "\(image.name) is not signed, and this module only boots signed images",
                    hint:
                        "sign the image with the key whose hash is in the module's eFuse (for ST's modules, use ST's signed release)",
                    evidence: evidence)
            }
            evidence["image-key-hash"] = Hex.string(keyHash)
            guard !efuse.keyHashPresent || keyHash == efuse.keyHash else {
                throw BootwireError(
                    .imageNotSignedForDevice, "\(image.name) is signed by another key than the one this module trusts",
                    hint: "use an image signed with the module's key (its hash is in the evidence)", evidence: evidence)
            }
            if case .measured(_, let verifies) = header.body, verifies == false {
                throw BootwireError(
                    .imageNotSignedForDevice, "\(image.name)'s signature does not verify",
                    hint: "the file is damaged or was modified after signing",
                    evidence: evidence)
            }
        }
    }
}
