/// Flash the job must leave as it is (`FlashOptions.keepOut`, from an ini's `skip_mode`).
///
/// Bouffalo's flasher splits each file around the skip regions and loads only the parts
/// outside them, each erased over its own [start, end] (BLFlashCommand 2023,
/// `libs/base/bflb_base_eflash_loader.py`, `flash_load_specified`; spec 11). Its erase rounds
/// out to whole sectors on the device, so a region that shares a sector with a part is erased
/// after all; and with a chip erase it gives up (error 0044). Here the parts are written the
/// same way, and a region is honoured exactly or refused before the port opens: no erase unit
/// that holds part of a region is ever erased, and `erase = chip` (reached by erasing what is
/// not erased) leaves the regions out of its "erased everywhere else".
extension FlashPipeline {
    /// Refuses (`bad-config`) a keep-out region that this job cannot honour on `memory`: one that
    /// shares an erase unit with an image when images' units are erased, one not made of whole
    /// units with `erase = chip`, any with a whole-chip erase. `images` are the whole files.
    public static func refuseUnkeepable(
        _ images: [FlashImage], options: FlashOptions, memory: FlashMemory, literalChipErase: Bool
    ) throws {
        for region in options.keepOut where !region.isEmpty {
            var evidence = ["skip": Hex.range(region)]
            if options.erase == .chip && literalChipErase {
                throw BootwireError(
                    .badConfig, "a whole-chip erase would erase the skip_mode region \(Hex.range(region))",
                    hint: "drop --literal-chip-erase (Bootwire then erases only what is not erased, around the region)",
                    evidence: evidence)
            }
            if options.erase == .chip, memory.widened(region) != region {
                evidence["widened"] = memory.widened(region).map(Hex.range) ?? "outside the flash"
                throw BootwireError(
                    .badConfig,
                    "the skip_mode region \(Hex.range(region)) is not whole erase units, so erasing the rest of the "
                        + "flash (erase = 2) would erase part of it",
                    hint:
                        "make skip_mode start and end on a sector boundary (\(evidence["widened"]!)), or use erase = 1",
                    evidence: evidence)
            }
            guard options.erase != .none else { continue }
            for piece in excluding(options.keepOut, from: images)
            where memory.units(covering: piece.range).contains(where: { $0.overlaps(region) }) {
                evidence["image"] = piece.name
                throw BootwireError(
                    .badConfig,
                    "\(piece.name) shares an erase unit with the skip_mode region \(Hex.range(region)): erasing it "
                        + "would erase part of the region",
                    hint: "make skip_mode start and end on a sector boundary, or use erase = 0 if the flash is erased",
                    evidence: evidence)
            }
        }
    }

    /// The images with the keep-out bytes taken out: each part outside the regions is an image of
    /// its own, named after its file and address when the file was split.
    public static func excluding(_ keepOut: [Range<Int>], from images: [FlashImage]) -> [FlashImage] {
        guard !keepOut.isEmpty else { return images }
        return images.flatMap { image -> [FlashImage] in
            let parts = RangeSet.subtract(keepOut, from: image.range)
            guard parts != [image.range] else { return [image] }
            return parts.map { part in
                FlashImage(
                    name: "\(image.name)@\(Hex.address(part.lowerBound))", address: part.lowerBound,
                    data: Array(image.data[(part.lowerBound - image.address)..<(part.upperBound - image.address)]),
                    madeFor: image.madeFor)
            }
        }
    }

    /// `excluding` for prepared images: parts are prepared (hashed, compressed) anew.
    func excludingKeepOut(_ prepared: [PreparedImage]) -> [PreparedImage] {
        guard !options.keepOut.isEmpty else { return prepared }
        return prepared.flatMap { whole -> [PreparedImage] in
            let parts = Self.excluding(options.keepOut, from: [whole.image])
            guard parts != [whole.image] else { return [whole] }
            for region in options.keepOut where region.overlaps(whole.image.range) {
                events(
                    .note(
                        .info(
                            "\(whole.image.name): \(Hex.range(region.clamped(to: whole.image.range))) is in a "
                                + "skip_mode region; written around it in \(parts.count) parts")))
            }
            return parts.map { PreparedImage($0, compressAbove: whole.compressAbove) }
        }
    }
}
