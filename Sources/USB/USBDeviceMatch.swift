import BootwireCore

/// Which USB device a `--port` means: `usb:VID:PID[:SERIAL]`, or what a path (DFU, ST-LINK)
/// builds from its own ID table. Write commands need exactly one match: never a guess.
public struct USBDeviceMatch: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productIDs: Set<UInt16>
    public var serial: String?
    /// What the user called it, for messages.
    public var name: String

    public init(vendorID: UInt16, productIDs: Set<UInt16>, serial: String? = nil, name: String) {
        self.vendorID = vendorID
        self.productIDs = productIDs
        self.serial = serial
        self.name = name
    }

    public static let prefix = "usb:"

    /// `usb:0483:df11` or `usb:0483:df11:205F3E8A5748`.
    public static func parse(_ spec: String) throws -> USBDeviceMatch {
        let parts = spec.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard spec.hasPrefix(prefix), parts.count == 2 || parts.count == 3,
            let vendor = USBIDs.parse(parts[0]), let product = USBIDs.parse(parts[1]),
            parts.count == 2 || !parts[2].isEmpty
        else {
            throw BootwireError(
                .usage, "`\(spec)` is not a USB port",
                hint: "write usb:VID:PID or usb:VID:PID:SERIAL, e.g. usb:0483:df11")
        }
        return USBDeviceMatch(
            vendorID: vendor, productIDs: [product], serial: parts.count == 3 ? String(parts[2]) : nil, name: spec)
    }

    public func matches(_ record: USBDeviceRecord) -> Bool {
        guard record.vendorID == vendorID, productIDs.contains(record.productID) else { return false }
        guard let serial else { return true }
        return record.serial?.caseInsensitiveCompare(serial) == .orderedSame
    }

    public var description: String { name }
}

extension USBBus {
    /// The one device `match` names, or `usb-not-found` (saying what is on the bus) or a usage
    /// error listing the serials when several match.
    public func find(_ match: USBDeviceMatch) throws -> USBDeviceRecord {
        let all = try devices()
        let found = all.filter(match.matches)
        if found.count == 1 { return found[0] }
        if found.isEmpty {
            let seen = all.map(\.ids)
            let sameKind = all.filter { $0.vendorID == match.vendorID && match.productIDs.contains($0.productID) }
            var evidence = ["seen": seen.isEmpty ? "none" : seen.joined(separator: " ")]
            if !sameKind.isEmpty { evidence["serials"] = sameKind.compactMap(\.serial).joined(separator: " ") }
            throw BootwireError(
                .usbNotFound, "no USB device matches \(match.name)",
                hint: sameKind.isEmpty
                    ? "check the cable and that the chip is in the right mode (BOOT0 high for DFU); `bootwire list` shows what is attached"
                    : "a device of this kind is attached with another serial number; use the one `bootwire list` shows",
                evidence: evidence)
        }
        throw BootwireError(
            .usage, "\(found.count) devices match \(match.name)",
            hint: "add the serial number: "
                + found.map { "\(match.name):\($0.serial ?? "?")" }.joined(separator: " or "))
    }

    /// Opens `record`, turning a refusal into `usb-permission` (with the node, its mode and owner,
    /// the user's groups and the udev rule) and a claimed interface into `usb-busy`.
    public func openDiagnosed(_ record: USBDeviceRecord, interface: UInt8 = 0) throws -> any USBDeviceHandle {
        let handle: any USBDeviceHandle
        do {
            handle = try open(record)
        } catch USBError.access {
            throw USBPermission.diagnose(record)
        } catch let error as USBError {
            throw BootwireError.usb(error, "opening \(record.ids) at \(record.nodePath)")
        }
        do {
            try handle.claimInterface(interface)
        } catch USBError.busy {
            handle.close()
            throw BootwireError(
                .usbBusy, "interface \(interface) of \(record.ids) is held by another program or driver",
                hint: "close other flashing tools (STM32CubeProgrammer, dfu-util, openocd, st-util) and try again",
                evidence: ["node": record.nodePath])
        } catch let error as USBError {
            handle.close()
            throw BootwireError.usb(error, "claiming interface \(interface) of \(record.ids)")
        }
        return handle
    }
}

extension BootwireError {
    /// A USB failure during `what`, with a code for what it means to the user.
    public static func usb(_ error: USBError, _ what: String) -> BootwireError {
        let evidence = ["usb": error.name]
        switch error {
        case .noDevice:
            return BootwireError(
                .deviceDisconnected, "the USB device went away while \(what)",
                hint: "check the cable; avoid unpowered hubs; run the command again", evidence: evidence)
        case .timeout:
            return BootwireError(
                .timeout, "the USB device did not answer in time while \(what)",
                hint: "replug the device; try another port without a hub", evidence: evidence)
        case .access:
            return BootwireError(.usbPermission, "access denied while \(what)", evidence: evidence)
        case .busy:
            return BootwireError(.usbBusy, "the USB device is busy while \(what)", evidence: evidence)
        default:
            return BootwireError(
                .usbTransferFailed, "USB \(error.name) while \(what)", hint: "replug the device and try again",
                evidence: evidence)
        }
    }
}
