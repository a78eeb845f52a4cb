extension FlashPipeline {
    /// The units of an image that need erasing, when the route hashes cheaply and its flash is
    /// not wholly erased: an older image starts where the new one does and ends somewhere
    /// inside it (an upgrade, ST's mfg firmware under the mission set), so the erase blocks are
    /// asked from the top down and the first one holding data ends the asking; it and every
    /// block below it are erased. Each question costs a hash of one block, a third of what
    /// erasing it costs; all blocks dirty costs one question more than not asking.
    func dirtyBlocks(_ units: [Range<Int>], on target: any FlashTarget) throws -> [Range<Int>] {
        let block = target.eraseBlockSize
        guard block > 0, let first = units.first else { return units }
        var groups: [[Range<Int>]] = []
        for unit in units {
            if let last = groups.last?.last, last.lowerBound / block == unit.lowerBound / block,
                last.upperBound == unit.lowerBound
            {
                groups[groups.count - 1].append(unit)
            } else {
                groups.append([unit])
            }
        }
        guard groups.count > 1 else { return units }
        var keep = groups.count
        for (index, group) in groups.enumerated().reversed() {
            let range = group[0].lowerBound..<group[group.count - 1].upperBound
            if try target.isErased(range) != true { break }
            keep = index
        }
        let dirty = groups[..<keep].flatMap { $0 }
        if dirty.count < units.count {
            let spared = RangeSet.totalCount(RangeSet.coalesce(Array(units.dropFirst(dirty.count))))
            events(
                .note(
                    .info(
                        "\(spared / 1024) KiB from \(Hex.address(first.lowerBound + RangeSet.totalCount(RangeSet.coalesce(dirty)))) on is already erased: not erased again"
                    )))
        }
        return dirty
    }
}
