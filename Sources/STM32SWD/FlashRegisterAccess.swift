import ArmDebug
import BootwireCore
import Foundation

/// What every STM32 flash controller shares (spec 3, steps 2–3): BSY polling, error flags left
/// by an earlier operation written back as 1s (and reported), and the two-key unlock of CR.LOCK.
/// A family gives its offsets and bits.
struct FlashRegisterAccess {
    struct Bits {
        var keyr: UInt32
        var sr: UInt32
        var cr: UInt32
        var bsy: UInt32
        var errors: UInt32
        var clearAll: UInt32
        var lock: UInt32
        var flagNames: [(UInt32, String)]
    }

    static let key1: UInt32 = 0x4567_0123
    static let key2: UInt32 = 0xCDEF_89AB

    let probe: any DebugProbe
    let base: UInt32
    let bits: Bits
    let events: EventSink

    func read(_ offset: UInt32) throws -> UInt32 { try probe.readWord(base + offset) }
    func write(_ offset: UInt32, _ value: UInt32) throws { try probe.writeWord(base + offset, value) }

    func names(_ sr: UInt32) -> String {
        bits.flagNames.filter { sr & $0.0 != 0 }.map(\.1).joined(separator: "|")
    }

    /// On the probe's clock, so a virtual target in simulated time is waited for in no wall time.
    func waitIdle(timeout: TimeInterval) throws -> UInt32 {
        let clock = probe.clock
        let deadline = clock.now() + UInt64(timeout * 1e9)
        while true {
            let sr = try read(bits.sr)
            if sr & bits.bsy == 0 { return sr }
            guard clock.now() < deadline else {
                throw BootwireError(
                    .timeout, "the flash controller stayed busy", hint: "reset the target and try again",
                    evidence: ["FLASH_SR": Hex.address(sr, width: 8, uppercase: true)])
            }
            clock.sleep(milliseconds: 1)
        }
    }

    /// Waits for BSY, then clears flags an earlier operation left (they would fail the next one);
    /// flags that will not clear need a power cycle.
    func clearStaleErrors(timeout: TimeInterval) throws {
        let sr = try waitIdle(timeout: timeout)
        guard sr & bits.errors != 0 else { return }
        events(
            .note(
                .warning(
                    .flashStaleErrors,
                    "flash controller reports previous error \(Hex.address(sr, width: 8, uppercase: true)) (\(names(sr))); clearing"
                ))
        )
        try write(bits.sr, bits.clearAll)
        let again = try read(bits.sr)
        if again & bits.errors != 0 {
            throw BootwireError(
                .flashProgramError, "the flash controller's error flags do not clear", hint: "power-cycle the target",
                evidence: ["FLASH_SR": Hex.address(again, width: 8, uppercase: true)])
        }
    }

    /// KEY1 then KEY2, unless already unlocked (re-keying an unlocked controller fails). A bad
    /// sequence earlier keeps KEYR locked until reset (on L4 the write also bus-faults), so with
    /// `retryAfterReset` the keys go once more after a reset-and-halt.
    func unlock(retryAfterReset: Bool) throws {
        var cr = try read(bits.cr)
        guard cr & bits.lock != 0 else { return }
        do {
            try write(bits.keyr, Self.key1)
            try write(bits.keyr, Self.key2)
        } catch is ProbeError where retryAfterReset {
            // Judged by CR.LOCK below.
        }
        cr = try read(bits.cr)
        if cr & bits.lock != 0, retryAfterReset {
            try probe.resetAndHalt()
            try write(bits.keyr, Self.key1)
            try write(bits.keyr, Self.key2)
            cr = try read(bits.cr)
        }
        guard cr & bits.lock == 0 else {
            throw BootwireError(
                .flashLocked, "the flash stays locked after the unlock keys",
                hint: "power-cycle the target; another tool may hold the controller",
                evidence: ["FLASH_CR": Hex.address(cr, width: 8, uppercase: true)])
        }
    }
}

/// A controller built on `FlashRegisterAccess`: its registers by offset from the controller base.
protocol FlashRegisterClient {
    var registers: FlashRegisterAccess { get }
}

extension FlashRegisterClient {
    func read(_ offset: UInt32) throws -> UInt32 { try registers.read(offset) }
    func write(_ offset: UInt32, _ value: UInt32) throws { try registers.write(offset, value) }
}

extension DebugProbe {
    /// Writes `bytes` at `address` in blocks of at most `blockSize` (with PG set by the caller),
    /// asking the controller after each block, so an error names the block it happened in;
    /// `bytewise`: 8-bit stores only (F2/F4 at x8).
    func programInBlocks(
        _ bytes: [UInt8], at address: UInt32, blockSize: Int, bytewise: Bool = false,
        check: (String, UInt32) throws -> Void
    ) throws {
        var offset = 0
        while offset < bytes.count {
            let count = min(blockSize, bytes.count - offset)
            let at = address + UInt32(offset)
            let block = Array(bytes[offset..<(offset + count)])
            if bytewise { try writeBytes(at, block) } else { try writeMemory(at, block) }
            try check("programming \(count) bytes at \(Hex.address(at, width: 8, uppercase: true))", at)
            offset += count
        }
    }
}
