import ArgumentParser
import BootwireCore
import Dispatch
import Foundation
import QCC743
import VirtualDevices

struct EmulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Run a virtual device on a pseudo-terminal, for tests, CI and demos.",
        discussion: """
            The device speaks the real boot-ROM protocol byte for byte; any client (Bootwire, \
            Bouffalo's flashers, your own scripts) can open the printed port. It serves any \
            number of sessions until interrupted (Ctrl-C or SIGTERM), then writes the dumps.

            Opening the port counts as the reset pulse a real adapter's DTR/RTS would give \
            (a pseudo-terminal has no modem lines); --no-reset-on-open keeps the state instead.

            Example:
              bootwire emulate qcc743 --link /tmp/qcc743 --dump /tmp/flash.bin &
              bootwire flash --port /tmp/qcc743 app.bin@0x10000
            """)

    enum DeviceKind: String, ExpressibleByArgument, CaseIterable {
        case qcc743
    }

    @Argument(help: "The device to emulate: \(DeviceKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var device: DeviceKind

    @OptionGroup(title: "Port")
    var port: PortOptions

    @OptionGroup(title: "Memory")
    var memory: MemoryOptions

    @OptionGroup(title: "Identity")
    var identity: IdentityOptions

    @OptionGroup(title: "Wire model and faults")
    var behaviour: BehaviourOptions

    struct PortOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Also make a symlink to the port here.", valueName: "path"))
        var link: String?

        @Flag(name: .long, help: "Keep the device's state when a host opens the port (no reset).")
        var noResetOnOpen = false

        @Option(name: .long, help: ArgumentHelp("Write every frame seen and answered to this file.", valueName: "file"))
        var log: String?

        @Option(name: .long, help: ArgumentHelp("On exit, write bytes, wire time and device work as JSON (benchmarks).", valueName: "file"))
        var stats: String?
    }

    struct MemoryOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Initial flash contents (default: erased).", valueName: "file"))
        var flashImage: String?

        @Option(name: .long, help: ArgumentHelp("Write the final flash contents here on exit.", valueName: "file"))
        var dump: String?

        @Option(name: .long, help: ArgumentHelp("Initial 512-byte eFuse contents.", valueName: "file"))
        var efuseImage: String?

        @Option(name: .long, help: ArgumentHelp("Write the final eFuse contents here on exit.", valueName: "file"))
        var efuseDump: String?
    }

    struct IdentityOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Chip id / factory MAC, 6 bytes as printed (40827b03d2dc).", valueName: "hex"))
        var chipId: String?

        @Option(name: .long, help: ArgumentHelp("JEDEC id and flag, 4 bytes (c4601600 = 4 MiB).", valueName: "hex"))
        var jedecId: String?

        @Option(name: .long, help: ArgumentHelp("Rate the boot ROM syncs at.", valueName: "baud"))
        var bootBaud = 500_000
    }

    struct BehaviourOptions: ParsableArguments {
        @Option(name: .long, help: "instant (tests) or realistic (paced at the baud, device work takes datasheet time).")
        var wire: WireModel.Pacing = .realistic

        @Option(name: .long, help: ArgumentHelp("USB-serial latency added at each change of direction.", valueName: "ms"))
        var latencyMs: Double = 0

        @Option(
            name: .long,
            help: ArgumentHelp("A field failure to reproduce (repeatable): \(Fault.names.joined(separator: ", ")).", valueName: "fault"))
        var fault: [String] = []
    }

    func run() throws {
        let renderer = HumanRenderer(quiet: false)
        do {
            let faults = try behaviour.fault.map(Fault.parse)
            // Before the port (and the link) exists: a host may finish its session and send
            // SIGINT at once, and the dumps must still be written.
            let termination = installTerminationHandler()
            let model = try makeDevice(faults: faults)
            let logFile = try port.log.map { try WireTrace(path: $0) }
            model.log = logFile.map { file in { @Sendable line in file.record(event: line, port: "qcc743") } }
            var wire = behaviour.wire == .realistic ? WireModel.realistic : WireModel.instant
            wire.latencyMilliseconds = behaviour.latencyMs
            let runner = try VirtualDeviceRunner(device: model, wire: wire, faults: faults, linkPath: port.link)
            runner.resetOnOpen = !port.noResetOnOpen
            runner.onPortChanged = { path in StandardStreams.out("port re-plugged as \(path)\n") }
            runner.start()
            let faultText = faults.isEmpty ? "" : ", faults: \(faults.map(\.description).joined(separator: " "))"
            StandardStreams.out(
                "virtual QCC743 boot ROM on \(runner.slavePath)\(port.link.map { " (link \($0))" } ?? "")"
                    + ", wire \(wire.pacing.rawValue)\(faultText); Ctrl-C to stop\n")
            waitForTermination(termination)
            runner.stop()
            if let dump = memory.dump { try write(model.flash.bytes, to: dump) }
            if let dump = memory.efuseDump { try write(model.efuse, to: dump) }
            if let stats = port.stats {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var object = try JSONSerialization.jsonObject(with: encoder.encode(runner.statistics)) as? [String: Any] ?? [:]
                object["floorSeconds"] = runner.statistics.floorSeconds(latencyMilliseconds: wire.latencyMilliseconds)
                try write([UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), to: stats)
            }
        } catch {
            try renderer.fail(error)
        }
    }

    private func makeDevice(faults: [Fault]) throws -> VirtualQCC743 {
        var configuration = VirtualQCC743.Configuration()
        configuration.bootBaud = identity.bootBaud
        if let jedec = identity.jedecId {
            guard let bytes = Hex.bytes(jedec), bytes.count == 4, FlashSize.bytes(jedecCapacity: bytes[2]) != nil else {
                throw BootwireError(.usage, "--jedec-id takes 4 bytes of hex with a known capacity, e.g. c4601600")
            }
            configuration.jedecID = bytes
        }
        var efuse = try memory.efuseImage.map { try readFile($0) } ?? VirtualQCC743.factoryEfuse()
        if let chip = identity.chipId {
            guard let bytes = Hex.bytes(chip), bytes.count == 6 else {
                throw BootwireError(.usage, "--chip-id takes 6 bytes of hex as printed, e.g. 40827b03d2dc")
            }
            efuse.replaceSubrange(EfuseMap.defaultMAC..<(EfuseMap.defaultMAC + 6), with: bytes.reversed())
        }
        let flash = try memory.flashImage.map { try readFile($0) }
        return VirtualQCC743.make(configuration: configuration, faults: faults, flash: flash, efuse: efuse)
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BootwireError(.fileNotFound, "cannot read \(path)", hint: "check the path")
        }
        return [UInt8](data)
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw BootwireError(.fileNotFound, "cannot write \(path)", hint: "check the folder exists and is writable")
        }
    }

    /// Catches SIGINT and SIGTERM from here on. A handler (not SIG_IGN, which a shell may have
    /// set for background jobs) writes to a pipe; returns the pipe's read end.
    private func installTerminationHandler() -> Int32 {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        terminationPipe = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = Glibc.write(terminationPipe, &byte, 1)
        }
        // A parent (a test runner, a CI shell) may have started us with these blocked.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            sigaction(sig, &action, nil)
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return fds[0]
    }

    /// Blocks until a signal caught by `installTerminationHandler` arrives.
    private func waitForTermination(_ readEnd: Int32) {
        var byte: UInt8 = 0
        while Glibc.read(readEnd, &byte, 1) < 0 && errno == EINTR {}
    }
}

nonisolated(unsafe) private var terminationPipe: Int32 = -1

extension WireModel.Pacing: ExpressibleByArgument {}
