import BootwireCore
import Testing
import VirtualDevices

@testable import STM32

/// `STM32Session` against `VirtualSTM32` over a real pseudo-terminal (`VirtualDeviceRunner`).
@MainActor @Suite struct SessionTests {
    let l476 = STM32DeviceTable.l476

    @Test func connectReadsTheIdentity() throws {
        let events = EventLog()
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476))) { runner in
            let (_, session) = try connect(runner, events: events)
            let id = session.identity
            #expect(id.productID == 0x415 && id.device == l476)
            #expect(id.bootloaderVersion == 0x31 && id.commands == bytes("00 01 02 11 21 31 44 63 73 82 92"))
            #expect(id.flashSize == 1 << 20)
            #expect(id.readoutProtection == .level0 && id.optionBytes?.dualBank == true)
            #expect(id.geometry?.bankCount == 2 && id.geometry?.pageCount == 512)
            #expect(!id.wasAlreadySynced)
        }
        // A pty cannot carry the 8E1 the session asks for.
        #expect(events.notes.contains { $0.code == .ptyNoParity })
    }

    @Test func eraseWriteVerifyRead64KiB() throws {
        let image = noise(count: 65536, seed: 3)
        let device = VirtualSTM32(configuration: .init(device: l476))
        let events = EventLog()
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner, events: events)
            #expect(try session.erase(address: 0x0800_0000, length: image.count) == Array(0..<32))
            try session.write(image, at: 0x0800_0000)
            try session.verify(image, at: 0x0800_0000)
            #expect(try session.read(address: 0x0800_0000, length: image.count) == image)
        }
        #expect(Array(device.flash[0..<65536]) == image)
        #expect(device.flash[65536] == 0xFF)
        let writes = events.events.compactMap { event -> (Int, Int)? in
            if case .progress("write", let done, let total, _, _, _) = event { return (done, total) }
            return nil
        }
        #expect(writes.count == 256 && writes.last! == (65536, 65536))
    }

    @Test func anOddLengthIsPaddedWithFF() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            try session.write([1, 2, 3, 4, 5], at: 0x0800_0100)
            try session.verify([1, 2, 3, 4, 5], at: 0x0800_0100)
        }
        #expect(Array(device.flash[0x100..<0x108]) == [1, 2, 3, 4, 5, 0xFF, 0xFF, 0xFF])
    }

    @Test func programmingFlashTwiceIsRefusedAndSaysWhere() throws {
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476))) { runner in
            let (_, session) = try connect(runner)
            try session.write(noise(count: 256, seed: 1), at: 0x0800_0400)
            let error = bootwireError { try session.write(noise(count: 256, seed: 2), at: 0x0800_0400) }
            #expect(error?.code == .deviceError)
            #expect(error?.evidence["address"] == "0x08000400")
            try session.erase(address: 0x0800_0400, length: 256)
            try session.write(noise(count: 256, seed: 2), at: 0x0800_0400)
            try session.verify(noise(count: 256, seed: 2), at: 0x0800_0400)
        }
    }

    @Test func verifyNamesTheFirstAddressThatDiffers() throws {
        var image = noise(count: 2000, seed: 9)
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476))) { runner in
            let (_, session) = try connect(runner)
            try session.write(image, at: 0x0800_0000)
            image[1000] ^= 0x10
            let error = bootwireError { try session.verify(image, at: 0x0800_0000) }
            #expect(error?.code == .verifyMismatch)
            #expect(error?.evidence["address"] == "0x080003E8")
        }
    }

    @Test func writeProtectionRefusesAndWriteUnprotectLiftsIt() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            try session.writeProtect(pages: 0...3)
            #expect(device.resets >= 2)
            #expect(session.identity.writeProtectedPages == [0...3])
            let write = bootwireError { try session.write([1, 2, 3, 4], at: 0x0800_0800) }
            #expect(write?.code == .deviceProtected)
            #expect(write?.evidence["refused-pages"] == "1")
            #expect(bootwireError { try session.erase(pages: [3, 4]) }?.code == .deviceProtected)
            #expect(bootwireError { try session.massErase() }?.code == .deviceProtected)
            // Outside the protected pages all is well.
            try session.erase(pages: [4])
            try session.writeUnprotect()
            #expect(session.identity.writeProtectedPages.isEmpty)
            try session.write([1, 2, 3, 4], at: 0x0800_0800)
        }
    }

    @Test func readoutProtectionCycleErasesTheFlash() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            try session.write(noise(count: 1024, seed: 4), at: 0x0800_0000)
            try session.readoutProtect()
            #expect(session.identity.readoutProtection == .level1 && session.identity.optionBytes == nil)
            let read = bootwireError { _ = try session.read(address: 0x0800_0000, length: 16) }
            #expect(read?.code == .deviceProtected)
            #expect(bootwireError { try session.write([0, 0, 0, 0], at: 0x0800_0000) }?.code == .deviceProtected)
            #expect(Array(device.flash[0..<4]) == Array(noise(count: 4, seed: 4)))
            try session.readoutUnprotect()
            #expect(session.identity.readoutProtection == .level0)
            #expect(try session.read(address: 0x0800_0000, length: 256) == [UInt8](repeating: 0xFF, count: 256))
        }
        #expect(device.flash.allSatisfy { $0 == 0xFF })
    }

    @Test func aSecondSessionWithoutResetFindsItAlreadySynced() throws {
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476)), resetOnOpen: false) { runner in
            do {
                let (_, first) = try connect(runner)
                #expect(!first.identity.wasAlreadySynced)
            }
            letTheRunnerNotice(runner)
            let (_, second) = try connect(runner)
            #expect(second.identity.wasAlreadySynced)
            #expect(second.identity.productID == 0x415)
        }
    }

    @Test func aGlitchBeforeTheFirstACKIsSkipped() throws {
        let device = VirtualSTM32.make(device: l476, faults: [.syncGlitch])
        try withVirtualSTM32(device, faults: [.syncGlitch]) { runner in
            let (_, session) = try connect(runner)
            #expect(session.identity.productID == 0x415)
        }
    }

    @Test(arguments: [(Fault.silent, ErrorCode.noResponse), (.application, .applicationRunning), (.echo, .echoOnly)])
    func aDeviceThatIsNotListening(fault: Fault, code: ErrorCode) throws {
        // In memory on a simulated clock: the sync's unanswered waits cost no wall-clock time.
        let device = VirtualSTM32.make(device: l476, faults: [fault])
        let link = VirtualLink(device: device, faults: [fault])
        #expect(bootwireError { _ = try connect(link, attempts: 2) }?.code == code)
    }

    @Test func f103UsesTheLegacyErase() throws {
        let device = VirtualSTM32(
            configuration: .init(device: STM32DeviceTable.f103), flash: [UInt8](repeating: 0, count: 64 << 10))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            #expect(session.identity.flashSize == 64 << 10 && session.identity.geometry?.pageCount == 64)
            #expect(try session.erase(address: 0x0800_0400, length: 2048) == [1, 2])
            #expect(
                device.flash[0x3FF] == 0 && device.flash[0x400..<0xC00].allSatisfy { $0 == 0xFF }
                    && device.flash[0xC00] == 0)
            try session.massErase()
        }
        #expect(device.flash.allSatisfy { $0 == 0xFF })
    }

    @Test func l476BankErasesTouchOneBank() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            try session.write([1, 2, 3, 4, 5, 6, 7, 8], at: 0x0800_0000)
            try session.write([1, 2, 3, 4, 5, 6, 7, 8], at: 0x0808_0000)
            try session.write([1, 2, 3, 4, 5, 6, 7, 8], at: 0x0808_0800)
            #expect(try session.erase(address: 0x0808_0000, length: 8) == [256])
            #expect(device.flash[0x8_0000] == 0xFF && device.flash[0x8_0800] == 1)
            try session.eraseBank(2)
            #expect(device.flash[0x8_0800] == 0xFF && device.flash[0] == 1)
        }
    }

    @Test func bfb2SwapsTheBanksAndThePageNumbers() throws {
        let device = VirtualSTM32(configuration: .init(device: l476))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            var optr = try #require(session.identity.optionBytes).word(area: 0, offset: 0)
            optr |= 1 << 20
            try session.writeOptionBytes(
                STM32Protocol.littleEndian32(optr) + STM32Protocol.littleEndian32(~optr), at: 0x1FFF_7800)
            #expect(session.identity.geometry?.banksSwapped == true)
            try session.write([9, 9, 9, 9], at: 0x0800_0000)
            #expect(device.flash[0x8_0000] == 9 && device.flash[0] == 0xFF)
            #expect(try session.erase(address: 0x0800_0000, length: 4) == [256])
            #expect(device.flash[0x8_0000] == 0xFF)
        }
    }

    @Test func h563VerifiesWithGetChecksum() throws {
        let image = noise(count: 10_000, seed: 5)
        let device = VirtualSTM32(configuration: .init(device: STM32DeviceTable.h563))
        try withVirtualSTM32(device) { runner in
            let (_, session) = try connect(runner)
            try session.write(image, at: 0x0800_2000)
            #expect(try session.checksum(address: 0x0800_2000, length: 10_000) == STM32CRC.checksum(image))
            try session.verify(image, at: 0x0800_2000, method: .checksum)
            var wrong = image
            wrong[9999] ^= 1
            let error = bootwireError { try session.verify(wrong, at: 0x0800_2000, method: .checksum) }
            #expect(error?.code == .verifyMismatch)
            #expect(error?.evidence["address"] == "0x0800470F")
        }
    }

    @Test func wbSecureAreaIsProtected() throws {
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: STM32DeviceTable.wb55))) { runner in
            let (_, session) = try connect(runner)
            #expect(session.identity.geometry?.firstSecurePage == 0xF4)
            #expect(bootwireError { _ = try session.read(address: 0x080F_4000, length: 16) }?.code == .deviceProtected)
            #expect(bootwireError { try session.erase(pages: [0xF4]) }?.code == .deviceProtected)
            try session.write([1, 2, 3, 4], at: 0x080F_3FFC)
        }
    }

    @Test func afterGoTheBootloaderIsSilentUntilAReset() throws {
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476)), resetOnOpen: false) { runner in
            do {
                let (_, session) = try connect(runner)
                try session.go()
                #expect(session.applicationStarted)
            }
            letTheRunnerNotice(runner)
            #expect(bootwireError { _ = try connect(runner, attempts: 2) }?.code == .noResponse)
        }
    }

    @Test func theRateIsTheHostsChoice() throws {
        try withVirtualSTM32(VirtualSTM32(configuration: .init(device: l476))) { runner in
            let port = try SerialPort.open(runner.slavePath)
            var options = STM32ConnectOptions()
            options.baud = 57600
            let session = try STM32Session.connect(link: port, options: options, events: { _ in })
            #expect(session.identity.baud == 57600)
            #expect(try session.read(address: 0x1FFF_75E0, length: 2) == [0x00, 0x04])
        }
    }

    @Test func timeoutsFollowTheWork() {
        // Pages × the family's maximum page erase (24.47 ms on L4), with margin.
        let one = STM32Session.pageEraseTimeout(pages: 1, times: l476.times)
        let many = STM32Session.pageEraseTimeout(pages: 512, times: l476.times)
        #expect(many - one >= 511 * 0.02447)
        #expect(STM32Session.pageEraseTimeout(pages: 1, times: STM32DeviceTable.h563.times) > one)
    }

    @Test func anEraseSlowerThanTheDatasheetTimesOut() throws {
        var configuration = VirtualSTM32.Configuration(device: l476)
        configuration.times.pageEraseTypical = 3_000_000_000
        try withVirtualSTM32(VirtualSTM32(configuration: configuration), wire: .realistic) { runner in
            let (_, session) = try connect(runner)
            #expect(bootwireError { try session.erase(pages: [0]) }?.code == .timeout)
        }
    }

    @Test func anEraseWithinTheDatasheetTimeSucceedsOnARealisticWire() throws {
        var configuration = VirtualSTM32.Configuration(device: l476)
        configuration.times.pageEraseTypical = 20_000_000
        try withVirtualSTM32(VirtualSTM32(configuration: configuration), wire: .realistic) { runner in
            let (_, session) = try connect(runner)
            try session.erase(pages: Array(0..<40))
        }
    }
}

/// The reset stub `reset --into bootloader` runs through Go (stm32flash's -R).
@Suite struct ResetStubTests {
    @Test func theStubIsAVectorTableAndThumbCodeThatWritesSYSRESETREQToAIRCR() {
        let stub = STM32ResetStub(ram: 0x2000_3100)
        func word(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(stub.bytes[offset + $1]) << (8 * $1) }
        }
        #expect(stub.bytes.count == 24)
        #expect(stub.bytes.count % 4 == 0, "Write Memory takes whole words")
        #expect(word(0) == 0x2000_3200)
        #expect(word(4) == 0x2000_3109, "the code at +8, a Thumb address")
        #expect(word(16) == 0xE000_ED0C)
        #expect(word(20) == 0x05FA_0004)
    }

    @Test func goToTheStubResetsTheVirtualPartBackIntoItsBootloader() throws {
        let l476 = STM32DeviceTable.l476
        let device = VirtualSTM32.make(device: l476)
        let session = try connect(VirtualLink(device: device, clock: SimulatedClock()))
        let resets = device.resets
        let stub = STM32ResetStub(ram: l476.firstFreeRAM)
        try session.client.writeMemory(address: stub.address, data: stub.bytes, timeout: 1)
        try session.client.go(address: stub.address)
        #expect(device.resets == resets + 1)
        #expect(!device.isSynced)
        try session.reconnect()
        #expect(device.isSynced)
    }
}
