import BootwireCore
import Foundation

/// What `bootwire list` shows of USB: STM32 ROM DFU devices with their alternate settings (the
/// memory layouts), and ST-LINK probes. Alt strings need the device opened; where that is refused,
/// the entry says so and how to fix it instead of hiding the device.
public struct USBListedDevice: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case dfu, stlink }
    public var kind: Kind
    public var ids: String
    public var name: String
    public var serial: String?
    public var node: String
    public var location: String
    /// `alt N: @Internal Flash  /0x08000000/512*02Kg`, one per alternate setting.
    public var alternates: [String]
    /// Why the alternates are missing (permission, libusb absent, the device went away).
    public var problem: String?
}

public enum USBListing {
    public static let dfuClass: UInt8 = 0xFE
    public static let dfuSubclass: UInt8 = 0x01

    public static func isDFU(_ record: USBDeviceRecord) -> Bool {
        record.configuration?.interfaces.contains { $0.interfaceClass == dfuClass && $0.subclass == dfuSubclass }
            ?? false
    }

    /// What the probe table (STLink module) says of an ST product ID: its name, and whether it
    /// is a firmware-update loader rather than a debug interface.
    public typealias ProbeTable = @Sendable (UInt16) -> (name: String, loader: Bool)?

    public static func list(_ bus: any USBBus, probes: ProbeTable) -> [USBListedDevice] {
        let records = (try? bus.devices()) ?? []
        return records.compactMap { record in
            if isDFU(record) { return dfu(record, bus: bus) }
            guard record.vendorID == UdevRules.stmicro, let name = probes(record.productID)?.name else { return nil }
            return USBListedDevice(
                kind: .stlink, ids: record.ids, name: name, serial: record.serial, node: record.nodePath,
                location: record.portPath, alternates: [], problem: nil)
        }
    }

    private static func dfu(_ record: USBDeviceRecord, bus: any USBBus) -> USBListedDevice {
        var entry = USBListedDevice(
            kind: .dfu, ids: record.ids, name: record.product ?? "DFU device", serial: record.serial,
            node: record.nodePath, location: record.portPath, alternates: [], problem: nil)
        do {
            let handle = try bus.open(record)
            defer { handle.close() }
            for interface in record.configuration?.interfaces ?? [] where interface.interfaceClass == dfuClass {
                entry.alternates.append("alt \(interface.alternate): \(try handle.string(interface.nameIndex) ?? "")")
            }
        } catch USBError.access {
            let diagnosis = USBPermission.diagnose(record)
            entry.problem = "cannot open \(record.nodePath) to read the memory layouts: \(diagnosis.hint ?? "")"
        } catch let error as BootwireError {
            entry.problem = error.message
        } catch {
            entry.problem = "\(error)"
        }
        return entry
    }

    /// One sentence on why no ST-LINK is listed: no USB in this kernel, nothing from ST on the
    /// bus, or a probe stuck in its firmware-update mode.
    public static func whyNoProbe(
        records: [USBDeviceRecord], probes: ProbeTable, sysfs: String = LibUSBBus.sysfs
    ) -> String {
        if !FileManager.default.fileExists(atPath: sysfs) {
            return "No ST-LINK found: this kernel has no USB support (\(sysfs) is missing), so no USB device "
                + "can be seen here (containers and some VMs); try `--port virtual:stlink-l476`."
        }
        if records.contains(where: { $0.vendorID == UdevRules.stmicro && probes($0.productID)?.loader == true }) {
            return "No ST-LINK in debug mode: a probe is in its firmware-update (loader) mode; unplug and replug it."
        }
        return "No ST-LINK found: no device with vendor 0483 and an ST-LINK product ID is on the bus. Check the "
            + "cable carries data, the board is powered, and `dmesg` for the probe."
    }
}
