import BootwireCore

/// Where a FUS or wireless-stack image goes in user flash (spec 8.4), and the checks made before
/// anything is erased.
public struct FUSInstallPlan: Sendable, Equatable {
    public static let alignment: UInt64 = 0x1000
    public static let flashBase: UInt64 = 0x0800_0000

    public var sfsa: Int
    public var imageSize: Int
    public var address: UInt64

    /// The first byte of the secure area: FUS and the stack live from here up.
    public var secureStart: UInt64 { Self.flashBase + UInt64(sfsa) * 0x1000 }
    public var end: UInt64 { address + UInt64(imageSize) }

    /// `(0x08000000 + SFSA × 4K − size) & ~0xFFF`, qFlipper's and ST's rule.
    public static func computedAddress(sfsa: Int, imageSize: Int) -> UInt64 {
        (flashBase + UInt64(sfsa) * 0x1000 - UInt64(imageSize)) & ~(alignment - 1)
    }

    /// Checks `requested` (nil: the computed address). `applicationEnd` is the first address
    /// past the user application (everything below it must survive). Each failure its own code,
    /// with the numbers that decided it in the evidence.
    public static func plan(
        sfsa: Int, imageSize: Int, requested: UInt64?, applicationEnd: UInt64?
    ) throws -> FUSInstallPlan {
        let computed = computedAddress(sfsa: sfsa, imageSize: imageSize)
        let address = requested ?? computed
        let plan = FUSInstallPlan(sfsa: sfsa, imageSize: imageSize, address: address)
        var evidence = [
            "address": Hex.address(address, uppercase: true), "computed": Hex.address(computed, uppercase: true), "sfsa": Hex.address(sfsa, uppercase: true),
            "secure-start": Hex.address(plan.secureStart, uppercase: true), "image-size": "\(imageSize)",
        ]
        if let applicationEnd { evidence["application-end"] = Hex.address(applicationEnd, uppercase: true) }
        guard address % alignment == 0 else {
            throw BootwireError(
                .fusInstallUnaligned, "the install address \(Hex.address(address, uppercase: true)) is not 4 KB aligned",
                hint: "use --address auto (\(Hex.address(computed, uppercase: true)))", evidence: evidence)
        }
        guard plan.end <= plan.secureStart else {
            throw BootwireError(
                .fusInstallInSecureArea,
                "the image at \(Hex.address(address, uppercase: true)) would end at \(Hex.address(plan.end, uppercase: true)), inside the secure area from \(Hex.address(plan.secureStart, uppercase: true))",
                hint: "use --address auto (\(Hex.address(computed, uppercase: true)))", evidence: evidence)
        }
        if let applicationEnd, address < applicationEnd {
            throw BootwireError(
                .fusInstallOverApplication,
                "the image at \(Hex.address(address, uppercase: true)) would overwrite the application, which reaches \(Hex.address(applicationEnd, uppercase: true))",
                hint:
                    "erase or shrink the application first, or if those bytes are a leftover image from an earlier attempt, erase them (`bootwire erase --start \(Hex.address(address, uppercase: true)) --end \(Hex.address(plan.secureStart, uppercase: true))`)",
                evidence: evidence)
        }
        guard address == computed else {
            throw BootwireError(
                .fusInstallAddressMismatch,
                "\(Hex.address(address, uppercase: true)) is not where FUS looks for this image: SFSA 0x\(String(sfsa, radix: 16, uppercase: true)) and \(imageSize) bytes give \(Hex.address(computed, uppercase: true))",
                hint:
                    "use --address auto; an address far below the secure start (such as 0x08053000 on a 1 MB part) is what ends in FUS_IMAGE_WRTERROR",
                evidence: evidence)
        }
        return plan
    }
}

/// FUS versions some parts refuse (spec 8.4): "Impossible to install FUS V1.0.1 on 256/512KB
/// Flash Parts" (STM32CubeWB issue #29). ST's images carry no version field we could confirm,
/// so the version comes from the image's trailer when it has one we know, else no check.
public enum FUSVersionRule {
    public static func check(fusVersion: (Int, Int, Int)?, flashSize: Int) throws {
        guard let version = fusVersion else { return }
        if version == (1, 0, 1) && flashSize <= 512 * 1024 {
            throw BootwireError(
                .fusVersionUnsupported, "FUS v1.0.1 cannot be installed on a \(flashSize / 1024) KB part",
                hint: "use a later FUS image from STM32CubeWB (1.0.2 or newer)",
                evidence: ["fus-version": "1.0.1", "flash-size": "\(flashSize)"])
        }
    }
}
