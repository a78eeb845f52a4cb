import BootwireCore
import DFU
import QCC743
import STLink
import STM32
import STM32SWD
import USB

/// `bootwire doctor` on every route, stage by stage, each stage a `DoctorFinding` with its code
/// and fix: the port or USB device (`PortDoctor`, `USBDoctor`), then the device the way its
/// route can talk to it (`QCC743Probe`, `STM32UARTProbe`, `DfuSeProbe`, `STM32SWDProbe`). The
/// probes never change the device: no erase, no write, no option change.
extension TargetOpener {
    public func doctor(_ port: PortSpec) async throws -> [DoctorFinding] {
        let route = self.route(for: port)
        switch route {
        case .qcc743, .stm32Serial: return try await doctorSerial(port, route: route)
        case .dfu, .swd: return try await doctorUSB(port, route: route)
        }
    }

    /// The port (access, adapter, modem lines, latency), a loopback when TX and RX are jumpered,
    /// and otherwise the route's bootloader (on an STM32 the sync comes first).
    func doctorSerial(_ port: PortSpec, route: Route) async throws -> [DoctorFinding] {
        let settings = self.settings
        let name = port.description
        return try await withSerialPath(port) { path, trace in
            let (opened, access) = PortDoctor.checkAccess(path, setup: settings.serialSetup)
            guard let link = opened else { return access }
            defer { link.close() }
            link.trace = trace
            // Our own bytes came back: the adapter's rates are measured, and no device can
            // answer through a jumper.
            let looped = DoctorFinding(
                "device", .warn, "TX is looped to RX: only the adapter was tested", code: .echoOnly,
                hint: "remove the loopback jumper and cross TX→RX and RX→TX to the device, then run doctor again")
            if route == .stm32Serial {
                // The STM32 bootloader measures its rate on the first byte it hears (AN2606,
                // USART autobaud on 0x7F): the sync goes first, and only a line that returns it
                // gets the loopback's pattern.
                let device = STM32UARTProbe.run(
                    link: link, options: try settings.stm32ConnectOptions(for: link), port: name)
                guard device.first?.code == .echoOnly else {
                    let skipped = DoctorFinding(
                        "loopback", .skip, "not run: the bootloader takes its rate from the first byte it hears")
                    return access + [skipped] + device
                }
                return access + [looped] + (try PortDoctor.loopback(link))
            }
            let loopback = try PortDoctor.loopback(link)
            if loopback.first?.status != .skip { return access + [looped] + loopback }
            // The options a flash would start with, history included (the last session's rate).
            let (options, _, _) = try settings.moduleConnectOptions(for: link, path: path, events: { _ in })
            return access + loopback + QCC743Probe.run(link: link, options: options)
        }
    }

    /// The USB stages (device, libusb, open and claim), then the route's device: the DfuSe
    /// bootloader, or the ST-LINK and the STM32 behind it.
    func doctorUSB(_ port: PortSpec, route: Route) async throws -> [DoctorFinding] {
        let attached = try usbBus(for: port)
        let bus = try traced(attached.bus)
        var options = STM32SWDSession.Options()
        if let khz = settings.swdKHz { options.clockKHz = khz }
        let swd = options
        let name = port.description
        let worker = PortWorker(name: name)
        defer { worker.shutdown() }
        return try await worker.run {
            let usb = USBDoctor.run(bus: bus, match: attached.match)
            guard usb.last?.status == .pass, let record = try? bus.find(attached.match) else { return usb }
            if route == .dfu { return usb + DfuSeProbe.run(bus: bus, record: record, port: name) }
            do {
                let handle = try bus.openDiagnosed(record, interface: 0)
                defer { handle.close() }
                let collected = DoctorEvents()
                let stlink = try STLinkProbe(handle: handle, events: collected.sink)
                try stlink.open()
                return usb + STM32SWDProbe.run(probe: stlink, options: swd, port: name, collected: collected)
            } catch {
                return usb + [DoctorFinding("probe", failing: BootwireError.wrap(error))]
            }
        }
    }
}
