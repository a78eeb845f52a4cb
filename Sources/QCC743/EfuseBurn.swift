import BootwireCore

/// Burning an eFuse image: what it changes, then the writes in the vendor's order, then a
/// read-back. eFuse bits are one-time programmable; callers show `describe(change)` and get a
/// confirmation before calling `burn`.
public enum EfuseBurn {
    /// The change burning `image` would make to `current`; refuses one that would need a burned
    /// bit cleared (impossible).
    public static func change(current: [UInt8], image: EfuseImage) throws -> EfuseChange {
        let change = EfuseChange(current: current, target: image)
        guard !change.requiresClearing else {
            throw BootwireError(
                .deviceProtected,
                "the eFuse image needs bits cleared that are already burned: "
                    + change.conflicts.map(\.name).joined(separator: ", "),
                hint: "this module was burned with other values; eFuse bits cannot be cleared",
                evidence: Dictionary(
                    uniqueKeysWithValues: change.conflicts.map { ($0.name, "\($0.current) → \($0.target)") }))
        }
        return change
    }

    /// The one-line question a person confirms.
    public static func question(_ change: EfuseChange) -> String {
        "burn \(change.newlySetBitCount) eFuse bits\(change.locksModule ? ", which locks the module" : "")"
    }

    /// Lines that say, field by field, what burning would change.
    public static func describe(_ change: EfuseChange) -> [String] {
        if change.isNoOp { return ["every bit of the eFuse image is already burned: nothing to do"] }
        var lines = change.fields.filter { $0.newlySetBits > 0 }.map { field in
            "\(field.name) @0x\(String(field.offset, radix: 16)): \(field.current) → \(field.result)\(field.locksModule ? "  (locks)" : "")"
        }
        if change.locksModule {
            lines.append(
                "this locks the module: \(change.lockingFields.joined(separator: ", ")); afterwards it boots only images "
                    + "signed with the burned key, and these bits can never be cleared")
        }
        return lines
    }

    public static func burn(_ image: EfuseImage, on session: QCC743Session) throws {
        guard image.offsetsBeyondWritePlan.isEmpty else {
            throw BootwireError(
                .badImage, "the eFuse image has data above 0x0FF, which the vendor's write order never burns",
                hint: "check the file",
                evidence: [
                    "offsets": image.offsetsBeyondWritePlan.prefix(8).map { "0x\(String($0, radix: 16))" }.joined(
                        separator: ",")
                ])
        }
        for write in image.writePlan {
            try session.writeEfuse(write.data, at: Int(write.address))
        }
        let after = try session.readEfuse()
        guard image.readBackSatisfied(by: after) else {
            throw BootwireError(
                .verifyMismatch, "the eFuse read back after burning lacks bits of the image",
                hint: "the module may be write-locked; `bootwire efuse show` lists what is burned",
                evidence: ["read-back": Hex.string(after.prefix(128))])
        }
    }
}
