import BootwireCore
import Foundation
import USB

/// What a USB request to a device that is resetting fails with. After an option-byte write, a
/// read unprotect or a FUS command the ROM resets, and the host sees NO_DEVICE, but just as often
/// IO, PIPE (a stall) or TIMEOUT (qFlipper ignores every error there). Such a failure means
/// "maybe done": find the device again and decide from what it says.
public enum DeviceReset {
    public static func isSymptom(_ error: Error) -> Bool {
        if let error = error as? BootwireError {
            return [.deviceDisconnected, .usbTransferFailed, .timeout, .dfuErrStalledPkt].contains(error.code)
        }
        if let error = error as? USBError { return [.noDevice, .io, .stall, .timeout].contains(error) }
        return false
    }

    /// Connects to the device matching `match` once it is back: it may still be off the bus, or
    /// present but not yet openable (open or claim fails while the kernel enumerates it), so
    /// both are retried every `poll` until `limit`.
    public static func reconnect(
        bus: any USBBus, limit: Duration, poll: Duration = .milliseconds(200), events: @escaping EventSink,
        where match: (USBDeviceRecord) -> Bool
    ) throws -> DfuSeSession {
        let clock = bus.clock
        let deadline = clock.instant(after: limit)
        var lastError: Error?
        while true {
            if let record = try bus.waitForDevice(timeout: clock.remaining(until: deadline), where: match) {
                do {
                    return try DfuSeSession.connect(bus: bus, record: record, events: events)
                } catch let error where isSymptom(error) || (error as? BootwireError)?.code == .usbBusy {
                    lastError = error
                }
            }
            if clock.now() >= deadline {
                throw BootwireError(
                    .deviceDisconnected, "the device did not come back on USB within \(limit)",
                    hint: "check the cable; avoid hubs; keep BOOT0 high so the ROM bootloader runs after each reboot",
                    evidence: lastError.map { ["last-error": "\($0)"] } ?? [:])
            }
            clock.sleep(for: poll)
        }
    }
}
