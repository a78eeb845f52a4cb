// Seeded random-mutation fuzzing of the image readers. Run it alone with:
//
//     swift test --filter ImageFormatFuzzTests
//
// (add `--scratch-path .build-images` when building in that worktree). Each format gets
// 100 000 mutated inputs, each with one to four mutations, built from small valid seeds: byte
// flips, byte and line insertions, deletions, truncations, duplicated and swapped lines, field
// rewrites with the text checksums repaired (so mutations get past the checksum to the record
// logic), and boundary values written into ELF header and program header fields.
// Every input must parse or throw a BootwireError with code `.badImage` (the only code the
// readers and `ImageLoader.load(bytes:file:address: nil)` use for bad input); a parsed plan
// must be sorted, disjoint and, for text formats, survive a write/read round trip. A watchdog
// fails the test if a format's run does not finish in time (a hang), and any single parse
// slower than a second is reported. BOOTWIRE_FUZZ_SEED and BOOTWIRE_FUZZ_INPUTS override the
// seed and the number of inputs (a failure message names the seed and input to reproduce it).

import BootwireCore
import Foundation
import Testing

@Suite struct ImageFormatFuzzTests {
    static let inputsPerFormat =
        ProcessInfo.processInfo.environment["BOOTWIRE_FUZZ_INPUTS"].flatMap(Int.init) ?? 100_000
    static let baseSeed =
        ProcessInfo.processInfo.environment["BOOTWIRE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xB007_3172

    @Test func intelHex() throws {
        let seeds = [
            [
                hexRecord(4, 0, [0x08, 0x00]), hexRecord(0, 0x0000, Array(0..<16)), hexRecord(0, 0x0010, [1, 2, 3, 4]),
                hexRecord(0, 0x0100, [9, 8]), hexRecord(4, 0, [0xFF, 0xFF]), hexRecord(0, 0xFFF0, Array(0..<8)),
                hexRecord(5, 0, [0x08, 0, 0, 0x09]), hexRecord(1, 0),
            ].joined(separator: "\n"),
            [
                hexRecord(2, 0, [0x10, 0x00]), hexRecord(0, 0xFFF0, Array(0..<8)), hexRecord(3, 0, [0, 0, 1, 2]),
                hexRecord(0, 0x0000, [7]), hexRecord(1, 0),
            ].joined(separator: "\r\n") + "\r\n",
        ].map(bytes)
        try fuzz("seed.hex", seeds: seeds, salt: 1, text: true) {
            try IntelHex.parse($0, file: "seed.hex")
        } roundTrip: {
            try IntelHex.parse(bytes(try IntelHex.write($0, bytesPerRecord: 7)), file: "again.hex")
        }
    }

    @Test func sRecord() throws {
        let seeds = [
            [
                srecRecord(0, 0, Array("hdr".utf8)), srecRecord(1, 0x0100, Array(0..<12)),
                srecRecord(2, 0x01_0000, [1, 2]),
                srecRecord(3, 0x0800_0000, [3, 4, 5]), srecRecord(5, 3), srecRecord(9, 0x0100),
            ].joined(separator: "\n"),
            [
                srecRecord(3, 0x0800_0000, Array(0..<16)), srecRecord(3, 0x0800_0010, [1]),
                srecRecord(3, 0xFFFF_FFF0, Array(0..<8)), srecRecord(6, 3),
                srecRecord(7, 0x0800_0001),
            ].joined(separator: "\r\n") + "\r\n",
        ].map(bytes)
        try fuzz("seed.srec", seeds: seeds, salt: 2, text: true) {
            try SRecord.parse($0, file: "seed.srec")
        } roundTrip: {
            try SRecord.parse(bytes(try SRecord.write($0, bytesPerRecord: 5)), file: "again.srec")
        }
    }

    @Test func elf() throws {
        let small32 = ELFBuilder(
            entry: 0x0800_0001,
            programs: [
                .init(vaddr: 0x0800_0000, paddr: 0x0800_0000, data: Array(0..<8)),
                .init(vaddr: 0x2000_0000, paddr: 0x0800_0008, data: [1, 2], memsz: 16),
                .init(vaddr: 0x2000_0010, paddr: 0x2000_0010, data: [], memsz: 32),
            ])
        let small64 = ELFBuilder(
            is64Bit: true, bigEndian: true, machine: 243, entry: 0x1000,
            programs: [
                .init(vaddr: 0x1000, paddr: 0x1000, data: [1, 2, 3]), .init(type: 4, vaddr: 0, paddr: 0, data: [4]),
            ])
        try fuzz("seed.elf", seeds: [small32.build(), small64.build()], salt: 3, text: false) {
            try ELFImage.parse($0, file: "seed.elf").plan
        } roundTrip: {
            $0
        }
    }

    /// Runs the mutation loop on a worker thread under a watchdog, then reports what it found.
    private func fuzz(
        _ name: String, seeds: [[UInt8]], salt: UInt64, text: Bool,
        sourceLocation: SourceLocation = #_sourceLocation,
        parse: @escaping @Sendable ([UInt8]) throws -> FlashPlan,
        roundTrip: @escaping @Sendable (FlashPlan) throws -> FlashPlan
    ) throws {
        for seed in seeds { _ = try parse(seed) }  // the seeds themselves must be valid
        let seed = Self.baseSeed &+ salt
        let log = FuzzLog()
        let inputs = Self.inputsPerFormat
        let started = ContinuousClock.now
        let finished = runWithWatchdog(seconds: 240) {
            var random = SplitMix64(seed: seed)
            var mutator = Mutator(text: text)
            let clock = ContinuousClock()
            for index in 0..<inputs {
                var input = seeds[Int(random.next() % UInt64(seeds.count))]
                let count = Int(random.next() % 4) + 1
                for _ in 0..<count { mutator.mutate(&input, using: &random) }
                if text, random.next() % 2 == 0 { Mutator.repairChecksums(&input) }
                log.current(index, input)
                var outcome = (failure: "", parsed: false)
                let elapsed = clock.measure {
                    outcome = Self.check(
                        input, name: name, viaLoader: index % 4 == 0, parse: parse, roundTrip: roundTrip)
                }
                if !outcome.failure.isEmpty { log.fail("input \(index): \(outcome.failure)") }
                if elapsed > .seconds(1) { log.fail("input \(index) took \(elapsed)") }
                log.count(mutations: count, parsed: outcome.parsed)
            }
        }
        let seconds = (ContinuousClock.now - started)
        let summary = log.summary()
        print(
            "fuzz \(name): \(summary.inputs) inputs, \(summary.mutations) mutations, \(summary.parsed) parsed, in \(seconds)"
        )
        guard finished else {
            Issue.record(
                "\(name): no result after 240 s (a hang?) at input \(summary.index), seed \(seed): \(Hex.string(summary.input.prefix(512)))",
                sourceLocation: sourceLocation)
            return
        }
        #expect(summary.mutations >= 100_000 || inputs < 100_000, sourceLocation: sourceLocation)
        #expect(
            summary.parsed > 0, "no mutated input parsed: the fuzzer only tests the first checks",
            sourceLocation: sourceLocation)
        for failure in summary.failures.prefix(20) {
            Issue.record("\(name), seed \(seed): \(failure)", sourceLocation: sourceLocation)
        }
    }

    /// An empty failure when the input behaved; otherwise what went wrong, with the input to
    /// reproduce it. Every fourth input also goes through the loader (detection, its own checks):
    /// the reader is the same, so doing it for all would mostly double the run time.
    private static func check(
        _ input: [UInt8], name: String, viaLoader: Bool, parse: ([UInt8]) throws -> FlashPlan,
        roundTrip: (FlashPlan) throws -> FlashPlan
    ) -> (failure: String, parsed: Bool) {
        // Built only on failure: hex-dumping every input would double the run time.
        var reproducer: String { " for \(Hex.string(input.prefix(512)))" }
        var parsed = false
        do {
            let plan = try parse(input)
            parsed = true
            let segments = plan.segments
            for (a, b) in zip(segments, segments.dropFirst()) where b.address <= a.lastAddress {
                return ("segments overlap or are unsorted" + reproducer, parsed)
            }
            guard segments.allSatisfy({ !$0.bytes.isEmpty }) else { return ("an empty segment" + reproducer, parsed) }
            let merged = plan.merged()
            guard merged.totalSize == plan.totalSize, merged.span == plan.span else {
                return ("merging changed the plan's size" + reproducer, parsed)
            }
            let again = try roundTrip(plan)
            guard again.merged().segments.map(\.bytes) == merged.segments.map(\.bytes),
                again.merged().segments.map(\.address) == merged.segments.map(\.address)
            else { return ("write and read back differ" + reproducer, parsed) }
        } catch let error as BootwireError {
            guard error.code == .badImage else { return ("code \(error.code.rawValue): \(error)" + reproducer, parsed) }
        } catch {
            return ("not a BootwireError: \(error)" + reproducer, parsed)
        }
        guard viaLoader else { return ("", parsed) }
        do {
            _ = try ImageLoader.load(bytes: input, file: name, address: nil)
        } catch let error as BootwireError {
            guard error.code == .badImage else {
                return ("loader: code \(error.code.rawValue): \(error)" + reproducer, parsed)
            }
        } catch {
            return ("loader: not a BootwireError: \(error)" + reproducer, parsed)
        }
        return ("", parsed)
    }
}

/// Mutations for one input. Text mutations work on lines and record fields so that inputs stay
/// close enough to valid to reach the record logic; binary ones aim at ELF's fields.
struct Mutator {
    let text: Bool
    static let textBytes = Array(":S0123456789ABCDEFabcdef\n\r \t".utf8) + [0x00, 0xFF, 0x80]
    static let boundaries: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF0,
        0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFF0, .max,
    ]

    mutating func mutate(_ input: inout [UInt8], using random: inout SplitMix64) {
        let kinds = text ? 12 : 9
        switch Int(random.next() % UInt64(kinds)) {
        case 0:  // flip one bit
            guard !input.isEmpty else { return }
            input[random.index(input.count)] ^= 1 << UInt8(random.next() % 8)
        case 1:  // any byte value
            guard !input.isEmpty else { return }
            input[random.index(input.count)] = UInt8(truncatingIfNeeded: random.next())
        case 2:  // insert one to four bytes
            let bytes = (0..<Int(random.next() % 4) + 1).map { _ in self.byte(&random) }
            input.insert(contentsOf: bytes, at: random.index(input.count + 1))
        case 3:  // delete a short run
            guard !input.isEmpty else { return }
            let start = random.index(input.count)
            input.removeSubrange(start..<min(input.count, start + Int(random.next() % 8) + 1))
        case 4:  // truncate
            input.removeSubrange(random.index(input.count + 1)...)
        case 5:  // duplicate a chunk in place (binary) or a line (text)
            if text {
                editLines(&input, &random) { lines, i, _ in lines.insert(lines[i], at: i) }
            } else {
                duplicateChunk(&input, &random)
            }
        case 6:  // overwrite a byte with a format-relevant one
            guard !input.isEmpty else { return }
            input[random.index(input.count)] = text ? Self.textBytes[random.index(Self.textBytes.count)] : byte(&random)
        case 7, 8:
            if text {
                editLines(&input, &random) { lines, i, j in lines.swapAt(i, j) }
            } else {
                writeBoundary(&input, &random)
            }
        case 9: editLines(&input, &random) { lines, i, _ in lines.remove(at: i) }
        case 10: rewriteField(&input, &random)
        default: editLines(&input, &random) { lines, i, j in lines.insert(lines[j], at: i) }
        }
    }

    private func byte(_ random: inout SplitMix64) -> UInt8 {
        random.next() % 2 == 0 && text
            ? Self.textBytes[random.index(Self.textBytes.count)] : UInt8(truncatingIfNeeded: random.next())
    }

    private func duplicateChunk(_ input: inout [UInt8], _ random: inout SplitMix64) {
        guard !input.isEmpty else { return }
        let start = random.index(input.count)
        let chunk = Array(input[start..<min(input.count, start + Int(random.next() % 16) + 1)])
        input.insert(contentsOf: chunk, at: random.index(input.count + 1))
    }

    /// A boundary value in either byte order at a 2-, 4- or 8-aligned offset of the first 256
    /// bytes: the ELF header and the program header table of the seeds.
    private func writeBoundary(_ input: inout [UInt8], _ random: inout SplitMix64) {
        let size = [2, 4, 8][random.index(3)]
        let window = min(input.count, 256)
        guard window >= size else { return }
        let offset = random.index((window - size) / size + 1) * size
        var value = Self.boundaries[random.index(Self.boundaries.count)]
        if random.next() % 4 == 0 { value = UInt64(input.count) &+ (random.next() % 16) &- 8 }
        let bigEndian = input.count > 5 && input[5] == 2
        for i in 0..<size {
            input[bigEndian ? offset + size - 1 - i : offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
        }
    }

    /// Replaces two hex digits of a line's count, address or type field with random ones (the
    /// checksum is repaired afterwards half of the time).
    private func rewriteField(_ input: inout [UInt8], _ random: inout SplitMix64) {
        let (position, high, low) = (
            random.index(8), Self.textBytes[2 + random.index(16)], Self.textBytes[2 + random.index(16)]
        )
        editLines(&input, &random) { lines, i, _ in
            guard lines[i].count >= 4 else { return }
            let at = 1 + position % (lines[i].count - 2)
            lines[i][at] = high
            lines[i][at + 1] = low
        }
    }

    private func editLines(
        _ input: inout [UInt8], _ random: inout SplitMix64, _ edit: (inout [[UInt8]], Int, Int) -> Void
    ) {
        var lines = Self.lines(input)
        edit(&lines, random.index(lines.count), random.index(lines.count))
        input = Self.joined(lines)
    }

    /// Recomputes the checksum of every line that is otherwise well formed HEX or S-record.
    static func repairChecksums(_ input: inout [UInt8]) {
        var lines = Self.lines(input)
        for i in lines.indices {
            var line = lines[i]
            let cr = line.last == 0x0D
            if cr { line.removeLast() }
            let isHex = line.first == UInt8(ascii: ":")
            let isSrec = line.first == UInt8(ascii: "S") && line.count > 1
            let skip = isHex ? 1 : isSrec ? 2 : 0
            guard skip > 0, line.count >= skip + 4, (line.count - skip) % 2 == 0 else { continue }
            var sum: UInt8 = 0
            var valid = true
            for at in stride(from: skip, to: line.count - 2, by: 2) {
                guard let high = digit(line[at]), let low = digit(line[at + 1]) else {
                    valid = false
                    break
                }
                sum &+= high << 4 | low
            }
            guard valid else { continue }
            let checksum = isHex ? 0 &- sum : ~sum
            let digits = Array("0123456789ABCDEF".utf8)
            line[line.count - 2] = digits[Int(checksum >> 4)]
            line[line.count - 1] = digits[Int(checksum & 0xF)]
            lines[i] = line + (cr ? [0x0D] : [])
        }
        input = joined(lines)
    }

    /// Split on LF keeping empty lines, so that `joined` gives the input back byte for byte.
    /// Written out by hand: the generic `split` and `joined` are slow in debug builds.
    static func lines(_ input: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for index in input.indices where input[index] == UInt8(ascii: "\n") {
            lines.append(Array(input[start..<index]))
            start = index + 1
        }
        lines.append(Array(input[start...]))
        return lines
    }

    static func joined(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(lines.count) { $0 + $1.count })
        for (index, line) in lines.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "\n")) }
            out.append(contentsOf: line)
        }
        return out
    }
}

private func digit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: nil
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so that a failing
/// input can be reproduced from the seed and its index.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<count; count must be positive.
    mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}

/// What the worker thread found, read by the test once the thread is done or the watchdog fires.
final class FuzzLog: @unchecked Sendable {
    private let lock = NSLock()
    private var index = 0
    private var input: [UInt8] = []
    private var failures: [String] = []
    private var inputs = 0
    private var mutations = 0
    private var parsed = 0

    func current(_ index: Int, _ input: [UInt8]) {
        lock.withLock {
            self.index = index
            self.input = input
        }
    }

    func fail(_ message: String) { lock.withLock { if failures.count < 100 { failures.append(message) } } }

    func count(mutations: Int, parsed: Bool) {
        lock.withLock {
            inputs += 1
            self.mutations += mutations
            if parsed { self.parsed += 1 }
        }
    }

    func summary() -> (index: Int, input: [UInt8], failures: [String], inputs: Int, mutations: Int, parsed: Int) {
        lock.withLock { (index, input, failures, inputs, mutations, parsed) }
    }
}

/// Runs `body` on its own thread; false when it has not finished after `seconds`. A hung
/// thread is left behind (there is no safe way to stop it), but the test fails and says where.
func runWithWatchdog(seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    return done.wait(timeout: .now() + seconds) == .success
}
