import BootwireCore
import Foundation
import STLink
import USB

/// Opens the ST-LINK a port names, connects to the STM32 behind it, runs `body` on the port's
/// worker thread, and always leaves debug mode. The statistics say where the USB time went.
enum SWDSessionRunner {
    static func run<T: Sendable>(
        connection: ConnectionOptions, port: String, events: @escaping EventSink,
        _ body: @escaping @Sendable (STM32SWDSession) throws -> T
    ) async throws -> (T, [String: String]) {
        return try await connection.withUSB(port: port, match: STLinkProbeKind.match) { bus, record in
            let handle = try bus.openDiagnosed(record, interface: 0)
            defer { handle.close() }
            var options = STM32SWDSession.Options()
            if let khz = connection.swdKhz { options.clockKHz = khz }
            let session = try STM32SWDSession(handle: handle, options: options, events: events)
            defer { session.close() }
            let value = try body(session)
            return (value, statistics(session, bus: bus))
        }
    }

    static func statistics(_ session: STM32SWDSession, bus: any USBBus) -> [String: String] {
        let stats = session.probe.statistics
        var out = [
            "usb-transfers": "\(stats.total)", "usb-transfers-by-kind": stats.breakdown,
            "swd-khz": "\(session.probe.clockKHz)", "connected": session.connectedHow,
        ]
        if let modelled = bus.modelledTime {
            out["usb-modelled-seconds"] = String(format: "%.3f", modelled.usbSeconds)
            if let busy = modelled.deviceBusySeconds {
                out["flash-modelled-seconds"] = String(format: "%.3f", busy)
            }
        }
        return out
    }
}
