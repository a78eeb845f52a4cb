import BootwireCore
import Testing

/// The boot-sequence syntax: presets, the one-line form, round trips and error columns.
@Suite struct BootSequenceTests {
    @Test(
        "every preset resolves by name to its sequence", arguments: BootSequence.presets.map(\.name)
    )
    func presetResolves(name: String) throws {
        let preset = try #require(BootSequence.presets.first { $0.name == name })
        #expect(try BootSequence.parse(name) == preset.sequence)
        #expect(try BootSequence.parse("  \(name) ") == preset.sequence)
    }

    @Test("the presets mean what their names say")
    func presetContents() throws {
        #expect(try BootSequence.parse("none").steps.isEmpty)
        #expect(try BootSequence.parse("manual").steps == [.manual])
        #expect(try BootSequence.parse("manual").isManual)
        #expect(
            try BootSequence.parse("stm32-rts-reset").steps == [
                .set(.dtr, asserted: true), .set(.rts, asserted: true), .wait(milliseconds: 100),
                .set(.rts, asserted: false), .wait(milliseconds: 50),
            ])
        let qconn = try BootSequence.parse("qconn")
        #expect(qconn.drivesModemLines)
        #expect(!qconn.isManual)
        #expect(qconn.steps.first == .set(.rts, asserted: true))
        #expect(qconn.steps.count == 27)
    }

    @Test("the one-line syntax parses into steps")
    func oneLineSyntax() throws {
        let sequence = try BootSequence.parse("rts=1 dtr=0 wait=50ms rts=0 wait=100ms dtr=1")
        #expect(
            sequence.steps == [
                .set(.rts, asserted: true), .set(.dtr, asserted: false), .wait(milliseconds: 50),
                .set(.rts, asserted: false), .wait(milliseconds: 100), .set(.dtr, asserted: true),
            ])
        #expect(sequence.drivesModemLines)
        #expect(!sequence.isManual)
    }

    @Test("extra spaces between and around steps are ignored; names are case-insensitive")
    func spacing() throws {
        let sequence = try BootSequence.parse("  RTS=1   wait=5ms  Dtr=0 ")
        #expect(
            sequence.steps == [
                .set(.rts, asserted: true), .wait(milliseconds: 5), .set(.dtr, asserted: false),
            ])
    }

    @Test("manual mixes with line steps")
    func manualStep() throws {
        let sequence = try BootSequence.parse("dtr=1 manual wait=1s")
        #expect(sequence.steps == [.set(.dtr, asserted: true), .manual, .wait(milliseconds: 1000)])
        #expect(sequence.isManual)
        #expect(sequence.drivesModemLines)
    }

    @Test(
        "waits take ms, s and us",
        arguments: [
            ("wait=50ms", 50), ("wait=0ms", 0), ("wait=0.2s", 200), ("wait=1s", 1000),
            ("wait=1.5s", 1500),
            ("wait=3000us", 3), ("wait=2500.0us", 3), ("wait=60s", 60_000), ("wait=12.4ms", 12),
        ])
    func units(text: String, milliseconds: Int) throws {
        #expect(try BootSequence.parse(text).steps == [.wait(milliseconds: milliseconds)])
    }

    @Test(
        "parse(description) gives the same sequence back",
        arguments: BootSequence.presets.map(\.sequence) + [
            BootSequence(steps: []),
            BootSequence(steps: [.manual]),
            BootSequence(steps: [
                .set(.rts, asserted: true), .wait(milliseconds: 0), .set(.rts, asserted: false),
            ]),
            BootSequence(steps: [.set(.dtr, asserted: false), .manual, .wait(milliseconds: 60000)]),
            BootSequence(steps: [
                .wait(milliseconds: 7), .wait(milliseconds: 1234), .set(.dtr, asserted: true),
            ]),
        ])
    func roundTrip(sequence: BootSequence) throws {
        #expect(try BootSequence.parse(sequence.description) == sequence)
    }

    @Test("the description of a parsed line is the canonical line")
    func canonicalDescription() throws {
        #expect(
            try BootSequence.parse("RTS=1  wait=0.05s dtr=0").description == "rts=1 wait=50ms dtr=0"
        )
        #expect(BootSequence(steps: []).description == "none")
    }

    @Test(
        "bad syntax throws bad-boot-sequence naming the 1-based column of the bad token",
        arguments: [
            ("rts=2", 1, "rts=2"),
            ("rts=1 wait=5", 7, "wait=5"),
            ("rts=1 dtr=0 foo=1", 13, "foo=1"),
            ("rts", 1, "rts"),
            ("dtr=1  rts", 8, "rts"),
            ("  rts=x", 3, "rts=x"),
            ("wait=50ms wait=-5ms", 11, "wait=-5ms"),
            ("wait=61s", 1, "wait=61s"),
            ("wait=ms", 1, "wait=ms"),
            ("rts=1 =1", 7, "=1"),
            ("rts=1 dtr=", 7, "dtr="),
            ("dtr=1 nope", 7, "nope"),
        ])
    func badSyntax(text: String, column: Int, token: String) {
        let error = #expect(throws: BootwireError.self) { _ = try BootSequence.parse(text) }
        #expect(error?.code == .badBootSequence)
        #expect(error?.evidence["column"] == "\(column)")
        #expect(error?.evidence["token"] == token)
    }
}

extension BootSequence: CustomTestStringConvertible {
    public var testDescription: String { description }
}
