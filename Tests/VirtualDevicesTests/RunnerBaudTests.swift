import BootwireCore
import Testing
import VirtualDevices

/// The device behind a real pseudo-terminal: it hears and answers only a host at its own rate
/// (spec section 2), and a host's open of the port resets it.
@Suite struct RunnerBaudTests {
    let jedec = okData([0xC4, 0x60, 0x16, 0x00])
    let toTwoMegabaud = frame(0x22, le32(1) + le32(2_000_000))

    @Test func aHostAtTheBootRateGetsOK() throws {
        try withRunner { runner in
            let host = try Host(runner.slavePath, baud: 500_000)
            #expect(try host.sync() == ok)
            #expect(try host.exchange([0x10, 0x00, 0x00, 0x00]).count == 4 + 28)
        }
    }

    @Test func aHostAt115200GetsNoAnswerToASyncBurst() throws {
        try withRunner { runner in
            let host = try Host(runner.slavePath, baud: 115_200)
            try host.write([UInt8](repeating: 0x55, count: 300))
            #expect(try host.collect(milliseconds: 150).isEmpty)
            // The same host at the right rate is answered.
            try host.setBaud(500_000)
            #expect(try host.sync() == ok)
        }
    }

    @Test(arguments: [490_000, 510_000])
    func aRateWithinThreePercentIsHeard(baud: Int) throws {
        try withRunner { runner in
            let host = try Host(runner.slavePath, baud: baud)
            #expect(try host.sync() == ok)
        }
    }

    @Test func afterClkSetOnlyTheNewRateWorks() throws {
        try withRunner { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync() == ok)
            // The OK to clk_set still comes at 500000.
            #expect(try host.exchange(toTwoMegabaud) == ok)
            // A host that stays at 500000 is not understood, and hears nothing useful.
            try host.write(frame(0x36))
            let heard = try host.collect(milliseconds: 150)
            #expect(!heard.starts(with: ok))
            #expect(!heard.contains(0xC4))
            // At 2000000 it is.
            try host.setBaud(2_000_000)
            #expect(try host.exchange(frame(0x36)) == jedec)
            #expect(try host.exchange([0x10, 0x00, 0x00, 0x00]).count == 4 + 28)
        }
    }

    @Test func eachOpenOfThePortResetsTheDevice() throws {
        try withRunner { runner in
            do {
                let host = try Host(runner.slavePath)
                #expect(try host.sync() == ok)
                #expect(try host.exchange(toTwoMegabaud) == ok)
            }
            letTheRunnerNotice(runner)
            let host = try Host(runner.slavePath, baud: 2_000_000)
            // Reset: not synced, and back at 500000.
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 150).isEmpty)
            try host.setBaud(500_000)
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 100).isEmpty)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x36)) == jedec)
        }
    }

    @Test func withoutResetOnOpenTheSessionSurvivesAReopen() throws {
        try withRunner(resetOnOpen: false) { runner in
            do {
                let host = try Host(runner.slavePath)
                #expect(try host.sync() == ok)
                #expect(try host.exchange(toTwoMegabaud) == ok)
            }
            letTheRunnerNotice(runner)
            let host = try Host(runner.slavePath, baud: 2_000_000)
            #expect(try host.exchange(frame(0x36)) == jedec)
        }
    }

    @Test func theIdleTimeoutRunsWhileThePortIsClosed() throws {
        // No bytes for longer than the ROM's UART timeout: it waits for a sync again, whether
        // or not a host holds the port meanwhile (spec 10 and 17 item 2).
        var configuration = VirtualQCC743.Configuration()
        configuration.idleTimeoutMilliseconds = 300
        try withRunner(VirtualQCC743(configuration: configuration), resetOnOpen: false) { runner in
            do {
                let host = try Host(runner.slavePath)
                #expect(try host.sync() == ok)
                #expect(try host.exchange(frame(0x36)) == jedec)
            }
            MonotonicClock.sleep(milliseconds: 500)
            let host = try Host(runner.slavePath)
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 100).isEmpty)
            #expect(try host.sync() == ok)
        }
    }

    @Test func theIdleTimeoutRunsWhileThePortIsOpen() throws {
        var configuration = VirtualQCC743.Configuration()
        configuration.idleTimeoutMilliseconds = 300
        try withRunner(VirtualQCC743(configuration: configuration)) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(toTwoMegabaud) == ok)
            MonotonicClock.sleep(milliseconds: 500)
            // Back at 500000, waiting for sync.
            try host.setBaud(2_000_000)
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 100).isEmpty)
            try host.setBaud(500_000)
            #expect(try host.sync() == ok)
        }
    }

    @Test func theRealisticWireSurvivesAHostAtTheWrongRate() throws {
        // 300 bytes at 115200 take 26 ms on the wire and get no answer; the device must still
        // be there for the host's next try at the right rate.
        try withRunner(wire: .realistic) { runner in
            let host = try Host(runner.slavePath, baud: 115_200)
            try host.write([UInt8](repeating: 0x55, count: 300))
            #expect(try host.collect(milliseconds: 100).isEmpty)
            try host.setBaud(500_000)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x36)) == jedec)
        }
    }

    @Test func theRealisticWirePacesAnswersAtTheLineRate() throws {
        try withRunner(wire: .realistic) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync(count: 16) == ok)
            // 1 MiB of SHA input at the measured 1.29 MB/s is about 0.81 s of device work.
            let started = MonotonicClock.now()
            let sha = try host.exchange(frame(0x3E, le32(0) + le32(1 << 20)), milliseconds: 3000)
            let elapsed = (MonotonicClock.now() - started) / 1_000_000
            #expect(sha.count == 4 + 32)
            #expect(elapsed >= 800)
        }
    }
}
