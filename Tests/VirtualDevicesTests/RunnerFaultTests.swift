import BootwireCore
import QCC743
import Testing
import VirtualDevices

/// Each `--fault` as a host on the pty meets it (FaultPlan.swift, spec section 16).
@Suite struct RunnerFaultTests {
    let jedec = okData([0xC4, 0x60, 0x16, 0x00])

    @Test func silentNeverAnswers() throws {
        try withRunner(faults: [.silent]) { runner in
            let host = try Host(runner.slavePath)
            try host.write([UInt8](repeating: 0x55, count: 300))
            try host.write(frame(0x10) + frame(0x36))
            #expect(try host.collect(milliseconds: 200).isEmpty)
        }
    }

    @Test func echoReturnsExactlyWhatWasSent() throws {
        try withRunner(faults: [.echo]) { runner in
            let host = try Host(runner.slavePath)
            let sent = [UInt8](repeating: 0x55, count: 300) + frame(0x10) + frame(0x31, le32(0) + noise(count: 100))
            try host.write(sent)
            #expect(try host.read(sent.count) == sent)
            #expect(try host.collect(milliseconds: 100).isEmpty)
        }
    }

    func applicationDevice() -> VirtualQCC743 {
        var configuration = VirtualQCC743.Configuration()
        configuration.applicationRunning = true
        return VirtualQCC743(configuration: configuration)
    }

    @Test func applicationAtTheBootRateIsJunkWithoutOK() throws {
        try withRunner(applicationDevice(), faults: [.application]) { runner in
            let host = try Host(runner.slavePath)
            try host.write(syncBurst)
            let first = try host.collect(milliseconds: 150)
            #expect(!first.isEmpty)
            #expect(!first.starts(with: ok))
            #expect(!zip(first, first.dropFirst()).contains { $0 == 0x4F && $1 == 0x4B })
            #expect(!String(decoding: first, as: UTF8.self).contains("ready"))
            // Deterministic: the same bytes come back for the same input.
            try host.write(syncBurst)
            #expect(try host.collect(milliseconds: 150) == first)
        }
    }

    @Test func applicationAt115200PrintsItsLog() throws {
        try withRunner(applicationDevice(), faults: [.application]) { runner in
            let host = try Host(runner.slavePath, baud: 115_200)
            try host.write([0x0D, 0x0A])
            let heard = try host.collect(milliseconds: 150)
            #expect(String(decoding: heard, as: UTF8.self).contains("ready"))
            #expect(heard.allSatisfy { $0 == 0x0D || $0 == 0x0A || (0x20..<0x7F).contains($0) })
        }
    }

    @Test func baudLimitCutsTheLinkAfterClkSetAboveIt() throws {
        try withRunner(faults: [.baudLimit(1_000_000)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync() == ok)
            // The OK comes at 500000, then 2000000 is more than the adapter carries.
            #expect(try host.exchange(frame(0x22, le32(1) + le32(2_000_000))) == ok)
            try host.setBaud(2_000_000)
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 200).isEmpty)
        }
    }

    @Test func baudLimitCarriesItsOwnRate() throws {
        try withRunner(faults: [.baudLimit(1_000_000)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x22, le32(1) + le32(1_000_000))) == ok)
            try host.setBaud(1_000_000)
            #expect(try host.exchange(frame(0x36)) == jedec)
            #expect(try host.exchange(frame(0x42)).count == 4 + 10)
        }
    }

    @Test func corruptFlipsABitTheDeviceSees() throws {
        // Every 24th byte from the host has one bit flipped. After a 16-byte sync, byte 24 is
        // the fourth address byte of a 12-byte eFuse read, whose checksum then fails.
        try withRunner(faults: [.corrupt(every: 24)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync(count: 16) == ok)
            let read = frame(0x41, le32(0x14) + le32(6))
            #expect(try host.exchange(read) == bytes("46 4c 03 01"))  // bytes 17...28
            #expect(try host.exchange(read) == okData(bytes("dc d2 03 7b 82 40")))  // 29...40
            #expect(try host.exchange(read) == fail(0x0103))  // 41...52, byte 48 flipped
        }
    }

    @Test func corruptUnderAZeroChecksumGivesAWrongAnswer() throws {
        try withRunner(faults: [.corrupt(every: 24)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync(count: 16) == ok)
            // Checksum 0x00 is not checked: byte 24 (address bit 25 flipped to 0x02000014)
            // makes the read go out of range instead of failing the checksum.
            let unchecked = frame(0x41, le32(0x14) + le32(6), checksum: 0)
            #expect(try host.exchange(unchecked) == fail(0x0405))
        }
    }

    @Test func disconnectAfterPullsTheCable() throws {
        let device = VirtualQCC743()
        let data = noise(count: 20)
        try withRunner(device, faults: [.disconnectAfter(bytes: 44)]) { runner in
            let firstPath = runner.slavePath
            let host = try Host(firstPath)
            #expect(try host.sync(count: 16) == ok)
            // Bytes 17...44 are the write; the cable goes at byte 45, in the same write.
            let write = frame(0x31, le32(0x1000) + data)
            #expect(write.count == 28)
            var failure: BootwireError?
            do {
                try host.write(write + frame(0x36))
                for _ in 0..<3 {
                    _ = try host.read(100, milliseconds: 300)
                    try host.write(frame(0x36))
                }
            } catch let error as BootwireError {
                failure = error
            }
            #expect(failure?.code == .deviceDisconnected)
            // The device comes back on a new port, reset. (The byte count starts again there.)
            let deadline = Deadline.after(milliseconds: 10_000)  // a loaded machine re-plugs late
            while runner.slavePath == firstPath && !deadline.hasPassed { MonotonicClock.sleep(milliseconds: 5) }
            #expect(runner.slavePath != firstPath)
            let again = try Host(runner.slavePath)
            try again.write(frame(0x36))
            #expect(try again.collect(milliseconds: 100).isEmpty)
            #expect(try again.sync(count: 16) == ok)
            #expect(try again.exchange(frame(0x36)) == jedec)
        }
        // What went through the cable before it was pulled reached the flash.
        #expect(device.flash.bytes[0x1000..<0x1014].elementsEqual(data))
    }

    @Test func resetAfterSendsTheDeviceBackToWaitingForSync() throws {
        try withRunner(faults: [.resetAfter(bytes: 20)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync(count: 16) == ok)
            // Bytes 17...20: the last the chip hears before it resets.
            #expect(try host.exchange(frame(0x36)) == jedec)
            try host.write(frame(0x36))
            #expect(try host.collect(milliseconds: 150).isEmpty)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x36)) == jedec)
        }
    }

    @Test func resetAfterMidFrameLosesTheFrame() throws {
        try withRunner(faults: [.resetAfter(bytes: 18)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync(count: 16) == ok)
            // The reset lands inside the frame; the rest is heard by a ROM waiting for sync.
            try host.write(frame(0x36) + syncBurst)
            #expect(try host.read(2) == ok)
            #expect(try host.exchange(frame(0x36)) == jedec)
        }
    }

    @Test func lockedShowsSignedBootInBootInfo() throws {
        var efuse = VirtualQCC743.factoryEfuse()
        VirtualQCC743.lock(&efuse)
        try withRunner(VirtualQCC743(efuse: efuse), faults: [.locked(keyHash: nil)]) { runner in
            let host = try Host(runner.slavePath)
            #expect(try host.sync() == ok)
            let info = try host.exchange([0x10, 0x00, 0x00, 0x00])
            #expect(info.count == 4 + 28)
            #expect(info[4 + 4] == 1)
            #expect(BootInfo(bytes: Array(info.dropFirst(4)))?.signedBootRequired == true)
            #expect(try host.exchange(frame(0x41, le32(0x1C) + le32(32))) == okData(VirtualQCC743.stKeyHash))
        }
    }

    @Test func faultsParseFromTheirCommandLineNames() throws {
        #expect(try Fault.parse("silent") == .silent)
        #expect(try Fault.parse("baud-limit=1000000") == .baudLimit(1_000_000))
        #expect(try Fault.parse("corrupt=0x10") == .corrupt(every: 16))
        #expect(try Fault.parse("disconnect-after=4K") == .disconnectAfter(bytes: 4096))
        #expect(try Fault.parse("locked") == .locked(keyHash: nil))
        #expect(
            try Fault.parse("locked=" + String(repeating: "ab", count: 32))
                == .locked(keyHash: [UInt8](repeating: 0xAB, count: 32)))
        #expect(throws: BootwireError.self) { try Fault.parse("corrupt=0") }
        #expect(throws: BootwireError.self) { try Fault.parse("unplug") }
        for fault in [
            Fault.silent, .echo, .application, .baudLimit(1_000_000), .corrupt(every: 7), .resetAfter(bytes: 9),
        ] {
            #expect(try Fault.parse(fault.description) == fault)
        }
    }
}
