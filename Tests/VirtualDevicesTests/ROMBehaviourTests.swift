import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// The switches that make the virtual ROM each plausible real one (silicon notes).
@Suite struct ROMBehaviourTests {
    func device(_ settings: String..., flash: [UInt8]? = nil) throws -> VirtualQCC743 {
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse(settings)
        return VirtualQCC743.synced(configuration: configuration, flash: flash)
    }

    @Test func theSiliconPresetSetsThePessimisticSideAndLaterSwitchesOverrideIt() throws {
        let rom = try ROMBehaviour.parse(["silicon", "ack=after"])
        #expect(rom.acknowledge == .after)
        #expect(rom.pending == .none)
        #expect(rom.bootInfo == .a0)
        #expect(rom.eraseTimes == .max)
        #expect(rom.deafAfterClockSetMilliseconds == 100)
        #expect(rom.stray55 == .frame)
        #expect(rom.hashBytesPerSecond == 1_290_000)
    }

    /// The tail of a sync burst is skipped under both settings (the vendor streams its burst);
    /// 0x55 after a frame is skipped under `skip` and read as a header (length 0x5555, refused
    /// FL0102) under `frame`.
    @Test func strayBytesAfterAFrameAreSkippedOrReadAsAFrame() throws {
        let jedec = frame(0x36)
        for setting in ["stray-55=skip", "stray-55=frame"] {
            let device = try device(setting)
            let tail = device.answer([0x55, 0x55, 0x55] + jedec)
            #expect(tail.starts(with: ok), "\(setting): the burst's tail is skipped")
            let after = device.answer([0x55, 0x55, 0x55, 0x55] + jedec)
            if setting == "stray-55=skip" {
                #expect(after.starts(with: ok), "skipped between frames")
            } else {
                #expect(after.starts(with: Array("FL".utf8) + [0x02, 0x01]), "read as a header: \(after)")
            }
        }
    }

    @Test func unknownSwitchesAndBadValuesAreUsageErrors() {
        #expect { try ROMBehaviour.parse(["ack=sometimes"]) } throws: { ($0 as? BootwireError)?.code == .usage }
        #expect { try ROMBehaviour.parse(["turbo"]) } throws: { ($0 as? BootwireError)?.code == .usage }
        #expect { try ROMBehaviour.parse(["idle-ms=-3"]) } throws: { ($0 as? BootwireError)?.code == .usage }
    }

    @Test func aWriteIsAcknowledgedBeforeOrAfterItsProgramming() throws {
        let payload = le32(0x1000) + [UInt8](repeating: 0x12, count: 1024)
        let after = try device().receive(frame(0x31, payload))
        let before = try device("ack=before").receive(frame(0x31, payload))
        guard case .busy = after.first, case .send(let a, _) = after.last else {
            Issue.record("after: \(after)")
            return
        }
        #expect(a == ok)
        guard case .send(let b, _) = before.first, case .busy = before.last else {
            Issue.record("before: \(before)")
            return
        }
        #expect(b == ok)
        #expect(busyNanoseconds(before) == busyNanoseconds(after))
    }

    @Test func pendingCadenceFollowsTheSwitch() throws {
        let dirty = [UInt8](repeating: 0, count: 0x40000)
        let erase = frame(0x30, le32(0) + le32(0x3FFFF))  // four 64 KiB blocks
        let perSecond = sent(try device(flash: dirty).receive(erase))
        let perUnit = sent(try device("pd=sector", flash: dirty).receive(erase))
        let silent = sent(try device("pd=none", flash: dirty).receive(erase))
        #expect(silent == ok)
        #expect(perUnit == pendingReply + pendingReply + pendingReply + pendingReply + ok)
        // 4 × 150 ms is under a second: no PD at the one-per-second cadence.
        #expect(perSecond == ok)
        let slow = sent(try device("erase-times=max", flash: dirty).receive(erase))
        #expect(
            slow == pendingReply + pendingReply + pendingReply + pendingReply + pendingReply + pendingReply
                + pendingReply + pendingReply + ok)
    }

    @Test func theA0ROMAnswers24BytesAndHasNoSetTimeout() throws {
        let a0 = try device("boot-info=a0")
        let info = a0.answer(frame(0x10))
        #expect(info.count == 4 + BootInfo.a0Size)
        #expect(Array(info[4..<8]) == [0x01, 0x00, 0x16, 0x06])
        #expect(Array(info.suffix(2)) == [0x80, 0x10])
        #expect(a0.answer(frame(0x23, le32(10_000))) == fail(0x0101))
        // Its UART timeout is a register the vendor writes with memory_write (0x50).
        #expect(a0.answer(frame(0x50, le32(0x6102_DF04) + le32(0x2710_1200))) == ok)
        #expect(a0.idle(milliseconds: 9_000).isEmpty)
        #expect(a0.answer(frame(0x36)).count == 8, "still in the session after 9 s: the timeout is 10 s")
        let a1 = try device()
        #expect(a1.answer(frame(0x10)).count == 4 + BootInfo.size)
        #expect(a1.answer(frame(0x23, le32(10_000))) == ok)
    }

    @Test func theHashTakesTheConfiguredRate() throws {
        let slow = try device("hash-rate=1000000")
        let actions = slow.receive(frame(0x3E, le32(0) + le32(500_000)))
        #expect(busyNanoseconds(actions) == 500_000_000)
        let measured = try device().receive(frame(0x3E, le32(0) + le32(1_290_000)))
        #expect(busyNanoseconds(measured) == 1_000_000_000)
    }

    @Test func bytesRightAfterClockSetAreLostWhileTheUARTSwitches() throws {
        let deaf = try device("clk-deaf-ms=150")
        #expect(deaf.answer(frame(0x22, le32(1) + le32(2_000_000))) == ok)
        #expect(deaf.answer(frame(0x36)).isEmpty)
        MonotonicClock.sleep(milliseconds: 200)
        #expect(deaf.answer(frame(0x36)).count == 8)
    }
}
