import Foundation

/// The one place that decides what happens to flash, for every route (probe-rs's `FlashLoader`
/// is the model): plan → confirm → compare → erase → write → prove → report. A route brings its
/// protocol as a `FlashTarget`; the rules here hold on all of them: nothing changes on a dry
/// run, the journal is written before the first change and kept until every range it names is
/// proven, success is reported only over proven flash, and `erase = chip` ends with the
/// images and erased flash everywhere else (the vendor's end state).
public struct FlashPipeline: Sendable {
    public var options: FlashOptions
    public var events: EventSink
    /// Asks a person before an irreversible step; throws when the answer is no or no one can answer.
    public var confirm: @Sendable (String) throws -> Void
    /// Journals this pipeline itself started. A route that reconnects and runs the pipeline
    /// again (the module reset mid-write) finds its own first attempt there: that is a resume,
    /// not another session's leftovers to warn about.
    let ownJournals = OwnJournals()
    /// Places each route's progress in the whole job. Sessions opened for this pipeline report
    /// to `events` (the meter's sink) so that their progress carries the job's totals.
    let meter: JobProgressMeter

    public init(
        options: FlashOptions, events: @escaping EventSink, confirm: @escaping @Sendable (String) throws -> Void
    ) {
        self.options = options
        meter = JobProgressMeter(downstream: events)
        self.events = meter.sink
        self.confirm = confirm
    }

    /// What the compare phase decided, before anything changes.
    struct Plan {
        var images: [PreparedImage]
        var units: [[Range<Int>]]
        var needsWrite: [Bool]
        var eraseAll = false
        /// Units outside the images' own units that hold data (`erase = chip` by difference).
        var dirtyOutside: [Range<Int>] = []
        /// Everything outside the images that was not proven erased while planning.
        var unprovenOutside: [Range<Int>] = []
        /// Per image: the units erased just before it is written.
        var eraseBefore: [[Range<Int>]]
        var leftover: [Range<Int>] = []
        /// Factory data (the module's MFD) this plan erases and no image restores.
        var factoryLost: [FactoryRegion] = []
        /// Per image: the parts to write when the rest already reads as the job leaves it
        /// (nil: the whole image).
        var pieces: [[Range<Int>]?] = []
    }

    public func run(_ prepared: [PreparedImage], on target: any FlashTarget) throws -> FlashOutcome {
        // Once per job: a module reconnected mid-write runs the pipeline again on the same part.
        if meter.firstIdentity() { events(.identity(target.identity)) }
        defer { meter.endPass() }
        let whole = prepared.sorted { $0.image.address < $1.image.address }
        _ = try FlashImage.validated(whole.map(\.image), flash: target.memory.range)
        try FlashImage.refuseGaps(whole.map(\.image), in: target.memory)
        try Self.refuseUnkeepable(
            whole.map(\.image), options: options, memory: target.memory,
            literalChipErase: options.literalChipErase || !target.comparesCheaply)
        // The device's checks (boot headers, signatures) see whole files, not the parts written.
        try target.check(whole.map(\.image))
        let images = excludingKeepOut(whole)
        let steps = try target.irreversibleSteps()
        for step in steps {
            for line in step.preview { events(.note(.info("\(step.name): \(line)"))) }
            if let question = step.question, !options.dryRun {
                // A person may take minutes; the device's session must outlive the reading.
                let confirm = self.confirm
                try target.holdingSession { try confirm(question) }
            }
        }
        let identity = target.identity
        let journal = options.journals.map { $0.journal(for: identity.journalKey, device: identity.name) }
        let resuming = journal.map { ownJournals.contains($0.path) } ?? false
        var plan = try makePlan(images, on: target, leftover: journal?.leftover() ?? [], resuming: resuming)
        plan.factoryLost = factoryDataLost(plan, on: target)
        for region in plan.factoryLost {
            // `erase = 2` is the vendor's "the images, and erased flash everywhere else": ST's
            // tool erases the MFD too, without asking, and so does this (ST's ini runs in CI with
            // no one to answer). It is named before anything changes, never silently.
            events(
                .note(
                    .warning(
                        .factoryDataErased,
                        "erase = chip erases the \(region.name) at \(Hex.range(region.range)): no image restores it "
                            + "(the vendor's tool erases it too)")))
        }
        if options.dryRun { return dryRunOutcome(plan, target: target) }
        guard let journal else { return try execute(&plan, steps: steps, on: target, journal: nil) }
        ownJournals.insert(journal.path)
        do {
            let outcome = try execute(&plan, steps: steps, on: target, journal: journal)
            journal.finish()
            return outcome
        } catch {
            // Exactly what this session changed, for the person and for the next run.
            var error = BootwireError.wrap(error)
            for kind in [SessionJournal.Kind.erase, .write, .verified] {
                let ranges = journal.ranges(kind)
                if !ranges.isEmpty { error.evidence[kind.rawValue] = Hex.ranges(ranges) }
            }
            if !journal.entries.isEmpty {
                error.evidence["journal"] = journal.path
                error.hint =
                    (error.hint.map { $0 + "; " } ?? "") + "the next run on this device repairs what this one changed"
            }
            throw error
        }
    }

    // MARK: plan

    func makePlan(
        _ images: [PreparedImage], on target: any FlashTarget, leftover: [Range<Int>], resuming: Bool = false
    ) throws -> Plan {
        let memory = target.memory
        let units = images.map { memory.units(covering: $0.image.range) }
        var plan = Plan(
            images: images, units: units, needsWrite: Array(repeating: true, count: images.count),
            eraseBefore: Array(repeating: [], count: images.count), leftover: leftover,
            pieces: Array(repeating: nil, count: images.count))
        if !leftover.isEmpty && resuming {
            events(
                .note(
                    .info(
                        "resuming: \(Hex.ranges(leftover)), changed before the device stopped answering, is written again"
                    )))
        } else if !leftover.isEmpty {
            let uncovered = leftover.flatMap { RangeSet.subtract(images.map(\.image.range), from: $0) }
            events(
                .note(
                    .warning(
                        .interruptedSession,
                        "an earlier session on this device was cut short after changing \(Hex.ranges(leftover)): "
                            + "images over it are written again"
                            + (uncovered.isEmpty || options.erase == .chip
                                ? "" : "; \(Hex.ranges(uncovered)) is outside these images and stays recorded"))))
        }
        var dirty: [Range<Int>] = []
        let literal = options.erase == .chip && (options.literalChipErase || !target.comparesCheaply)
        if !options.force && !literal {
            events(.stage("compare", detail: "asking the device whether it already holds each image"))
            // Erasing clears each image's whole units, as the vendor does: an image is only
            // "already there" when the rest of its units reads erased too (an older, longer
            // firmware leaves its tail there), so the whole span is compared.
            let spans = images.indices.map { i in
                options.erase == .none ? images[i].image.range : contiguousSpan(units[i]) ?? images[i].image.range
            }
            meter.startPass(.compare, total: spans.map(\.count).reduce(0, +))
            for (i, image) in images.enumerated() {
                meter.beginStep(.compare, image: image.image.name, bytes: spans[i].count)
                if let same = try target.holds(expectedContents(spans[i], images), at: spans[i].lowerBound) {
                    plan.needsWrite[i] = !same
                }
                meter.endStep()
            }
            meter.endPass()
        }
        for i in images.indices where leftover.contains(where: { $0.overlaps(span(units[i])) }) {
            plan.needsWrite[i] = true
        }
        if literal {
            plan.eraseAll = true
            plan.needsWrite = Array(repeating: true, count: images.count)
        } else if options.erase == .chip {
            let clean: [Range<Int>]
            (dirty, clean) = try scanOutside(images.map(\.image), on: target)
            // A dirty unit that an image touches is cleared by that image's erase, so the image
            // is written again; the rest are erased on their own. Unit by unit, never merged
            // first: a merged range would hide units beyond the image.
            for i in images.indices where dirty.contains(where: { units[i].contains($0) }) { plan.needsWrite[i] = true }
            plan.unprovenOutside = RangeSet.coalesce(
                outside(images.map(\.image), in: memory).flatMap { RangeSet.subtract(clean, from: $0) })
        }
        // Images that share a unit are erased together, so they are written together.
        var changed = true
        while changed {
            changed = false
            for i in images.indices.dropFirst()
            where plan.needsWrite[i - 1] != plan.needsWrite[i] && !Set(units[i - 1]).isDisjoint(with: units[i]) {
                plan.needsWrite[i - 1] = true
                plan.needsWrite[i] = true
                changed = true
            }
        }
        let writing = Set(images.indices.filter { plan.needsWrite[$0] }.flatMap { units[$0] })
        plan.dirtyOutside = dirty.filter { !writing.contains($0) }
        if options.erase != .none && !plan.eraseAll {
            var assigned = Set<Int>()
            for i in images.indices where plan.needsWrite[i] {
                let fresh = units[i].filter { !assigned.contains($0.lowerBound) }
                for unit in fresh { assigned.insert(unit.lowerBound) }
                // Erasing takes far longer than asking: flash already erased is left alone.
                if target.comparesCheaply, let whole = contiguousSpan(fresh), try target.isErased(whole) == true {
                    continue
                }
                guard target.comparesCheaply else {
                    plan.eraseBefore[i] = fresh
                    continue
                }
                // Pieces only where the whole image is this job's to write: not when a unit is
                // shared with an image before it (that image's erase clears it), not with --force,
                // not over what an interrupted session left unproven.
                let wholeOnly =
                    options.force || fresh.count != units[i].count
                    || leftover.contains { $0.overlaps(span(units[i])) }
                (plan.eraseBefore[i], plan.pieces[i]) = try blockPlan(
                    images[i], units: fresh, images: images, wholeOnly: wholeOnly, on: target)
            }
        }
        return plan
    }

    /// The target's factory data that this plan erases outside every image.
    func factoryDataLost(_ plan: Plan, on target: any FlashTarget) -> [FactoryRegion] {
        let erased =
            plan.eraseAll
            ? (target.memory.range.map { [$0] } ?? []) : plan.dirtyOutside + plan.eraseBefore.flatMap { $0 }
        return target.factoryData.filter { region in
            erased.contains { $0.overlaps(region.range) }
                && !plan.images.contains { $0.image.range.overlaps(region.range) }
        }
    }

    /// Units outside the images (and the parts of the images' units beyond them) that do not read
    /// as erased, found by asking about whole gaps and halving the ones that differ down to single
    /// units; and the ranges proven erased on the way.
    private func scanOutside(_ images: [FlashImage], on target: any FlashTarget) throws -> (
        dirty: [Range<Int>], clean: [Range<Int>]
    ) {
        let memory = target.memory
        var dirty: [Range<Int>] = []
        var clean: [Range<Int>] = []
        func visit(_ range: Range<Int>) throws {
            guard !range.isEmpty else { return }
            if try target.isErased(range) == true {
                clean.append(range)
                return
            }
            let covering = memory.units(covering: range)
            if covering.count <= 1 {
                dirty += covering
                return
            }
            let split = covering[covering.count / 2].lowerBound
            try visit(range.lowerBound..<split)
            try visit(split..<range.upperBound)
        }
        let gaps = outside(images, in: memory)
        if !gaps.isEmpty {
            events(.stage("compare", detail: "asking the device which flash outside the images is not erased"))
        }
        for gap in gaps { try visit(gap) }
        return (Array(Set(dirty)).sorted { $0.lowerBound < $1.lowerBound }, clean)
    }

    /// What `range` holds after the job: the images' bytes where they are, erased elsewhere.
    func expectedContents(_ range: Range<Int>, _ images: [PreparedImage]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xFF, count: range.count)
        for prepared in images where prepared.image.range.overlaps(range) {
            let image = prepared.image
            let from = max(image.address, range.lowerBound)
            let to = min(image.end, range.upperBound)
            bytes.replaceSubrange(
                (from - range.lowerBound)..<(to - range.lowerBound),
                with: image.data[(from - image.address)..<(to - image.address)])
        }
        return bytes
    }

    /// The flash not covered by an image, nor kept out of the job.
    func outside(_ images: [FlashImage], in memory: FlashMemory) -> [Range<Int>] {
        guard let flash = memory.range else { return [] }
        return RangeSet.subtract(images.map(\.range) + options.keepOut, from: flash)
    }

    private func span(_ units: [Range<Int>]) -> Range<Int> {
        guard let first = units.first, let last = units.last else { return 0..<0 }
        return first.lowerBound..<last.upperBound
    }

    private func contiguousSpan(_ units: [Range<Int>]) -> Range<Int>? {
        guard !units.isEmpty else { return nil }
        for (a, b) in zip(units, units.dropFirst()) where a.upperBound != b.lowerBound { return nil }
        return span(units)
    }

    // MARK: dry run

    func dryRunOutcome(_ plan: Plan, target: any FlashTarget) -> FlashOutcome {
        var outcome = FlashOutcome()
        outcome.dryRun = true
        var lines: [String] = []
        if plan.eraseAll {
            lines.append("erase the whole flash (\(target.identity.name)'s whole-chip erase)")
            outcome.erasedAll = true
            outcome.erased = target.memory.range.map { [$0] } ?? []
        }
        if !plan.dirtyOutside.isEmpty {
            let ranges = RangeSet.coalesce(plan.dirtyOutside)
            lines.append(
                "erase \(RangeSet.totalCount(ranges)) bytes outside the images that are not erased: \(Hex.ranges(ranges))"
            )
            outcome.erased += ranges
        }
        for (i, prepared) in plan.images.enumerated() {
            let image = prepared.image
            let at = Hex.address(image.address)
            guard plan.needsWrite[i] else {
                lines.append("skip \(image.name) at \(at): \(image.data.count) bytes already on the device")
                outcome.images.append(
                    Self.imageOutcome(prepared, skipped: true, seconds: 0, compressed: nil, proof: nil))
                continue
            }
            if !plan.eraseBefore[i].isEmpty {
                let ranges = RangeSet.coalesce(plan.eraseBefore[i])
                lines.append("erase \(RangeSet.totalCount(ranges)) bytes for \(image.name): \(Hex.ranges(ranges))")
                outcome.erased += ranges
            }
            lines.append("write \(image.name) at \(at): \(image.data.count) bytes, then prove it")
            outcome.images.append(
                Self.imageOutcome(
                    prepared, skipped: false, seconds: 0, compressed: nil, proof: target.proof(of: image)))
        }
        for region in plan.factoryLost {
            lines.append("lose the \(region.name) at \(Hex.range(region.range)): no image restores it")
        }
        if options.run { lines.append("start the application") }
        outcome.erased = RangeSet.coalesce(outcome.erased)
        outcome.plan = lines
        for line in lines { events(.note(.info("would \(line)"))) }
        return outcome
    }

    // MARK: execute

    func execute(_ plan: inout Plan, steps: [IrreversibleStep], on target: any FlashTarget, journal: SessionJournal?)
        throws -> FlashOutcome
    {
        var outcome = FlashOutcome()
        do {
            try write(&plan, on: target, journal: journal, outcome: &outcome)
            try target.finishWriting()
        } catch {
            try? target.finishWriting()
            throw error
        }
        for step in steps where step.question != nil {
            events(.stage(step.name, detail: "after every image is proven"))
            try step.apply()
            outcome.irreversible += step.changes
        }
        if options.run {
            events(.stage("go", detail: options.runAddress.map(Hex.address) ?? "the application"))
            try target.run(at: options.runAddress)
        }
        outcome.stillUnproven = journal.map { SessionJournal.unproven($0.entries) } ?? []
        if !outcome.stillUnproven.isEmpty {
            events(
                .note(
                    .warning(
                        .interruptedSession,
                        "\(Hex.ranges(outcome.stillUnproven)), changed by an interrupted session, is still not proven: "
                            + "flash the images that belong there (or erase = chip) to repair it")))
        }
        return outcome
    }

    private func write(
        _ plan: inout Plan, on target: any FlashTarget, journal: SessionJournal?, outcome: inout FlashOutcome
    )
        throws
    {
        let memory = target.memory
        // Carried over first: the file is rewritten on each record, and what an interrupted
        // session left must never be lost, even if this one is cut short at once.
        for range in plan.leftover { journal?.record(.pending, range) }
        meter.startPass(
            .write,
            total: plan.images.indices.filter { plan.needsWrite[$0] }.map { i in
                plan.pieces[i].map(RangeSet.totalCount) ?? plan.images[i].image.data.count
            }.reduce(0, +))
        if plan.eraseAll {
            events(.stage("erase", detail: "whole flash"))
            if let range = memory.range { journal?.record(.erase, range) }
            meter.beginStep(.erase, image: nil, bytes: memory.range?.count ?? 0)
            try target.eraseAll()
            meter.endStep()
            outcome.erasedAll = true
            outcome.erased = memory.range.map { [$0] } ?? []
        }
        if !plan.dirtyOutside.isEmpty {
            let ranges = RangeSet.coalesce(plan.dirtyOutside)
            events(
                .stage("erase", detail: "\(RangeSet.totalCount(ranges) / 1024) KiB outside the images is not erased"))
            for range in ranges { journal?.record(.erase, range) }
            meter.beginStep(.erase, image: nil, bytes: RangeSet.totalCount(ranges))
            try target.erase(plan.dirtyOutside)
            meter.endStep()
            outcome.erased += ranges
        }
        for (i, prepared) in plan.images.enumerated() {
            let image = prepared.image
            guard plan.needsWrite[i] else {
                // Said once, in the result (`skipped`), not here as well.
                outcome.images.append(
                    Self.imageOutcome(prepared, skipped: true, seconds: 0, compressed: nil, proof: nil))
                continue
            }
            let started = MonotonicClock.now()
            let stream = try prepared.xzStream()
            events(
                .stage(
                    "write \(image.name)",
                    detail: "\(Hex.address(image.address)), \(image.data.count) bytes"
                        + (stream.map { ", \($0.count) compressed" } ?? "")))
            let units = plan.eraseBefore[i]
            if !units.isEmpty {
                for range in RangeSet.coalesce(units) { journal?.record(.erase, range) }
                meter.beginStep(.erase, image: image.name, bytes: RangeSet.totalCount(RangeSet.coalesce(units)))
                try target.erase(units)
                meter.endStep()
                outcome.erased += RangeSet.coalesce(units)
            }
            if let pieces = plan.pieces[i] {
                try writePieces(pieces, of: prepared, compressed: stream != nil, on: target, journal: journal)
            } else {
                journal?.record(.write, image.range)
                meter.beginStep(.write, image: image.name, bytes: image.data.count)
                try target.program(prepared)
                meter.endStep()
                meter.beginStep(.verify, image: image.name, bytes: image.data.count)
                try proveReadingTwice(prepared, on: target)
                meter.endStep()
                journal?.record(.verified, image.range)
            }
            // The parts of its units beyond the image are erased, as intended (the vendor does the same).
            for unit in RangeSet.coalesce(units) {
                for rest in RangeSet.subtract([image.range], from: unit) { journal?.record(.verified, rest) }
            }
            outcome.images.append(
                Self.imageOutcome(
                    prepared, skipped: false, seconds: Double(MonotonicClock.now() - started) / 1e9,
                    compressed: stream.flatMap { $0.count < image.data.count ? $0.count : nil },
                    proof: target.proof(of: image)))
        }
        outcome.erased = RangeSet.coalesce(outcome.erased)
        if options.erase == .chip && !plan.eraseAll {
            try proveErasedOutside(plan, on: target, journal: journal)
        }
    }

    /// Proves `image`; a mismatch is looked at a second time before the flash is blamed. Two
    /// read-backs that disagree with each other prove the link, not the flash (issue #23: line
    /// noise was called worn flash); a second proof that passes shows the flash was right.
    func proveReadingTwice(_ image: PreparedImage, on target: any FlashTarget) throws {
        let first: BootwireError
        do { return try target.prove(image) } catch let error as BootwireError where error.code == .verifyMismatch {
            first = error
        }
        do {
            try target.prove(image)
        } catch let second as BootwireError where second.code == .verifyMismatch {
            // What each read-back saw: the device's hash, or the first differing bytes.
            let seen = { (error: BootwireError) in
                error.evidence.filter { ["device-sha256", "address", "read"].contains($0.key) }
            }
            guard seen(first) == seen(second) else {
                var evidence = first.evidence
                for (key, value) in seen(second) { evidence["second-" + key] = value }
                throw BootwireError(
                    .lineNoise,
                    "two read-backs of \(image.image.name) at \(Hex.address(image.image.address)) disagree with each other",
                    hint: "the line corrupts bytes, not the flash: shorten the cable, check ground, or lower --baud, "
                        + "then flash again",
                    evidence: evidence)
            }
            throw second
        }
        events(
            .note(
                .warning(
                    .lineNoise,
                    "the first read-back of \(image.image.name) differed and the second matched: the line corrupted it")
            ))
    }

    /// The vendor's end state, proven: every byte outside the images reads as erased. Ranges the
    /// scan found erased stay so (writes go only inside images), so only the rest is asked again.
    private func proveErasedOutside(_ plan: Plan, on target: any FlashTarget, journal: SessionJournal?) throws {
        let images = plan.images.map(\.image)
        var notErased: [Range<Int>] = []
        for range in plan.unprovenOutside where try target.isErased(range) != true { notErased.append(range) }
        guard notErased.isEmpty else {
            throw BootwireError(
                .verifyMismatch,
                "\(Hex.ranges(notErased)) outside the images is not erased after erasing it",
                hint: "run again; if it repeats, the flash may be protected or worn",
                evidence: ["not-erased": Hex.ranges(notErased)])
        }
        if !plan.unprovenOutside.isEmpty {
            // Old firmware left behind is what made field modules boot stale code: say where it was.
            events(
                .note(
                    .warning(
                        .oldDataOutsideImages,
                        "flash outside the images held data at \(Hex.ranges(plan.unprovenOutside)): erased and proven, "
                            + "as the vendor's chip erase leaves it")))
        }
        for gap in outside(images, in: target.memory) { journal?.record(.verified, gap) }
    }

    static func imageOutcome(
        _ prepared: PreparedImage, skipped: Bool, seconds: Double, compressed: Int?, proof: FlashProof?
    ) -> FlashOutcome.Image {
        FlashOutcome.Image(
            name: prepared.image.name, address: prepared.image.address, size: prepared.image.data.count,
            compressedSize: compressed, skipped: skipped, seconds: seconds, sha256: Hex.string(prepared.sha256),
            proof: proof)
    }

    // MARK: erase command

    /// `erase --start A --end B` on any route: widened to whole units, and said so when it was.
    public func erase(_ range: Range<Int>, on target: any FlashTarget) throws -> Range<Int> {
        guard !range.isEmpty, let widened = target.memory.widened(range) else {
            throw BootwireError(
                .addressOutOfRange,
                "\(Hex.range(range)) is not inside the flash"
                    + (target.memory.range.map { " (\(Hex.range($0)))" } ?? ""),
                hint: "give a range inside the flash; `bootwire info` shows its layout",
                evidence: ["start": Hex.address(range.lowerBound), "end": Hex.address(range.upperBound)])
        }
        if widened != range {
            events(
                .note(
                    .info(
                        "\(Hex.range(range)) widened to \(Hex.range(widened)): flash erases whole units "
                            + "(\(target.memory.units(covering: range).count) of them)")))
        }
        if options.dryRun {
            events(.note(.info("would erase \(Hex.range(widened)) (\(widened.count) bytes)")))
            return widened
        }
        events(.stage("erase", detail: Hex.range(widened)))
        try target.erase(target.memory.units(covering: widened))
        try target.finishWriting()
        return widened
    }

    /// `erase --whole-chip`: the route's whole-chip erase (asked for before the port opened),
    /// or only said on a dry run.
    public func eraseAll(on target: any FlashTarget) throws {
        if options.dryRun {
            events(.note(.info("would erase the whole flash")))
            return
        }
        events(.stage("erase", detail: "whole flash"))
        try target.eraseAll()
        try target.finishWriting()
    }
}

/// The journal paths one pipeline started, shared by its copies (a pipeline is a value).
final class OwnJournals: @unchecked Sendable {
    private var paths: Set<String> = []
    private let lock = NSLock()

    func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func contains(_ path: String) -> Bool { lock.withLock { paths.contains(path) } }
}
