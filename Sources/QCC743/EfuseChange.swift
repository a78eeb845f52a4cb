import BootwireCore

/// What burning a target eFuse image onto a device with a given current eFuse would do, field
/// by field, computed before any write: eFuse bits only go from 0 to 1, so the burn's effect
/// is `current | target`, and it is irreversible.
///
/// "Requires clearing" is judged per field kind: for flag fields a 0 in the target means
/// "leave alone", as the vendor's read-back check (data bits ⊆ read bits) treats it; for value
/// fields (keys, MACs, multi-bit settings) that the target sets to a non-zero value, any bit
/// the device already has and the target lacks makes the result differ from the target:
/// burning a second key hash over a first one yields neither.
public struct EfuseChange: Sendable, Equatable {
    public struct FieldChange: Sendable, Equatable {
        public var name: String
        /// Byte offset of the field (or word, for unnamed bits).
        public var offset: Int
        /// Number of bits the burn would set that are 0 now.
        public var newlySetBits: Int
        /// Number of bits that would have to go from 1 to 0: impossible.
        public var bitsToClear: Int
        public var locksModule: Bool
        /// Hex of the field before, as written in the target, and after the burn.
        public var current: String
        public var target: String
        public var result: String
    }

    /// Fields the burn would touch (new bits) or cannot reach (bits to clear), in address order.
    public var fields: [FieldChange]
    /// `current | target`: the eFuse after the burn.
    public var result: [UInt8]

    public init(current: [UInt8], target: [UInt8]) {
        let now = EfuseImage.pad(current)
        let wanted = EfuseImage.pad(target)
        result = zip(now, wanted).map { $0 | $1 }
        var covered = [UInt8](repeating: 0, count: EfuseImage.size)
        var changes: [FieldChange] = []
        for field in EfuseField.map {
            for (offset, mask) in field.byteMasks { covered[offset] |= mask }
            if let change = Self.change(of: field, current: now, target: wanted, result: result) {
                changes.append(change)
            }
        }
        // Bits no named field covers: one flags field per 32-bit word, named by its offset.
        for word in stride(from: 0, to: EfuseImage.size, by: 4) {
            let leftover = (word..<word + 4).map { ~covered[$0] }
            guard leftover.contains(where: { $0 != 0 }) else { continue }
            let field = EfuseField(
                name: "word_" + Hex.address(word, uppercase: true), bitOffset: word * 8, bitCount: 32, kind: .flags)
            var onlyLeftover = [UInt8](repeating: 0, count: EfuseImage.size)
            onlyLeftover.replaceSubrange(word..<word + 4, with: leftover)
            let restrict = { (bytes: [UInt8]) in zip(bytes, onlyLeftover).map { $0 & $1 } }
            if let change = Self.change(
                of: field, current: restrict(now), target: restrict(wanted), result: restrict(result))
            {
                changes.append(change)
            }
        }
        fields = changes.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
    }

    public init(current: [UInt8], target: EfuseImage) {
        self.init(current: current, target: target.bytes)
    }

    /// Compares `field` in the three arrays; nil when it neither gains bits nor conflicts.
    private static func change(
        of field: EfuseField, current: [UInt8], target: [UInt8], result: [UInt8]
    ) -> FieldChange? {
        var newBits = 0
        var conflictBits = 0
        let targetSetsField = field.byteMasks.contains { target[$0.offset] & $0.mask != 0 }
        for (offset, mask) in field.byteMasks {
            let now = current[offset] & mask
            let wanted = target[offset] & mask
            newBits += (wanted & ~now).nonzeroBitCount
            if field.kind == .value && targetSetsField {
                conflictBits += (now & ~wanted).nonzeroBitCount
            }
        }
        guard newBits > 0 || conflictBits > 0 else { return nil }
        func show(_ bytes: [UInt8]) -> String {
            if let value = field.value(in: bytes) { return Hex.address(value, uppercase: true) }
            return Hex.string(field.maskedBytes(in: bytes))
        }
        return FieldChange(
            name: field.name, offset: field.byteOffset, newlySetBits: newBits, bitsToClear: conflictBits,
            locksModule: field.locksModule, current: show(current), target: show(target), result: show(result))
    }

    /// Nothing new would be burned: the device already holds every target bit.
    public var isNoOp: Bool { fields.allSatisfy { $0.newlySetBits == 0 } }
    public var newlySetBitCount: Int { fields.reduce(0) { $0 + $1.newlySetBits } }
    /// Fields the target cannot reach because the device has bits set that the target lacks.
    public var conflicts: [FieldChange] { fields.filter { $0.bitsToClear > 0 } }
    public var requiresClearing: Bool { !conflicts.isEmpty }
    /// Fields whose new bits lock the module: sign_cfg, the key hash, JTAG disable, key-slot
    /// write locks.
    public var lockingFields: [String] { fields.filter { $0.locksModule && $0.newlySetBits > 0 }.map(\.name) }
    public var locksModule: Bool { !lockingFields.isEmpty }
}
