import BootwireCore
import Foundation
import Targets
import Testing
import VirtualDevices

/// RTT over SWD through the library (issue 26 item 1), as `run` will use it: a virtual ST-LINK
/// target is flashed with an image that has a valid vector table, reset into its application,
/// and its RTT console shows the application's banner, its ticks and the echo of a line sent
/// down. All in simulated time: the ticks cost no wall-clock seconds.
@Suite struct RTTConsoleTests {
    /// An application's first 2 KiB: initial SP at the top of the L476's SRAM1, reset vector
    /// 0x08000101 (Thumb), the rest as a build would leave it.
    static let application: [UInt8] = {
        let words: [UInt32] = [0x2001_8000, 0x0800_0101]
        let vectors = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        return vectors + (8..<2048).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
    }()

    /// What a run sees: the console's description, everything read, and the events.
    struct Seen: Sendable {
        var description: String
        var text: String
    }

    /// Flashes `image` on `port`, resets into the application, then reads until `until` is
    /// seen (at most `polls` reads of 200 ms), sending `send` once the banner is in.
    static func run(
        _ port: String, image: [UInt8] = application, send: String? = nil, until: String, rttAddress: UInt32? = nil
    ) async throws -> Seen {
        var settings = TargetSettings()
        settings.virtualPorts = VirtualPortHost()
        settings.rttAddress = rttAddress
        let opener = TargetOpener(settings: settings)
        let (seen, _) = try await opener.withTarget(try PortSpec.parse(port), events: { _ in }) { target in
            let pipeline = FlashPipeline(options: FlashOptions(), events: { _ in }, confirm: { _ in })
            let images = [FlashImage(name: "app", address: 0x0800_0000, data: image)]
            _ = try pipeline.run(PreparedImage.prepare(images, compressAbove: nil), on: target.flash)
            try target.reset(into: .application)
            let console = try target.console(rate: nil)
            var text = ""
            var sent = send == nil
            for _ in 0..<40 where !text.contains(until) {
                text += String(decoding: try console.read(timeout: .milliseconds(200)), as: UTF8.self)
                if !sent, text.contains("Bootwire virtual application") {
                    sent = try console.write(Array(send!.utf8)) == send!.utf8.count
                }
            }
            return Seen(description: console.description, text: text)
        }
        return seen
    }

    @Test func theApplicationsBannerTicksAndEchoComeOverRTT() async throws {
        let seen = try await Self.run("virtual:stlink-l476,time=simulated", send: "hello rtt\n", until: "tick 2")
        #expect(seen.description == "RTT up-buffer 0 \"Terminal\" at 0x20000400")
        let lines = seen.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Bootwire virtual application: DEV_ID 0x415") == true, "\(lines)")
        #expect(lines.contains("echo: hello rtt"), "\(lines)")
        #expect(lines.contains("tick 1") && lines.contains("tick 2"), "\(lines)")
    }

    @Test func theControlBlockIsFoundWhereverTheApplicationPutsIt() async throws {
        let seen = try await Self.run("virtual:stlink-f4,rtt=0x2000a000,time=simulated", until: "tick 1")
        #expect(seen.description == "RTT up-buffer 0 \"Terminal\" at 0x2000a000")
        #expect(seen.text.contains("DEV_ID 0x413"))
        // Named, the block is read at once from there.
        let named = try await Self.run(
            "virtual:stlink-l476,rtt=0x20002000,time=simulated", until: "tick 1", rttAddress: 0x2000_2000)
        #expect(named.text.contains("tick 1"))
    }

    @Test func firmwareWithoutRTTIsRTTNotFound() async throws {
        do {
            _ = try await Self.run("virtual:stlink-l476,rtt=none,time=simulated", until: "tick 1")
            Issue.record("a console opened on firmware without RTT")
        } catch let error as BootwireError {
            #expect(error.code == .rttNotFound)
        }
    }

    @Test func anErasedVectorTableStartsNoApplication() async throws {
        // Initial SP 0xFFFFFFFF: the core would lock up, and nothing sets RTT up.
        let image = [UInt8](repeating: 0xFF, count: 8) + Array(Self.application.dropFirst(8))
        do {
            _ = try await Self.run("virtual:stlink-l476,time=simulated", image: image, until: "tick 1")
            Issue.record("a console opened on a part with no application")
        } catch let error as BootwireError {
            #expect(error.code == .rttNotFound)
        }
    }

    @Test func aResetIntoTheBootloaderIsRefusedOverSWDBeforeAnythingChanges() async throws {
        var settings = TargetSettings()
        settings.virtualPorts = VirtualPortHost()
        let opener = TargetOpener(settings: settings)
        let port = try PortSpec.parse("virtual:stlink-l476,time=simulated")
        #expect(opener.route(for: port).capabilities.isSuperset(of: [.reset, .console]))
        do {
            _ = try await opener.withTarget(port, events: { _ in }) { target in try target.reset(into: .bootloader) }
            Issue.record("reset into the bootloader was accepted over SWD")
        } catch let error as BootwireError {
            #expect(error.code == .usage)
        }
    }
}
