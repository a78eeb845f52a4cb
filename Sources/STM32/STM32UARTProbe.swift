import BootwireCore

/// The device half of `bootwire doctor` on an STM32's system bootloader over UART (AN3155):
/// the sync (0x7F → ACK), the bootloader's version and commands, the part (Get ID), and its
/// protection (a Read Memory NACK is RDP level 1), each a finding with the session's own
/// diagnosis when it fails.
public enum STM32UARTProbe {
    /// `port` is how the user named the port, for fixes that are pasted as they are printed.
    public static func run(link: any Link, options: STM32ConnectOptions, port: String) -> [DoctorFinding] {
        let collected = DoctorEvents()
        let session: STM32Session
        do {
            session = try STM32Session.connect(link: link, options: options, events: collected.sink)
        } catch {
            let error = BootwireError.wrap(error)
            let syncCodes: [ErrorCode] = [.noResponse, .echoOnly, .applicationRunning, .protocolError, .baudMismatch]
            let stage = syncCodes.contains(error.code) ? "bootloader answers 0x7F" : "bootloader session"
            // A silent sync's hint is the wiring checklist (`STM32SyncFailure`), whatever the
            // port did before.
            return [DoctorFinding(stage, failing: error)]
        }
        let identity = session.identity
        let line = "\(identity.baud) baud \(options.parity == .even ? "8E1" : "8N1")"
        var findings = [
            DoctorFinding(
                "bootloader answers 0x7F", .pass,
                identity.wasAlreadySynced
                    ? "NACK at \(line): synced already (no reset since the last session)" : "ACK at \(line)"),
            DoctorFinding(
                "bootloader", .pass,
                "version \(identity.bootloaderVersionText); commands: "
                    + identity.commands.map(STM32Command.name(of:)).joined(separator: ", ")),
        ]
        let productID = "product id 0x\(String(identity.productID, radix: 16, uppercase: true))"
        if identity.device == nil {
            findings.append(
                DoctorFinding(
                    "part", .warn, "\(productID): not in Bootwire's STM32 table", code: .unexpectedChip,
                    hint: "reads and writes work by address; page erases need the part in the table"))
        } else {
            let size = identity.flashSize.map { ", \($0 >> 10) KiB flash" } ?? ""
            findings.append(DoctorFinding("part", .pass, "\(identity.name) (\(productID))\(size)"))
        }
        findings.append(protection(identity, collected: collected, port: port))
        let protected = identity.writeProtectedPages
        if !protected.isEmpty {
            findings.append(
                DoctorFinding(
                    "write protection", .warn,
                    "pages " + protected.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", "),
                    code: .flashWriteProtected,
                    hint: "`bootwire unprotect --write --chip stm32 --port \(port)` before writing those pages"))
        }
        return findings
    }

    /// RDP as the session read it: the option bytes, or a NACK to Read Memory (level 1).
    static func protection(_ identity: STM32Identity, collected: DoctorEvents, port: String) -> DoctorFinding {
        switch identity.readoutProtection {
        case .level0?:
            return DoctorFinding("readout protection", .pass, "RDP level 0: flash readable and writable")
        case .level1?:
            return DoctorFinding(
                "readout protection", .fail,
                "RDP level 1: the bootloader refuses Read Memory, so nothing can be read or written",
                code: .deviceProtected,
                hint: "`bootwire unprotect --readout --chip stm32 --port \(port)` removes it and erases the whole flash"
            )
        case .level2?:
            return DoctorFinding(
                "readout protection", .fail, "RDP level 2: the part is locked for good", code: .flashPermanentlyLocked,
                hint: ErrorCode.flashPermanentlyLocked.hint)
        case nil:
            let refused = collected.warning(.optionBytesUnreadable)
            return DoctorFinding(
                "readout protection", .warn,
                refused?.message ?? "the option bytes were not read: the level is not known",
                code: .optionBytesUnreadable, hint: ErrorCode.optionBytesUnreadable.hint)
        }
    }
}
