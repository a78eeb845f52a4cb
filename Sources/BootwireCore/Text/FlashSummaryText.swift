import Foundation

/// The end of a flash as a person reads it (esptool's and espflash's feel): one line per image
/// with its bytes, compressed size, address, time, effective rate and proof, or "skipped
/// (unchanged)", once; the irreversible steps by name; one total line. `--json` carries the
/// same facts as fields.
public enum FlashSummaryText {
    public static func lines(_ outcome: FlashOutcome) -> [String] {
        var rows: [[String]] = []
        for image in outcome.images {
            let size = "\(image.size) bytes"
            let compressed = image.compressedSize.map { "(\($0) compressed)" } ?? ""
            let at = "at " + Hex.address(image.address, width: 8, uppercase: false)
            if image.skipped {
                rows.append([image.name, at, size, "", "skipped (unchanged)"])
            } else if outcome.dryRun {
                rows.append([image.name, at, size, compressed, "would be written"])
            } else {
                let rate = image.seconds > 0 ? ProgressText.rate(Double(image.size) / image.seconds) : "-"
                let proof = image.proof.map { ", proven by \($0.text)" } ?? ""
                rows.append([
                    image.name, at, size, compressed,
                    String(format: "%.2f s, %@", image.seconds, rate) + proof,
                ])
            }
        }
        var lines = TextTable.lines(rows, rightAligned: [2]).map { "  " + $0 }
        if !outcome.irreversible.isEmpty {
            lines.append("eFuse burned: " + outcome.irreversible.joined(separator: ", "))
        }
        if !outcome.stillUnproven.isEmpty {
            lines.append("still unproven (an earlier session's): " + Hex.ranges(outcome.stillUnproven))
        }
        lines.append(total(outcome))
        return lines
    }

    /// `done: 2 of 3 images written (2142464 bytes) in 8.42 s, 254 KB/s; 1 skipped; erased …`
    static func total(_ outcome: FlashOutcome) -> String {
        let written = outcome.written
        let skipped = outcome.skipped.count
        let erased =
            outcome.erasedAll
            ? "erased the whole flash"
            : outcome.erased.isEmpty ? "nothing erased" : "erased " + Hex.ranges(outcome.erased)
        if outcome.dryRun {
            return "dry run, nothing was changed: would write \(written.count) of \(outcome.images.count) images"
                + (skipped > 0 ? ", skip \(skipped)" : "")
                + (outcome.erased.isEmpty ? "" : "; would erase " + Hex.ranges(outcome.erased))
        }
        var text =
            "done: \(written.count) of \(outcome.images.count) image\(outcome.images.count == 1 ? "" : "s") written"
        // The images' own time (erase, write, proof) gives the rate; connecting and comparing
        // are in the time "in all".
        let imageSeconds = written.map(\.seconds).reduce(0, +)
        if !written.isEmpty {
            text += String(format: ", %d bytes in %.2f s", outcome.bytesWritten, imageSeconds)
            if imageSeconds > 0 { text += " (\(ProgressText.rate(Double(outcome.bytesWritten) / imageSeconds)))" }
        }
        if outcome.seconds > 0 { text += String(format: ", %.2f s in all", outcome.seconds) }
        if skipped > 0 { text += "; \(skipped) skipped (unchanged)" }
        return text + "; " + erased
    }

}

/// `found STM32L47x/L48x (DEV_ID 0x415, 1 MiB) via ST-LINK V2-1, 3.26 V`: which part, said once
/// before anything is compared or changed.
public enum IdentityText {
    public static func line(_ identity: TargetIdentity) -> String {
        var facts: [String] = []
        if let chipID = identity.chipID { facts.append("\(identity.chipIDName) \(chipID)") }
        if let mac = identity.mac { facts.append("MAC \(mac)") }
        if let size = identity.flashSize { facts.append(flashSize(size)) }
        if let rom = identity.bootROM { facts.append("boot ROM \(rom)") }
        var text = "found " + (identity.part ?? identity.name)
        if !facts.isEmpty { text += " (" + facts.joined(separator: ", ") + ")" }
        if let via = identity.via { text += " via \(via)" }
        if let voltage = identity.voltage { text += String(format: ", %.2f V", voltage) }
        if let baud = identity.baud { text += " at \(baud) baud" }
        return text
    }

    /// `1 MiB`, `512 KiB`.
    static func flashSize(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB flash" : "\(bytes >> 10) KiB flash"
    }
}
