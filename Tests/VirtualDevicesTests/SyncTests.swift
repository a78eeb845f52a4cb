import Testing
import VirtualDevices

/// The handshake (spec section 4) and the idle fallback (section 17 item 2), on the state
/// machine alone.
@Suite struct SyncTests {
    @Test func silentBeforeSyncEvenToIotToolsBootInfoProbe() {
        let device = VirtualQCC743()
        // Bouffalo's iot-tool sends get_boot_info before any sync: a strict ROM ignores it.
        #expect(device.receive([0x10, 0x00, 0x00, 0x00]).isEmpty)
        #expect(device.receive([0x23, 0x00, 0x04, 0x00, 0x10, 0x27, 0x00, 0x00]).isEmpty)
        #expect(device.receive([UInt8](repeating: 0x55, count: 15)).isEmpty)
        #expect(device.listeningBaud == 500_000)
    }

    @Test func fifteenSyncBytesAreNotEnough() {
        let device = VirtualQCC743()
        // A non-0x55 byte breaks the run: 15 + 15 is not a burst of 16.
        let broken = [UInt8](repeating: 0x55, count: 15) + [0x00] + [UInt8](repeating: 0x55, count: 15)
        #expect(device.receive(broken).isEmpty)
        // Nor does an answer come to a frame after such a run.
        #expect(device.receive([0x36, 0x00, 0x00, 0x00]).isEmpty)
    }

    @Test func sixteenSyncBytesGetOK() {
        let device = VirtualQCC743()
        #expect(device.receive([UInt8](repeating: 0x55, count: 15)).isEmpty)
        #expect(device.receive([0x55]) == [.send(ok, baud: 500_000)])
    }

    @Test func probeThenSyncGetsExactlyOneOK() {
        let device = VirtualQCC743()
        #expect(device.answer([0x10, 0x00, 0x00, 0x00] + [UInt8](repeating: 0x55, count: 300)) == ok)
        #expect(device.answer([0x10, 0x00, 0x00, 0x00]).count == 4 + 28)
    }

    @Test(arguments: [16, 17, 300, 1200])
    func aLongBurstGetsExactlyOneOK(count: Int) {
        let device = VirtualQCC743()
        #expect(device.answer([UInt8](repeating: 0x55, count: count)) == ok)
        // The bytes after the OK are discarded, and the next frame is understood.
        #expect(device.answer([0x36, 0x00, 0x00, 0x00]) == okData([0xC4, 0x60, 0x16, 0x00]))
    }

    @Test func aBurstSplitAcrossReadsGetsOneOK() {
        let device = VirtualQCC743()
        var answers: [UInt8] = []
        // 1200 bytes (the 2023 build's count) as a pty might deliver them.
        for size in [7, 1, 9, 500, 683] {
            answers += device.answer([UInt8](repeating: 0x55, count: size))
        }
        #expect(answers == ok)
    }

    @Test func aNewBurstAfterAFrameResyncs() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x36)) == okData([0xC4, 0x60, 0x16, 0x00]))
        #expect(device.answer([UInt8](repeating: 0x55, count: 300)) == ok)
        #expect(device.answer(frame(0x36)) == okData([0xC4, 0x60, 0x16, 0x00]))
        #expect(device.answer([UInt8](repeating: 0x55, count: 16)) == ok)
    }

    @Test func strayShortRunsOfSyncBytesBetweenFramesAreSkipped() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x36)).count == 8)
        #expect(device.answer([0x55, 0x55, 0x55] + frame(0x36)) == okData([0xC4, 0x60, 0x16, 0x00]))
    }

    @Test func idleTimeoutReturnsToWaitingForSyncAtTheBootRate() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x22, le32(1) + le32(2_000_000))) == ok)
        #expect(device.listeningBaud == 2_000_000)
        #expect(device.idle(milliseconds: 1999).isEmpty)
        #expect(device.listeningBaud == 2_000_000)
        #expect(device.answer(frame(0x36)).count == 8)

        #expect(device.idle(milliseconds: 2000).isEmpty)
        #expect(device.listeningBaud == 500_000)
        // Waiting for sync: frames get no answer, a burst gets OK.
        #expect(device.answer(frame(0x36)).isEmpty)
        #expect(device.answer(syncBurst) == ok)
        #expect(device.answer(frame(0x36)).count == 8)
    }

    @Test func setTimeoutMovesTheIdleFallback() {
        let device = VirtualQCC743.synced()
        // iot-tool's frame: 10000 ms, checksum byte 0x00 (spec section 7 step 4).
        #expect(device.answer([0x23, 0x00, 0x04, 0x00, 0x10, 0x27, 0x00, 0x00]) == ok)
        _ = device.idle(milliseconds: 9000)
        #expect(device.answer(frame(0x36)).count == 8)
        _ = device.idle(milliseconds: 10_000)
        #expect(device.answer(frame(0x36)).isEmpty)
        #expect(device.answer(syncBurst) == ok)
    }

    @Test func resetForgetsTheSessionAndTheRate() {
        let device = VirtualQCC743.synced()
        #expect(device.answer(frame(0x22, le32(1) + le32(2_000_000))) == ok)
        device.reset()
        #expect(device.listeningBaud == 500_000)
        #expect(device.answer(frame(0x36)).isEmpty)
        #expect(device.answer(syncBurst) == ok)
    }

    @Test func noiseBreaksASyncRun() {
        let device = VirtualQCC743()
        #expect(device.receive([UInt8](repeating: 0x55, count: 10)).isEmpty)
        #expect(device.receiveNoise(count: 3).isEmpty)
        #expect(device.receive([UInt8](repeating: 0x55, count: 6)).isEmpty)
        #expect(device.answer([UInt8](repeating: 0x55, count: 10)) == ok)
    }
}
