/// Turning a plan into what a flasher writes: runs of bytes with gaps filled by the erased value,
/// aligned to what the flash can program.
extension FlashPlan {
    /// NOR flash reads 0xFF when erased, so writing 0xFF into a gap leaves it as an erase would.
    public static let erasedByte: UInt8 = 0xFF

    /// Joins segments whose gap is at most `gapFill` bytes (0: only segments that touch), filling
    /// gaps with `fill`. The caller bounds the gap: a huge one allocates that many bytes.
    public func merged(gapFill: UInt64 = 0, fill: UInt8 = FlashPlan.erasedByte) -> FlashPlan {
        var out: [Segment] = []
        out.reserveCapacity(segments.count)
        for segment in segments {
            if var current = out.last,
                // Sorted and disjoint, so the previous segment ends below the top of the space.
                segment.address - (current.lastAddress + 1) <= gapFill
            {
                let gap = Int(segment.address - (current.lastAddress + 1))
                current.bytes.append(contentsOf: repeatElement(fill, count: gap))
                current.bytes.append(contentsOf: segment.bytes)
                current.origins = Self.joinOrigins(current.origins, segment.origins)
                out[out.count - 1] = current
            } else {
                out.append(segment)
            }
        }
        return FlashPlan(validated: out, entryPoint: entryPoint)
    }

    /// Widens every segment to whole `alignment`-byte units (flash words, pages), fills the
    /// widening with `fill`, and joins segments that then touch or share a unit. `alignment`
    /// must be a power of two; inclusive ends mean rounding never overflows.
    public func aligned(to alignment: UInt64, fill: UInt8 = FlashPlan.erasedByte) -> FlashPlan {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        let mask = alignment - 1
        var out: [Segment] = []
        for segment in segments {
            let start = segment.address & ~mask
            let last = segment.lastAddress | mask
            if var current = out.last, start <= current.lastAddress {
                // The previous segment's widened tail already covers this start; overwrite the
                // filler with real bytes from here on.
                let offset = Int(segment.address - current.address)
                let newCount = Int(last - current.address) + 1
                if newCount > current.bytes.count {
                    current.bytes.append(contentsOf: repeatElement(fill, count: newCount - current.bytes.count))
                }
                current.bytes.replaceSubrange(offset..<offset + segment.bytes.count, with: segment.bytes)
                current.origins = Self.joinOrigins(current.origins, segment.origins)
                out[out.count - 1] = current
            } else {
                var bytes = [UInt8](repeating: fill, count: Int(segment.address - start))
                bytes.append(contentsOf: segment.bytes)
                bytes.append(contentsOf: repeatElement(fill, count: Int(last - segment.lastAddress)))
                out.append(Segment(address: start, bytes: bytes, origins: segment.origins))
            }
        }
        // Units that only touch are joined too, so that one write covers them.
        return FlashPlan(validated: out, entryPoint: entryPoint).merged(gapFill: 0, fill: fill)
    }

    /// The whole plan as one run from its lowest to its highest address, gaps filled, as
    /// `objcopy -O binary` would give. Throws `.imageTooLarge` when that run exceeds `limit`
    /// bytes (an ELF with flash and RAM segments spans hundreds of MiB). Nil for an empty plan.
    public func flattened(fill: UInt8 = FlashPlan.erasedByte, limit: UInt64 = 64 << 20) throws -> Segment? {
        guard let span else { return nil }
        let size = span.upperBound - span.lowerBound
        guard size < limit else {
            throw BootwireError(
                .imageTooLarge,
                "the images span \(AddressText.of(span)), more than \(limit) bytes as one run",
                hint: "check for segments outside flash (RAM, option bytes)",
                evidence: ["start": AddressText.of(span.lowerBound), "end": AddressText.of(span.upperBound)])
        }
        return merged(gapFill: .max, fill: fill).segments.first
    }

    /// Keeps origins short: lines of one file widen into one range instead of piling up.
    static func joinOrigins(_ left: [Origin], _ right: [Origin]) -> [Origin] {
        var out = left
        for origin in right {
            if let last = out.last, let wide = last.widened(with: origin) {
                out[out.count - 1] = wide
            } else if !out.contains(origin) {
                out.append(origin)
            }
        }
        return out
    }
}
