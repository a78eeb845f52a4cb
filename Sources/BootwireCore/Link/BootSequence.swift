import Foundation

/// How a device is put into its boot loader: a short program of modem-line changes and waits,
/// written in one line (`rts=1 dtr=0 wait=50ms rts=0 wait=100ms dtr=1`) or named by a preset.
/// `manual` means a person does it: Bootwire says what to do and waits for the device.
public struct BootSequence: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case set(ModemLine, asserted: Bool)
        case wait(milliseconds: Int)
        case manual
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    public var isManual: Bool { steps.contains(.manual) }
    public var drivesModemLines: Bool { steps.contains { if case .set = $0 { true } else { false } } }

    /// The canonical one-line form; `parse(description)` gives the same sequence back.
    public var description: String {
        if steps.isEmpty { return "none" }
        return steps.map { step in
            switch step {
            case .set(let line, let asserted): "\(line.rawValue)=\(asserted ? 1 : 0)"
            case .wait(let ms): "wait=\(ms)ms"
            case .manual: "manual"
            }
        }.joined(separator: " ")
    }

    /// Named wirings. pyserial semantics: `rts=1` asserts RTS, which drives the pin low.
    public static let presets: [(name: String, sequence: BootSequence, summary: String)] = [
        ("none", BootSequence(steps: []), "drive nothing: the device is already in its boot loader"),
        ("manual", BootSequence(steps: [.manual]), "a person holds BOOT high and pulses CHIP_EN (or RESET)"),
        (
            "host-mcu", BootSequence(steps: []),
            "X-NUCLEO-67W61M1 and similar: the STM32 host (running ST's Bootloader.bin) drives BOOT and CHIP_EN; "
                + "flash that first, then Bootwire drives nothing"
        ),
        (
            "dtr-boot-rts-en",
            try! parseSteps("dtr=0 rts=1 wait=100ms dtr=1 wait=10ms rts=0 wait=50ms dtr=0"),
            "adapter with DTR→BOOT and RTS→CHIP_EN (inverted by transistors, as on most dev boards)"
        ),
        (
            "qconn",
            try! parseSteps(
                "rts=1 wait=200ms rts=0 wait=50ms rts=1 dtr=1 wait=50ms dtr=0 wait=100ms rts=0 wait=200ms "
                    + "rts=1 wait=50ms rts=0 wait=100ms rts=1 wait=50ms rts=0 wait=100ms "
                    + "rts=1 wait=50ms rts=0 wait=100ms rts=1 wait=50ms rts=0 wait=100ms"),
            "the vendor tool's sequence (QConn_Flash_Cmd / BLFlashCommand), about 1.15 s"
        ),
        (
            "stm32-rts-reset",
            try! parseSteps("dtr=1 rts=1 wait=100ms rts=0 wait=50ms"),
            "STM32: DTR→BOOT0 (asserted = high through an inverter), RTS→NRST"
        ),
    ]

    /// Parses a preset name or the one-line syntax. Errors name the position (1-based column).
    public static func parse(_ text: String) throws -> BootSequence {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let preset = presets.first(where: { $0.name == trimmed }) { return preset.sequence }
        return try parseSteps(text)
    }

    private static func parseSteps(_ text: String) throws -> BootSequence {
        var steps: [Step] = []
        var column = 1
        for token in text.split(separator: " ", omittingEmptySubsequences: false) {
            defer { column += token.count + 1 }
            if token.isEmpty { continue }
            func fail(_ why: String) -> BootwireError {
                BootwireError(
                    .badBootSequence, "boot sequence, column \(column): \(why) in `\(token)`",
                    hint: "write steps like `rts=1 dtr=0 wait=50ms rts=0`, or a preset: "
                        + presets.map(\.name).joined(separator: ", "),
                    evidence: ["column": "\(column)", "token": String(token)])
            }
            if token == "manual" {
                steps.append(.manual)
                continue
            }
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw fail("expected name=value") }
            let key = parts[0].lowercased()
            let value = String(parts[1])
            switch key {
            case "dtr", "rts":
                guard value == "0" || value == "1" else { throw fail("a line is set to 0 or 1") }
                steps.append(.set(key == "dtr" ? .dtr : .rts, asserted: value == "1"))
            case "wait":
                guard let ms = milliseconds(value) else {
                    throw fail("a wait is a duration such as 50ms, 0.2s or 500us")
                }
                steps.append(.wait(milliseconds: ms))
            default:
                throw fail("unknown step `\(key)` (dtr, rts, wait or manual)")
            }
        }
        return BootSequence(steps: steps)
    }

    private static func milliseconds(_ text: String) -> Int? {
        let units: [(String, Double)] = [("ms", 1), ("us", 0.001), ("s", 1000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0, value <= 60_000 / scale else {
                return nil
            }
            return Int((value * scale).rounded())
        }
        return nil
    }
}
