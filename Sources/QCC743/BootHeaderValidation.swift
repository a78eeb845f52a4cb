import BootwireCore

/// The result of checking a boot header's integrity: each check passed, failed (with the
/// expected and actual values) or was skipped (with why). The boot ROM rejects an image that
/// fails any of these unless the header tells it to ignore CRCs or the hash; we check them all
/// regardless, because a mismatch in a vendor file means a damaged download.
public struct BootHeaderValidation: Sendable, Equatable {
    public enum Check: String, Sendable, CaseIterable {
        case flashConfigCRC = "flash-config-crc"
        case clockConfigCRC = "clock-config-crc"
        case headerCRC = "header-crc"
        case bodyHash = "body-hash"
        case publicKeyCRC = "public-key-crc"
        case signatureCRC = "signature-crc"
        /// ECDSA P-256 over the body hash with the embedded key. It proves the image is intact
        /// and signed by that key, not that the key is the one in a given module's eFuse.
        case signature = "signature"
    }

    public struct Failure: Sendable, Equatable {
        public var check: Check
        public var expected: String
        public var actual: String
    }

    public var passed: [Check] = []
    public var failures: [Failure] = []
    public var skipped: [Check: String] = [:]

    public var isValid: Bool { failures.isEmpty }
    public var failedChecks: [Check] { failures.map(\.check) }

    mutating func compare(_ check: Check, expected: String, actual: String) {
        if expected == actual {
            passed.append(check)
        } else {
            failures.append(Failure(check: check, expected: expected, actual: actual))
        }
    }
}

extension BootHeader {
    /// Checks the flash-config, clock-config and header CRCs, the body hash, and for signed
    /// images the key and signature CRCs and the signature itself.
    public func validate() -> BootHeaderValidation {
        var result = BootHeaderValidation()
        if hasFlashConfig {
            result.compare(
                .flashConfigCRC, expected: Hex.address(flashConfigCRC, uppercase: true), actual: Hex.address(expectedFlashConfigCRC, uppercase: true))
        } else {
            result.skipped[.flashConfigCRC] = "no FCFG tag"
        }
        if hasClockConfig {
            result.compare(
                .clockConfigCRC, expected: Hex.address(clockConfigCRC, uppercase: true), actual: Hex.address(expectedClockConfigCRC, uppercase: true))
        } else {
            result.skipped[.clockConfigCRC] = "no PCFG tag"
        }
        result.compare(.headerCRC, expected: Hex.address(headerCRC, uppercase: true), actual: Hex.address(expectedHeaderCRC, uppercase: true))

        var signatureVerifies: Bool?
        switch body {
        case .measured(let sha256, let verifies):
            result.compare(.bodyHash, expected: Hex.string(imageHash), actual: Hex.string(sha256))
            signatureVerifies = verifies
        case .truncated(let fileLength, let bodyEnd):
            result.failures.append(
                .init(
                    check: .bodyHash, expected: "body ends at \(Hex.address(bodyEnd, uppercase: true))",
                    actual: "file ends at \(Hex.address(fileLength, uppercase: true))"))
        case .notMeasured(let reason):
            result.skipped[.bodyHash] = reason
        }

        if let signature {
            result.compare(
                .publicKeyCRC, expected: Hex.address(signature.publicKeyCRC, uppercase: true),
                actual: Hex.address(signature.expectedPublicKeyCRC, uppercase: true))
            result.compare(
                .signatureCRC, expected: Hex.address(signature.signatureCRC, uppercase: true),
                actual: Hex.address(signature.expectedSignatureCRC, uppercase: true))
            if let signatureVerifies {
                result.compare(.signature, expected: "valid", actual: signatureVerifies ? "valid" : "invalid")
            } else {
                result.skipped[.signature] = "body not measured"
            }
        } else {
            for check in [BootHeaderValidation.Check.publicKeyCRC, .signatureCRC, .signature] {
                result.skipped[check] = "image not signed"
            }
        }
        return result
    }

    /// `validate()` as a gate: throws `.badImage` naming every failed check.
    public func requireValid(file: String? = nil) throws {
        let result = validate()
        guard let first = result.failures.first else { return }
        var evidence = [
            "failed_checks": result.failures.map(\.check.rawValue).joined(separator: ","),
            "expected": first.expected, "actual": first.actual,
        ]
        if let file { evidence["file"] = file }
        throw BootwireError(
            .badImage, "the image's boot header does not check out (\(first.check.rawValue))",
            hint: "the file is probably damaged; download it again", evidence: evidence)
    }
}
