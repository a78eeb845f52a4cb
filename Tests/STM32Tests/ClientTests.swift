import BootwireCore
import Testing
import VirtualDevices

@testable import STM32

/// The client on a scripted line: the sync cases of the spec's section 1 and the odd replies
/// real parts give.
@Suite struct ClientSyncTests {
    @Test func classifiesSyncReplies() {
        #expect(STM32BootloaderClient.classifySyncReply(bytes("79")) == .ack(glitch: []))
        #expect(STM32BootloaderClient.classifySyncReply(bytes("00 79")) == .ack(glitch: [0]))
        #expect(STM32BootloaderClient.classifySyncReply(bytes("1f")) == .nack)
        #expect(STM32BootloaderClient.classifySyncReply(bytes("7f")) == .none)
        #expect(STM32BootloaderClient.classifySyncReply(bytes("41 79")) == .none)
        #expect(STM32BootloaderClient.classifySyncReply([]) == .none)
    }

    @Test func aFreshDeviceACKs() throws {
        let link = ScriptedLink { $0 == [0x7F] ? [0x79] : [] }
        #expect(try STM32BootloaderClient(link: link).sync() == .acknowledged(glitch: []))
        #expect(link.written == [[0x7F]])
    }

    @Test func aLeadingZeroGlitchIsSkipped() throws {
        let link = ScriptedLink { $0 == [0x7F] ? [0x00, 0x79] : [] }
        #expect(try STM32BootloaderClient(link: link).sync() == .acknowledged(glitch: [0x00]))
    }

    @Test func anAlreadySyncedDeviceSwallowsOne7FAndNACKsTheNext() throws {
        // The device as the spec describes it: the first 0x7F waits for a complement.
        var pending = false
        let link = ScriptedLink { written in
            guard written == [0x7F] else { return [] }
            defer { pending.toggle() }
            return pending ? [0x1F] : []
        }
        #expect(try STM32BootloaderClient(link: link).sync(replyTimeout: 0.01) == .alreadySynced)
        #expect(link.written == [[0x7F], [0x7F]])
    }

    @Test func aLateACKIsSettledWithOneMore7F() throws {
        // First 0x7F lost (the part still resetting), second ACKed: one more 0x7F must leave the
        // device clean; here it is taken as a command byte (silence), and the next gets NACK.
        var count = 0
        let link = ScriptedLink { written in
            count += 1
            switch count {
            case 2: return [0x79]
            case 4: return [0x1F]
            default: return []
            }
        }
        #expect(try STM32BootloaderClient(link: link).sync(replyTimeout: 0.01) == .acknowledged(glitch: []))
        #expect(link.written.count == 4)
    }

    @Test func silenceIsNoResponseAndSaysBootPinsFirstOnAnEvenParityPort() throws {
        let link = ScriptedLink { _ in [] }
        let error = bootwireError { _ = try STM32BootloaderClient(link: link).sync(attempts: 3, replyTimeout: 0.01) }
        #expect(error?.code == .noResponse)
        #expect(error?.evidence["likely"] == "boot-pins")
        #expect(error?.evidence["attempts"] == "3")
    }

    @Test func silenceOnAnEightN1PortSays8E1First() throws {
        let link = ScriptedLink(parity: .none) { _ in [] }
        let error = bootwireError { _ = try STM32BootloaderClient(link: link).sync(attempts: 2, replyTimeout: 0.01) }
        #expect(error?.code == .noResponse)
        #expect(error?.evidence["likely"] == "8e1")
    }

    @Test func ourOwnBytesBackAreAnEcho() {
        let link = ScriptedLink { $0 }
        #expect(bootwireError { _ = try STM32BootloaderClient(link: link).sync(replyTimeout: 0.01) }?.code == .echoOnly)
    }

    @Test func textIsTheApplication() {
        let link = ScriptedLink { _ in Array("app v1.2 ready\r\n".utf8) }
        #expect(
            bootwireError { _ = try STM32BootloaderClient(link: link).sync(replyTimeout: 0.01) }?.code
                == .applicationRunning)
    }

    @Test func otherBytesAreAnotherTalker() {
        let link = ScriptedLink { _ in [0x12, 0xC4, 0x99] }
        #expect(
            bootwireError { _ = try STM32BootloaderClient(link: link).sync(replyTimeout: 0.01) }?.code == .protocolError
        )
    }
}

/// Single commands against `VirtualSTM32` in-process (no pty), and scripted quirks.
@Suite struct ClientCommandTests {
    func synced(_ device: STM32Device = STM32DeviceTable.l476) throws -> (VirtualSTM32, STM32BootloaderClient) {
        let virtual = VirtualSTM32(configuration: .init(device: device))
        let client = STM32BootloaderClient(link: deviceLink(virtual))
        #expect(try client.sync() == .acknowledged(glitch: []))
        return (virtual, client)
    }

    @Test func getGetVersionGetID() throws {
        let (_, client) = try synced(STM32DeviceTable.f103)
        let get = try client.get()
        #expect(get.version == 0x22 && get.commands == bytes("00 01 02 11 21 31 43 63 73 82 92"))
        #expect(try client.getVersion().version == 0x22)
        #expect(try client.getID().productID == 0x410)
    }

    @Test func getVersionToleratesTheL412ExtraACK() throws {
        let link = ScriptedLink { $0 == [0x01, 0xFE] ? bytes("79 79 31 00 00 79") : [] }
        let reply = try STM32BootloaderClient(link: link).getVersion()
        #expect(reply.version == 0x31 && reply.options == [0, 0])
    }

    @Test func busyBytesAreWaitedThrough() throws {
        let link = ScriptedLink { $0 == [0x02, 0xFD] ? bytes("76 76 79 01 04 15 79") : [] }
        #expect(try STM32BootloaderClient(link: link).getID().productID == 0x415)
    }

    @Test func readTheFlashSizeRegister() throws {
        let (_, client) = try synced()
        _ = try client.get()
        // 1024 KiB, little-endian.
        #expect(try client.readMemory(address: 0x1FFF_75E0, count: 2) == [0x00, 0x04])
    }

    @Test func aNACKToAGatedCommandIsReadoutProtection() throws {
        let locked = VirtualSTM32.make(device: STM32DeviceTable.l476, faults: [.locked(keyHash: nil)])
        let client = STM32BootloaderClient(link: deviceLink(locked))
        _ = try client.sync()
        _ = try client.get()
        let error = bootwireError { _ = try client.readMemory(address: 0x0800_0000, count: 4) }
        #expect(error?.code == .deviceProtected)
        #expect(error?.cause == .refused(after: .command))
    }

    @Test func aCommandTheBootloaderDoesNotListIsNotSent() throws {
        let (_, client) = try synced()
        _ = try client.get()
        let error = bootwireError { _ = try client.checksum(address: 0x0800_0000, length: 4, timeout: 1) }
        #expect(error?.code == .deviceError)
    }

    @Test func unreadableAddressIsOutOfRange() throws {
        let (_, client) = try synced()
        _ = try client.get()
        #expect(bootwireError { _ = try client.readMemory(address: 0x6000_0000, count: 4) }?.code == .addressOutOfRange)
    }

    @Test func junkInsteadOfACKIsAProtocolError() {
        let link = ScriptedLink { _ in [0x42] }
        #expect(bootwireError { _ = try STM32BootloaderClient(link: link).getID() }?.code == .protocolError)
    }

    @Test func getChecksumOnH563() throws {
        let (virtual, client) = try synced(STM32DeviceTable.h563)
        _ = try client.get()
        try client.writeMemory(address: 0x0800_0000, data: Array(0..<16), timeout: 1)
        #expect(try client.checksum(address: 0x0800_0000, length: 16, timeout: 1) == 0x081B_46CA)
        #expect(virtual.flash.prefix(16) == ArraySlice(0..<16))
    }
}

/// Connect-time diagnoses that need a port with parity (a real adapter): scripted.
@Suite struct ConnectDiagnosisTests {
    @Test func anACKedSyncThenASilentGetMeans8N1() {
        let link = ScriptedLink(parity: .none) { $0 == [0x7F] ? [0x79] : [] }
        var options = STM32ConnectOptions()
        options.parity = .none
        let error = bootwireError { _ = try STM32Session.connect(link: link, options: options, events: { _ in }) }
        #expect(error?.code == .noResponse)
        #expect(error?.evidence["likely"] == "8e1")
    }

    @Test func anACKedSyncThenANACKedGetIsAProtocolError() {
        let link = ScriptedLink(parity: .even) { $0 == [0x7F] ? [0x79] : [0x1F] }
        let error = bootwireError {
            _ = try STM32Session.connect(link: link, options: STM32ConnectOptions(), events: { _ in })
        }
        #expect(error?.code == .protocolError)
        #expect(error?.evidence["likely"] == "line")
    }
}
