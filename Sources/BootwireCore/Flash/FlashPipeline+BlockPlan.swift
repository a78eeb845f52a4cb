extension FlashPipeline {
    /// What one image needs where the route hashes cheaply and its units are not wholly erased
    /// (an upgrade over older data, a changed file over its old version): its erase blocks are
    /// asked (one device hash answers both "as the job leaves it" and "erased"). Only blocks that hold other data are erased; when some blocks already read as
    /// the job leaves them, only the runs of the others are written (`pieces`, nil: the whole
    /// image). A block's hash costs about a third of erasing it and far less than writing it.
    func blockPlan(
        _ prepared: PreparedImage, units: [Range<Int>], images: [PreparedImage], wholeOnly: Bool,
        on target: any FlashTarget
    ) throws -> (erase: [Range<Int>], pieces: [Range<Int>]?) {
        let block = target.eraseBlockSize
        guard block > 0 else { return (units, nil) }
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
        guard groups.count > 1 else { return (units, nil) }
        // From the top down (an older, shorter image leaves the top erased), then the bottom
        // block: when the first block holding other data from the top and the bottom block both
        // differ, the image is new throughout (a firmware upgrade shifts every block) and the
        // blocks between are not asked; when the bottom one is already there, all are asked.
        enum State { case same, erased, dirty }
        func ask(_ group: [Range<Int>]) throws -> State {
            let span = group[0].lowerBound..<group[group.count - 1].upperBound
            if try target.holds(expectedContents(span, images), at: span.lowerBound) == true { return .same }
            return try target.isErased(span) == true ? .erased : .dirty
        }
        var states = [State?](repeating: nil, count: groups.count)
        var top = groups.count - 1
        while top >= 0 {
            states[top] = try ask(groups[top])
            if states[top] == .dirty { break }
            top -= 1
        }
        if top > 0 {
            states[0] = try ask(groups[0])
            for index in 1..<top {
                if states[0] == .dirty {
                    states[index] = .dirty
                } else {
                    states[index] = try ask(groups[index])
                }
            }
        }
        let erase = zip(groups, states).filter { $0.1 == .dirty }.flatMap { $0.0 }
        let same = states.map { $0 == .same }
        let image = prepared.image
        let spared = units.count - erase.count
        if spared > 0 {
            let kib =
                RangeSet.totalCount(
                    RangeSet.coalesce(RangeSet.subtract(erase, from: units.first!.lowerBound..<units.last!.upperBound)))
                / 1024
            events(.note(.info("\(image.name): \(kib) KiB of its flash needs no erase")))
        }
        guard !wholeOnly, same.contains(true) else { return (erase, nil) }
        var pieces: [Range<Int>] = []
        for (group, holds) in zip(groups, same) where !holds {
            let span = max(group[0].lowerBound, image.address)..<min(group[group.count - 1].upperBound, image.end)
            guard !span.isEmpty else { continue }
            if let last = pieces.last, last.upperBound == span.lowerBound {
                pieces[pieces.count - 1] = last.lowerBound..<span.upperBound
            } else {
                pieces.append(span)
            }
        }
        return (erase, pieces)
    }
}

extension FlashPipeline {
    /// Writes and proves the parts of an image that differ; the rest was proven by its hash
    /// while planning. Each part goes as an image of its own (compressed like the whole).
    func writePieces(
        _ pieces: [Range<Int>], of prepared: PreparedImage, compressed: Bool, on target: any FlashTarget,
        journal: SessionJournal?
    ) throws {
        let image = prepared.image
        events(
            .note(
                .info(
                    "\(image.name): the rest already reads as the job leaves it; writing \(Hex.ranges(pieces))"
                )))
        for piece in pieces {
            let part = FlashImage(
                name: image.name, address: piece.lowerBound,
                data: Array(image.data[(piece.lowerBound - image.address)..<(piece.upperBound - image.address)]))
            let sub = PreparedImage(part, compressAbove: compressed ? 0 : nil)
            journal?.record(.write, piece)
            meter.beginStep(.write, image: image.name, bytes: piece.count)
            try target.program(sub)
            meter.endStep()
            meter.beginStep(.verify, image: image.name, bytes: piece.count)
            try proveReadingTwice(sub, on: target)
            meter.endStep()
            journal?.record(.verified, piece)
        }
    }
}
