import BootwireCore
import Foundation

/// The firmware a virtual device runs after a reset into its application (BOOT low, or the
/// STM32 bootloader's Go): its boot log once it has started, then a tick line every period of
/// the device's clock, and a small shell that echoes what it hears and answers `help` and
/// `version`. Lines, periods and the start-up time are this emulator's choices, not any real
/// firmware's: `run`'s tests look for them (`app-tick-ms=N`, `app-boot-ms=N` on the port change them).
final class VirtualApplication {
    struct Program: Sendable, Equatable {
        /// What the firmware prints once it has started.
        var bootLog: [UInt8]
        /// The answer to `version`.
        var version: String
        /// The UART rate the firmware sets (8N1).
        var baud = 115_200
        /// Start-up before the boot log: long enough for a host to switch its UART to `baud`
        /// after the reset, as a real part's clock and RAM set-up are.
        var bootMilliseconds = 100
        /// A `tick N` line every this many milliseconds after the start; 0: none.
        var tickMilliseconds = 500

        /// Applies `app-tick-ms=N` and `app-boot-ms=N`; false for another key.
        mutating func apply(_ option: VirtualOption) throws -> Bool {
            switch option.key {
            case "app-tick-ms": tickMilliseconds = Int(try option.real(in: 0...60_000, "app-tick-ms=N"))
            case "app-boot-ms": bootMilliseconds = Int(try option.real(in: 0...60_000, "app-boot-ms=N"))
            default: return false
            }
            return true
        }
    }

    let program: Program
    private let clock: any WaitClock
    private let started: UInt64
    private var bootLogSent = false
    private var ticks = 0
    private var line: [UInt8] = []
    private var lastWasCR = false
    /// Bytes that came before the firmware started, kept as a UART's receive buffer keeps them.
    private var early: [UInt8] = []

    init(program: Program, clock: any WaitClock) {
        self.program = program
        self.clock = clock
        started = clock.now()
    }

    /// The boot log and the ticks that have come due.
    func idle() -> [DeviceAction] {
        let elapsed = Int((clock.now() - min(started, clock.now())) / 1_000_000)
        var out: [UInt8] = []
        if !bootLogSent && elapsed >= program.bootMilliseconds {
            bootLogSent = true
            out += program.bootLog
            // What the UART received while the firmware started, read now.
            for case .send(let bytes, _) in receive(early) { out += bytes }
            early = []
        }
        if bootLogSent && program.tickMilliseconds > 0 {
            while (ticks + 1) * program.tickMilliseconds <= elapsed {
                ticks += 1
                out += Array("tick \(ticks)\r\n".utf8)
            }
        }
        return out.isEmpty ? [] : [.send(out, baud: program.baud)]
    }

    /// The shell: every byte echoed, a line run at CR or LF.
    func receive(_ bytes: [UInt8]) -> [DeviceAction] {
        guard bootLogSent else {
            early += bytes
            return []
        }
        var out: [UInt8] = []
        for byte in bytes {
            defer { lastWasCR = byte == 0x0D }
            // CR LF is one Enter, as a terminal or a pipe may send it.
            if byte == 0x0A && lastWasCR { continue }
            if byte == 0x0D || byte == 0x0A {
                out += [0x0D, 0x0A]
                out += answer(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                line = []
            } else {
                line.append(byte)
                out.append(byte)
            }
        }
        return out.isEmpty ? [] : [.send(out, baud: program.baud)]
    }

    private func answer(_ command: String) -> [UInt8] {
        let text: String
        switch command {
        case "": return []
        case "help": text = "commands: help, version"
        case "version": text = program.version
        default: text = "unknown command: \(command) (try help)"
        }
        return Array((text + "\r\n").utf8)
    }
}
