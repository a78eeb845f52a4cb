import BootwireCore
import Foundation
import STLink
import USB
import VirtualDevices

/// Which path a port leads to. Serial ports go to the module's boot ROM or an STM32's system
/// bootloader; USB ports to an STM32's ROM DFU bootloader or through an ST-LINK over SWD.
enum Route: Equatable {
    case qcc743, stm32Serial, dfu, swd
}

extension ConnectionOptions {
    static let dfuPort = "usb:0483:df11"

    /// --dfu / --stlink stand for the port when no --port is given.
    var impliedPorts: [String] {
        (dfu ? [Self.dfuPort] : []) + (stlink ? ["stlink"] : [])
    }

    func route(for port: String) -> Route {
        if port.hasPrefix(VirtualUSBPort.dfuPrefix) || port.hasPrefix(USBDeviceMatch.prefix) { return .dfu }
        if port.hasPrefix(VirtualUSBPort.stlinkPrefix) || port == "stlink" || port.hasPrefix("stlink:") { return .swd }
        return chip(for: port) == .stm32 ? .stm32Serial : .qcc743
    }

    static func isUSB(_ port: String) -> Bool {
        VirtualUSBPort.isVirtualUSB(port) || port.hasPrefix(USBDeviceMatch.prefix) || port == "stlink"
            || port.hasPrefix("stlink:")
    }

    /// The bus a USB port lives on: the in-process virtual bus for virtual:dfu-…/virtual:stlink-…
    /// (with its device attached), libusb otherwise. `match` is what the path looks for when the
    /// port itself does not say (`stlink` → every ST-LINK product ID).
    func usbBus(for port: String, match: (String) throws -> USBDeviceMatch) throws -> (any USBBus, USBDeviceMatch) {
        if VirtualUSBPort.isVirtualUSB(port) {
            let (bus, match) = try VirtualUSBPort.start(port)
            return (bus, match)
        }
        let wanted = port.hasPrefix(USBDeviceMatch.prefix) ? try USBDeviceMatch.parse(port) : try match(port)
        // What to install comes before whether anything is plugged in.
        let bus = LibUSBBus.configured()
        try bus.load()
        return (bus, wanted)
    }

    /// ST's USB devices Bootwire knows: the probe table of the STLink module.
    static let probes: USBListing.ProbeTable = { pid in
        STLinkProbeKind.kind(productID: pid).map { ($0.name, $0.isLoader) }
    }

    /// The udev rules file: ST's DFU bootloader, every ST-LINK, the serial bridges.
    static var udevEntries: [UdevRules.Entry] {
        [UdevRules.stDFU]
            + STLinkProbeKind.all.map {
                UdevRules.Entry(
                    vendorID: UdevRules.stmicro, productID: $0.productID, name: $0.name, serialBridge: false)
            } + UdevRules.bridgeEntries
    }

    /// Runs `body` on a worker thread of its own (USB calls block), with the bus and the one
    /// matching device found on it.
    func withUSB<T: Sendable>(
        port: String, match: @escaping (String) throws -> USBDeviceMatch,
        _ body: @escaping @Sendable (any USBBus, USBDeviceRecord) throws -> T
    ) async throws -> T {
        let (found, wanted) = try usbBus(for: port, match: match)
        // --trace: every transfer, through the one wrapper at the seam (DFU and ST-LINK alike).
        let bus: any USBBus = try trace.map { TracedUSBBus(found, trace: try WireTrace(path: $0)) } ?? found
        let worker = PortWorker(name: port)
        defer { worker.shutdown() }
        return try await worker.run { try body(bus, try bus.find(wanted)) }
    }
}
