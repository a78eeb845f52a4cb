import BootwireCore
import USB

/// The device half of `bootwire doctor` over USB DFU, after `USBDoctor` opened the device: the
/// DFU functional descriptor, the status and state the device was found in, the alternate
/// settings and their layouts, the part, and the option bytes (readout protection).
public enum DfuSeProbe {
    /// `port` is how the user named the port, for fixes that are pasted as they are printed.
    public static func run(bus: any USBBus, record: USBDeviceRecord, port: String) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        // The state as found, before the session's prepare clears an error an earlier program left.
        if let interface = record.configuration?.interfaces.first(where: {
            $0.interfaceClass == 0xFE && $0.subclass == 0x01
        }) {
            findings.append(arrivalStatus(bus: bus, record: record, interface: interface.number))
        }
        let collected = DoctorEvents()
        let session: DfuSeSession
        do {
            session = try DfuSeSession.connect(bus: bus, record: record, events: collected.sink)
        } catch {
            return findings + [DoctorFinding("DfuSe descriptors", failing: BootwireError.wrap(error))]
        }
        defer { session.close() }
        let identity = session.identity
        let functional = identity.functional
        findings.insert(
            DoctorFinding(
                "DfuSe descriptors", .pass,
                "DFU 0x\(String(functional.dfuVersion, radix: 16)) (DfuSe), transfer size \(functional.transferSize), "
                    + functional.attributeNames.joined(separator: ", ")), at: 0)
        let unparsed = identity.alternates.filter { $0.layout == nil }
        let alts = identity.alternates.map { "\($0.number) \($0.layout?.name ?? $0.text)" }.joined(separator: "; ")
        findings.append(
            unparsed.isEmpty
                ? DoctorFinding("alternate settings", .pass, alts)
                : DoctorFinding(
                    "alternate settings", .warn,
                    "alt \(unparsed.map { "\($0.number)" }.joined(separator: ", ")) has no DfuSe layout: \(alts)",
                    code: .dfuNotDfuSe, hint: "those memories are listed but not used"))
        if let device = identity.device {
            let size = identity.flash.map { ", \($0.size >> 10) KiB flash" } ?? ""
            findings.append(DoctorFinding("part", .pass, "\(device.name)\(size)"))
        } else {
            findings.append(
                DoctorFinding(
                    "part", .warn, "no part in Bootwire's table declares these option bytes", code: .unexpectedChip,
                    hint: "flashing by address works; option bytes are not decoded"))
        }
        switch identity.optionBytes?.readoutProtection {
        case .level0?:
            findings.append(DoctorFinding("readout protection", .pass, "RDP level 0: flash readable and writable"))
        case .level1?:
            findings.append(
                DoctorFinding(
                    "readout protection", .fail, "RDP level 1: the bootloader refuses flash uploads and downloads",
                    code: .deviceProtected,
                    hint: "`bootwire unprotect --readout --port \(port)` removes it and erases the whole flash"))
        case .level2?:
            findings.append(
                DoctorFinding(
                    "readout protection", .fail, "RDP level 2: the part is locked for good",
                    code: .flashPermanentlyLocked, hint: ErrorCode.flashPermanentlyLocked.hint))
        case nil:
            findings.append(
                DoctorFinding(
                    "readout protection", .warn,
                    collected.warning(.optionBytesUnreadable)?.message ?? "the option bytes were not read",
                    code: .optionBytesUnreadable, hint: ErrorCode.optionBytesUnreadable.hint))
        }
        return findings
    }

    /// GETSTATUS on a fresh open: dfuIDLE is ready; dfuERROR is what an earlier program left
    /// (the session clears it, as dfu-util does).
    static func arrivalStatus(bus: any USBBus, record: USBDeviceRecord, interface: UInt8) -> DoctorFinding {
        do {
            let handle = try bus.openDiagnosed(record, interface: interface)
            defer { handle.close() }
            let reply = try DFUClient(handle: handle, interface: interface).getStatus()
            if reply.state == .dfuIdle && reply.status == .ok {
                return DoctorFinding("DFU status", .pass, "\(reply.status), \(reply.state)")
            }
            return DoctorFinding(
                "DFU status", .warn, "found in \(reply.state) with \(reply.status): an earlier program left it so",
                code: reply.status == .ok ? .dfuWrongState : reply.status.errorCode,
                hint: "nothing to do: Bootwire clears the status before it works")
        } catch {
            return DoctorFinding("DFU status", failing: BootwireError.wrap(error))
        }
    }
}
