import BootwireCore
import Foundation

/// `bootwire doctor` for a USB port: the stages a USB connection goes through, each a finding,
/// stopping at the first that fails: the kernel's USB subsystem, the device on the bus, libusb,
/// opening the node and claiming the interface.
public enum USBDoctor {
    public static func run(
        bus: any USBBus, match: USBDeviceMatch, sysfs: String = LibUSBBus.sysfs
    ) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if bus is LibUSBBus {
            guard FileManager.default.fileExists(atPath: sysfs) else {
                return [
                    DoctorFinding(
                        "usb", .fail, "this kernel has no USB support (\(sysfs) is missing)", code: .usbNotFound,
                        hint: "run on a machine (or VM with USB passthrough) that sees the device")
                ]
            }
            findings.append(DoctorFinding("usb", .pass, "USB subsystem present"))
        }
        let record: USBDeviceRecord
        do {
            record = try bus.find(match)
            findings.append(
                DoctorFinding(
                    "device", .pass,
                    "\(record.ids) \(record.product ?? "") serial \(record.serial ?? "none") at \(record.nodePath)"))
        } catch {
            return findings + [DoctorFinding("device", failing: BootwireError.wrap(error))]
        }
        if let libusb = bus as? LibUSBBus {
            do {
                try libusb.load()
                findings.append(DoctorFinding("libusb", .pass, "libusb-1.0 loaded"))
            } catch {
                return findings + [DoctorFinding("libusb", failing: BootwireError.wrap(error))]
            }
        }
        do {
            let handle = try bus.openDiagnosed(record)
            handle.close()
            findings.append(DoctorFinding("open", .pass, "opened \(record.nodePath) and claimed interface 0"))
        } catch {
            findings.append(DoctorFinding("open", failing: BootwireError.wrap(error)))
        }
        return findings
    }
}
