import BootwireCore

/// The device half of `bootwire doctor`: reach the boot ROM stage by stage and say which
/// stage fails, with the same diagnosis a flash would end with.
public enum QCC743Probe {
    public static func run(link: any Link, options: ConnectOptions) -> [DoctorFinding] {
        let collected = DoctorEvents()
        let session: QCC743Session
        do {
            session = try QCC743Session.connect(link: link, options: options, events: collected.sink)
        } catch {
            let error = BootwireError.wrap(error)
            let stage =
                switch error.code {
                case .noResponse, .echoOnly, .applicationRunning, .baudMismatch: "boot ROM answers the sync"
                case .linkLostAfterBaudChange: "link at \(options.loadBaud) baud"
                default: "boot ROM session"
                }
            // With the port's history the hint speaks of the last session, not the wiring:
            // silence has the same causes either way, so the checklist stays (issue 26).
            let checklist =
                error.code == .noResponse && options.previousSessionBaud != nil
                ? [DoctorFinding.checklist(SyncEvidence.wiringChecklist)] : []
            return [DoctorFinding(stage, failing: error)] + checklist
        }
        let identity = session.identity
        var findings = [
            DoctorFinding(
                "boot ROM answers the sync", .pass,
                "exact OK at \(options.bootBaud) baud; ROM \(identity.bootInfo.romVersion) "
                    + "(\(identity.bootInfo.chipFamily ?? "unknown")), chip id \(identity.bootInfo.chipID)")
        ]
        if let from = session.baudLimitedFrom {
            let lost = collected.diagnosis(.linkLostAfterBaudChange)
            findings.append(
                DoctorFinding(
                    "link at \(from) baud", .fail, lost?.message ?? "silent after the switch",
                    code: .linkLostAfterBaudChange,
                    hint: lost?.hint))
            findings.append(
                DoctorFinding(
                    "highest working rate", .warn, "\(identity.loadBaud) baud", code: .adapterBaudLimit,
                    hint: "use --baud \(identity.loadBaud) with this adapter, or one that carries \(from) baud"))
        } else {
            findings.append(DoctorFinding("link at \(identity.loadBaud) baud", .pass, "MAC read back with a good CRC"))
        }
        findings.append(
            DoctorFinding(
                "flash", .pass,
                "JEDEC \(Hex.string(identity.jedecID.prefix(3))), \(identity.flashSize / 1024 / 1024) MiB"))
        findings.append(
            DoctorFinding(
                "signed boot", identity.bootInfo.signedBootRequired ? .warn : .pass,
                identity.bootInfo.signedBootRequired
                    ? "required: only images signed with the module's key will boot" : "not required"))
        return findings
    }
}
