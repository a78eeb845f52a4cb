import BootwireCore
import Foundation
import Targets
import USB

/// `bootwire info` on an STM32, for a person: one row per fact, the flash as banks of unit runs,
/// the option fields as a table with their register, address and bits. Addresses in hex.
enum STM32InfoText {
    static func text(_ info: STM32Info) -> String {
        var rows: [(String, String)] = []
        var part = info.part ?? "unknown STM32"
        let ids = [
            info.deviceID.map {
                "\(info.probe == nil ? "product id" : "DEV_ID") \(Hex.address($0, width: 3, uppercase: true))"
            },
            info.revisionID.map { "REV_ID \(Hex.address($0, width: 4, uppercase: true))" },
        ].compactMap { $0 }
        if !ids.isEmpty { part += " (" + ids.joined(separator: ", ") + ")" }
        rows.append(("part", part))
        if let probe = info.probe {
            rows.append(("probe", "\(probe.name) firmware \(probe.firmware), serial \(probe.serial ?? "none")"))
            rows.append(("target voltage", probe.voltage.map { String(format: "%.2f V", $0) } ?? "unknown"))
            rows.append(("swd clock", "\(probe.clockKHz) kHz"))
            rows.append(("connected", probe.connected))
        }
        if let core = info.core {
            rows.append(("core", "\(core.name) (CPUID \(address(core.cpuid)), DPIDR \(address(core.dpidr)))"))
        }
        if let bootloader = info.bootloader {
            rows.append(
                ("bootloader", "\(bootloader.text), commands \(Hex.string(bootloader.commands, separator: " "))"))
        }
        if let usb = info.usb {
            rows.append(("usb", "\(USBIDs.text(usb.vendorID, usb.productID)) at \(usb.node)"))
            rows.append(("product", usb.product ?? "?"))
            rows.append(("serial", usb.serial ?? "?"))
            rows.append(
                (
                    "dfu",
                    "bcdDFU \(Hex.address(usb.dfuVersion, width: 4, uppercase: true)), transfer size \(usb.transferSize), "
                        + usb.attributes.joined(separator: " ")
                ))
            for alt in usb.alternates {
                rows.append(("alt \(alt.number)", alt.name + (alt.parsed ? "" : " (not a DfuSe layout)")))
                for segment in alt.segments {
                    let access =
                        (segment.readable ? "r" : "-") + (segment.erasable ? "e" : "-")
                        + (segment.writable ? "w" : "-")
                    rows.append(
                        (
                            "", "  \(address(segment.address))  \(segment.count) × \(size(segment.pageSize))  \(access)"
                        ))
                }
            }
        }
        rows.append(("flash", info.flashSize.map { size($0) } ?? "unknown (readout protection, or an unknown part)"))
        if let flash = info.flash {
            var text = "at \(address(flash.base)), \(flash.bankCount == 1 ? "1 bank" : "\(flash.bankCount) banks")"
            if flash.banksSwapped { text += ", swapped: bank 2 at the base" }
            rows.append(("geometry", text))
            for run in flash.runs {
                let numbers =
                    run.count == 1
                    ? "\(flash.unit) \(run.first)" : "\(flash.unit)s \(run.first)-\(run.first + run.count - 1)"
                rows.append(
                    (
                        "  bank \(run.bank)",
                        "\(address(run.address))  \(run.count) × \(size(run.unitSize))  \(numbers)"
                    ))
            }
            if let page = flash.firstSecurePage, let secure = flash.secureAddress {
                rows.append(("secure area", "from page \(page) at \(address(secure)) (CPU2's, no access)"))
            }
        }
        rows.append(("readout protection", info.readoutProtection.map { "\($0)" } ?? "unknown"))
        if info.usb != nil || info.bootloader != nil {
            rows.append(
                (
                    "write-protected pages",
                    info.writeProtectedPages.isEmpty
                        ? "none" : info.writeProtectedPages.map { "\($0.first)-\($0.last)" }.joined(separator: ", ")
                ))
        }
        if !info.complementMismatches.isEmpty {
            rows.append(
                (
                    "complement mismatch",
                    info.complementMismatches.map { address($0) }.joined(separator: ", ")
                ))
        }
        var lines = rows.map { name, value in name.padded(22) + " " + value }
        if !info.options.isEmpty {
            lines.append("option bytes")
            let table =
                [["  field", "register", "address", "bits", "value", "meaning"]]
                + info.options.map { option in
                    [
                        "  " + option.name, option.register ?? "-", address(option.address),
                        option.width == 1
                            ? "[\(option.shift)]" : "[\(option.shift + option.width - 1):\(option.shift)]",
                        Hex.address(option.value, width: (option.width + 3) / 4, uppercase: true),
                        option.meaning ?? "",
                    ]
                }
            let widths = (0..<6).map { column in table.map { $0[column].count }.max() ?? 0 }
            for row in table {
                lines.append(
                    zip(row, widths).map { $0.padded($1) }.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `0x08000000`: 32-bit addresses and registers as the reference manuals write them.
    static func address(_ value: UInt32) -> String { Hex.address(value, width: 8, uppercase: true) }

    /// `2 KiB`, `1024 KiB`, or bytes below a KiB.
    static func size(_ bytes: Int) -> String { bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes" }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
    }
}
