import ArgumentParser
import BootwireCore
import Foundation
import USB
import VirtualDevices

/// `bootwire emulate usb DEVICE --socket PATH`: a virtual USB device served to the libusb-1.0
/// stand-in (`Sources/CUSBShim`), so unmodified dfu-util, stlink-tools and OpenOCD binaries
/// reach it. A device that leaves the bus (DFU leave, a reboot) comes back, if it does, at a new
/// address, as on real hardware.
struct EmulateUSB: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "usb: the virtual USB device and its options, as after `virtual:` in --port "
                + "(\(VirtualUSBPort.names.joined(separator: ", ")); e.g. stlink-l476,rdp1).",
            valueName: "usb-device"))
    var usbDevice: String?

    @Option(name: .long, help: ArgumentHelp("usb: the Unix socket to serve on.", valueName: "path"))
    var socket: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "usb: keep flash and option bytes in this file across runs (the device's state=PATH).",
            valueName: "file"))
    var state: String?

    func refuseForSerial() throws {
        guard usbDevice == nil, socket == nil, state == nil else {
            throw BootwireError(.usage, "a second device name, --socket and --state are for `emulate usb`")
        }
    }

    /// Serves until SIGINT or SIGTERM; with `json` the banner is a `ready` stage.
    func serve(renderer: Renderer, json: Bool) throws {
        guard let device = usbDevice, let socket else {
            throw BootwireError(
                .usage, "`emulate usb` takes a device and --socket PATH",
                hint: "e.g. bootwire emulate usb dfu-l476 --socket /tmp/dfu.sock")
        }
        try OwnedPath.claim(socket, as: .socket, option: "--socket")
        if let state { try OutputFile.check(state) }
        let stop = blockTermination()
        var spec = device.hasPrefix(VirtualPort.prefix) ? device : VirtualPort.prefix + device
        if let state { spec += ",state=\(state)" }
        guard VirtualUSBPort.isVirtualUSB(spec) else {
            throw BootwireError(
                .unknownVirtualDevice, "`\(device)` is not a virtual USB device",
                hint: "use one of: " + VirtualUSBPort.names.joined(separator: ", "))
        }
        let (bus, match) = try VirtualUSBPort.start(spec)
        let server = try USBSocketServer(bus: bus, path: socket)
        // A client process that ends is the end of a session: the device keeps its state.
        server.onClientGone = { VirtualUSBSessions.ended(on: bus) }
        server.start()
        let ids = try bus.devices().first.map { " (\($0.ids))" } ?? ""
        let banner =
            "\(match.name)\(ids) on socket \(socket); run clients with "
            + "LD_LIBRARY_PATH=$(bootwire emulate usb-shim-path) BOOTWIRE_USB_SOCKET=\(socket); Ctrl-C to stop"
        if json { renderer.render(.stage("ready", detail: banner)) } else { StandardStreams.out(banner + "\n") }
        stop()
        server.stop()
        VirtualUSBSessions.ended(on: bus)
    }

    /// Blocks SIGINT and SIGTERM (before any thread starts, so every thread inherits the mask)
    /// and returns a wait for either. A handler is installed first: a shell starts background
    /// jobs with SIGINT ignored, and an ignored signal is dropped rather than left pending.
    private func blockTermination() -> () -> Void {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            sigaction(sig, &action, nil)
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return {
            var caught: Int32 = 0
            sigwait(&set, &caught)
        }
    }
}
