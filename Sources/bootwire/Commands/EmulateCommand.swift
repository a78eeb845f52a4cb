import ArgumentParser
import BootwireCore
import Dispatch
import Foundation
import QCC743
import STM32
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

            stm32 is an STM32 system bootloader (AN3155 over UART) for the part named by \
            --device. It autobauds on 0x7F at the host's rate. A pseudo-terminal carries no \
            parity, so it takes the host's 8N1 where a real part needs 8E1 (stm32flash: \
            -m 8n1); the realistic wire model still counts 11 bits a byte. The eFuse and \
            identity options are for qcc743 only.

            Examples:
              bootwire emulate qcc743 --link /tmp/qcc743 --dump /tmp/flash.bin &
              bootwire flash --port /tmp/qcc743 app.bin@0x10000
              bootwire emulate stm32 --device l476 --link /tmp/stm32 --dump /tmp/flash.bin &
              stm32flash -b 115200 -m 8n1 -w app.bin -v /tmp/stm32

            usb serves a virtual USB device (any `virtual:` DFU or ST-LINK name with its \
            options) on a Unix socket to a libusb-1.0 stand-in, so that unmodified dfu-util, \
            stlink-tools and OpenOCD binaries flash it; usb-shim-path prints the folder for \
            their LD_LIBRARY_PATH:
              bootwire emulate usb dfu-l476 --socket /tmp/dfu.sock --state /tmp/l476.state &
              LD_LIBRARY_PATH=$(bootwire emulate usb-shim-path) BOOTWIRE_USB_SOCKET=/tmp/dfu.sock \\
                dfu-util -a 0 -s 0x08000000:leave -D app.bin
            """)

    enum DeviceKind: String, ExpressibleByArgument, CaseIterable {
        case qcc743
        case stm32
        case usb
        case usbShimPath = "usb-shim-path"
    }

    @Argument(help: "The device to emulate: \(DeviceKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var device: DeviceKind

    @OptionGroup(title: "USB devices for other programs (emulate usb)")
    var usb: EmulateUSB

    @OptionGroup(title: "Port")
    var port: PortOptions

    @OptionGroup(title: "Memory")
    var memory: MemoryOptions

    @OptionGroup(title: "Identity (qcc743)")
    var identity: IdentityOptions

    @OptionGroup(title: "STM32")
    var stm32: STM32Options

    @OptionGroup(title: "Wire model and faults")
    var behaviour: BehaviourOptions

    struct PortOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Also make a symlink to the port here.", valueName: "path"))
        var link: String?

        @Flag(name: .long, help: "Keep the device's state when a host opens the port (no reset).")
        var noResetOnOpen = false

        @Option(name: .long, help: ArgumentHelp("Write every frame seen and answered to this file.", valueName: "file"))
        var log: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "On exit, write bytes, wire time and device work as JSON (benchmarks).", valueName: "file"))
        var stats: String?
    }

    struct MemoryOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Initial flash contents (default: erased).", valueName: "file"))
        var flashImage: String?

        @Option(name: .long, help: ArgumentHelp("Write the final flash contents here on exit.", valueName: "file"))
        var dump: String?

        @Option(name: .long, help: ArgumentHelp("qcc743: initial 512-byte eFuse contents.", valueName: "file"))
        var efuseImage: String?

        @Option(
            name: .long, help: ArgumentHelp("qcc743: write the final eFuse contents here on exit.", valueName: "file"))
        var efuseDump: String?
    }

    struct STM32Options: ParsableArguments {
        @Option(
            name: .long,
            help: ArgumentHelp(
                "stm32: the part, \(STM32DeviceTable.all.map(\.key).joined(separator: ", ")) (default l476).",
                valueName: "part"))
        var device: String?

        @Option(
            name: .long,
            help: ArgumentHelp("stm32: readout protection level at power-up: 0, 1 or 2.", valueName: "level"))
        var rdp: Int?

        @Option(
            name: .long,
            help: ArgumentHelp("stm32: page erase time (default: the datasheet's typical).", valueName: "ms"))
        var pageEraseMs: Double?

        @Option(
            name: .long,
            help: ArgumentHelp("stm32: mass erase time per bank (default: the datasheet's typical).", valueName: "ms"))
        var massEraseMs: Double?

        @Option(name: .long, help: ArgumentHelp("stm32: write the final option bytes here on exit.", valueName: "file"))
        var optionBytesDump: String?

        var isSet: Bool {
            device != nil || rdp != nil || pageEraseMs != nil || massEraseMs != nil || optionBytesDump != nil
        }
    }

    struct IdentityOptions: ParsableArguments {
        @Option(
            name: .long,
            help: ArgumentHelp("Chip id / factory MAC, 6 bytes as printed (40827b03d2dc).", valueName: "hex"))
        var chipId: String?

        @Option(name: .long, help: ArgumentHelp("JEDEC id and flag, 4 bytes (c4601600 = 4 MiB).", valueName: "hex"))
        var jedecId: String?

        @Option(name: .long, help: ArgumentHelp("Rate the boot ROM syncs at.", valueName: "baud"))
        var bootBaud = 500_000

        var isSet: Bool { chipId != nil || jedecId != nil || bootBaud != 500_000 }
    }

    struct BehaviourOptions: ParsableArguments {
        @Option(
            name: .long, help: "instant (tests) or realistic (paced at the baud, device work takes datasheet time).")
        var wire: WireModel.Pacing = .realistic

        @Option(
            name: .long, help: ArgumentHelp("USB-serial latency added at each change of direction.", valueName: "ms"))
        var latencyMs: Double = 0

        @Option(
            name: .long,
            help: ArgumentHelp(
                "A USB-serial bridge with this latency timer (FTDI: 16) holds each reply; a host may lower it "
                    + "through the latency_timer attribute under --sysfs-root.", valueName: "ms"))
        var bridgeLatencyTimer: Int?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Where the bridge's sysfs attributes live (hosts: BOOTWIRE_SYSFS_ROOT=this).", valueName: "folder"))
        var sysfsRoot: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "A field failure to reproduce (repeatable): \(Fault.names.joined(separator: ", ")).", valueName: "fault"
            ))
        var fault: [String] = []

        @Option(
            name: .long,
            help: ArgumentHelp(
                "qcc743: how this ROM behaves where real ROMs may differ (repeatable, or comma-separated): "
                    + ROMBehaviour.switches.map { $0.values.isEmpty ? $0.key : "\($0.key)=\($0.values)" }.joined(
                        separator: ", "),
                valueName: "switch"))
        var rom: [String] = []
    }

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() throws {
        let renderer = output.makeRenderer()
        do {
            switch device {
            case .usb:
                try usb.serve(renderer: renderer, json: output.json)
                if output.json { try renderer.finish(JobResult(summary: ["socket": usb.socket ?? ""])) }
                return
            case .usbShimPath:
                let folder = try USBShimLocation.directory()
                if output.json { try renderer.finish(JobResult(summary: ["folder": folder])) }
                return StandardStreams.out(folder + "\n")
            case .qcc743, .stm32: try usb.refuseForSerial()
            }
            // Every path this run makes or writes, checked before anything is made.
            if let link = port.link { try OwnedPath.claim(link, as: .terminalLink, option: "--link") }
            for path in [memory.dump, memory.efuseDump, stm32.optionBytesDump, port.stats].compactMap({ $0 }) {
                try OutputFile.check(path)
            }
            let faults = try behaviour.fault.map(Fault.parse)
            // Before the port (and the link) exists: a host may finish its session and send
            // SIGINT at once, and the dumps must still be written.
            let termination = installTerminationHandler()
            let emulated = try makeEmulated(faults: faults)
            let model = emulated.model
            let logFile = try port.log.map { try WireTrace(path: $0) }
            model.log = logFile.map { file in { @Sendable line in file.record(event: line, port: device.rawValue) } }
            var wire = behaviour.wire == .realistic ? WireModel.realistic : WireModel.instant
            wire.latencyMilliseconds = behaviour.latencyMs
            wire.bitsPerByte = emulated.bitsPerByte
            let runner = try VirtualDeviceRunner(device: model, wire: wire, faults: faults, linkPath: port.link)
            runner.resetOnOpen = !port.noResetOnOpen
            runner.bridge = try behaviour.makeBridge(ttyPath: runner.slavePath)
            let json = output.json
            runner.onPortChanged = { path in
                if json {
                    renderer.render(.stage("replugged", detail: path))
                } else {
                    StandardStreams.out("port re-plugged as \(path)\n")
                }
            }
            runner.start()
            let faultText = faults.isEmpty ? "" : ", faults: \(faults.map(\.description).joined(separator: " "))"
            let banner =
                "virtual \(emulated.title) on \(runner.slavePath)\(port.link.map { " (link \($0))" } ?? "")"
                + ", wire \(wire.pacing.rawValue)\(faultText); Ctrl-C to stop"
            if json { renderer.render(.stage("ready", detail: banner)) } else { StandardStreams.out(banner + "\n") }
            waitForTermination(termination)
            runner.stop()
            runner.bridge?.unplug()
            try emulated.writeDumps()
            if let stats = port.stats {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var object =
                    try JSONSerialization.jsonObject(with: encoder.encode(runner.statistics)) as? [String: Any] ?? [:]
                object["floorSeconds"] = runner.statistics.floorSeconds(latencyMilliseconds: wire.latencyMilliseconds)
                try write(
                    [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), to: stats)
            }
            if json { try renderer.finish(JobResult(summary: ["port": runner.slavePath])) }
        } catch {
            try renderer.fail(error)
        }
    }

    /// The model, what the banner calls it, its bits per byte on the wire, and its dumps.
    private struct Emulated {
        var model: any VirtualDevice
        var title: String
        var bitsPerByte: Int
        var writeDumps: () throws -> Void
    }

    private func makeEmulated(faults: [Fault]) throws -> Emulated {
        switch device {
        case .qcc743:
            guard !stm32.isSet else {
                throw BootwireError(
                    .usage, "--device, --rdp, --page-erase-ms, --mass-erase-ms and --option-bytes-dump are for stm32")
            }
            let model = try makeDevice(faults: faults)
            return Emulated(model: model, title: "QCC743 boot ROM", bitsPerByte: 10) { [memory] in
                if let dump = memory.dump { try write(model.flash.bytes, to: dump) }
                if let dump = memory.efuseDump { try write(model.efuse, to: dump) }
            }
        case .usb, .usbShimPath:
            throw BootwireError(.internalError, "\(device.rawValue) is not a serial device")
        case .stm32:
            guard memory.efuseImage == nil, memory.efuseDump == nil, !identity.isSet, behaviour.rom.isEmpty else {
                throw BootwireError(
                    .usage, "--efuse-image, --efuse-dump, --chip-id, --jedec-id, --boot-baud and --rom are for qcc743",
                    hint: "an STM32 has option bytes instead: --rdp, --option-bytes-dump")
            }
            let model = try makeSTM32(faults: faults)
            let part = model.device
            let pid = String(part.productID, radix: 16)
            let title = "STM32 bootloader (\(part.referencePart), \(part.name), PID 0x\(pid))"
            return Emulated(model: model, title: title, bitsPerByte: 11) { [memory, stm32] in
                if let dump = memory.dump { try write(model.flash, to: dump) }
                if let dump = stm32.optionBytesDump { try write(model.optionBytes.areas.flatMap { $0 }, to: dump) }
            }
        }
    }

    private func makeSTM32(faults: [Fault]) throws -> VirtualSTM32 {
        let key = stm32.device ?? "l476"
        guard let part = STM32DeviceTable.device(named: key) else {
            throw BootwireError(
                .usage, "no STM32 called `\(key)`",
                hint: "use one of: " + STM32DeviceTable.all.map(\.key).joined(separator: ", "))
        }
        let base = VirtualSTM32.make(device: part, faults: faults)
        var configuration = base.configuration
        if let level = stm32.rdp {
            guard let rdp = STM32ReadoutProtection(rawValue: level) else {
                throw BootwireError(.usage, "--rdp takes 0, 1 or 2")
            }
            configuration.optionBytes.setReadoutProtection(rdp)
        }
        if let ms = stm32.pageEraseMs {
            guard ms >= 0 else { throw BootwireError(.usage, "--page-erase-ms takes a time in ms") }
            configuration.times.pageEraseTypical = UInt64(ms * 1e6)
        }
        if let ms = stm32.massEraseMs {
            guard ms >= 0 else { throw BootwireError(.usage, "--mass-erase-ms takes a time in ms") }
            configuration.times.massEraseTypical = UInt64(ms * 1e6)
        }
        let flash = try memory.flashImage.map { try readFile($0) }
        return VirtualSTM32(configuration: configuration, flash: flash)
    }

    private func makeDevice(faults: [Fault]) throws -> VirtualQCC743 {
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse(behaviour.rom.flatMap { $0.split(separator: ",").map(String.init) })
        configuration.bootBaud = identity.bootBaud
        if let jedec = identity.jedecId {
            guard let bytes = Hex.bytes(jedec), bytes.count == 4, FlashSize.bytes(jedecCapacity: bytes[2]) != nil else {
                throw BootwireError(.usage, "--jedec-id takes 4 bytes of hex with a known capacity, e.g. c4601600")
            }
            configuration.jedecID = bytes
        }
        var efuse =
            try memory.efuseImage.map { try readFile($0) }
            ?? VirtualQCC743.factoryEfuse(chipID: VirtualUniqueID.moduleChipID(statePath: nil))
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

    private func write(_ bytes: [UInt8], to path: String) throws { try OutputFile.write(bytes, to: path) }

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

extension EmulateCommand.BehaviourOptions {
    /// The bridge --bridge-latency-timer asks for, its attribute under --sysfs-root.
    func makeBridge(ttyPath: String) throws -> VirtualBridge? {
        guard let timer = bridgeLatencyTimer else {
            guard sysfsRoot == nil else { throw BootwireError(.usage, "--sysfs-root needs --bridge-latency-timer") }
            return nil
        }
        guard (1...255).contains(timer) else {
            throw BootwireError(.usage, "--bridge-latency-timer takes 1 to 255 ms, as an FTDI does")
        }
        guard let root = sysfsRoot else {
            throw BootwireError(
                .usage, "--bridge-latency-timer needs --sysfs-root", hint: "name a folder for the bridge's attributes")
        }
        return try VirtualBridge(sysfsRoot: root, ttyPath: ttyPath, latencyTimerMilliseconds: timer)
    }
}
