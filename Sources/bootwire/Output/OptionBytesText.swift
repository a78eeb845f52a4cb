import BootwireCore
import STM32
import STM32SWD

/// `option-bytes show|set` for a person: the registers with their addresses, the fields with
/// their register, bits and value in hex, and a change as old → new. Hex as the reference
/// manuals write it.
enum OptionBytesText {
    static func show(_ options: SWDOptionBytes) -> [String] {
        let registers =
            [["register", "address", "value"]]
            + options.addresses.map { name, address in
                [name.name, STM32InfoText.address(address), STM32InfoText.address(options.registers[name] ?? 0)]
            }
        let fields =
            [["field", "register", "bits", "value", "meaning"]]
            + options.fields.map { field in
                [field.name, field.register.name, bits(field), value(options, field), options.text(field)]
            }
        return TextTable.lines(registers) + [""] + TextTable.lines(fields)
    }

    /// One row per field that differs: `wrp1a  WRP1AR  [7:0]  0x00 → 0xFF  pages 0-3 of bank 1 → none`.
    static func change(from old: SWDOptionBytes, to new: SWDOptionBytes) -> [String] {
        let changed = new.fields.filter { old.raw($0) != new.raw($0) }
        guard !changed.isEmpty else { return ["no option byte changes"] }
        return TextTable.lines(
            [["field", "register", "bits", "old → new", "meaning"]]
                + changed.map { field in
                    [
                        field.name, field.register.name, bits(field),
                        "\(value(old, field)) → \(value(new, field))", "\(old.text(field)) → \(new.text(field))",
                    ]
                })
    }

    static func bits(_ field: SWDOptionField) -> String {
        field.width == 1 ? "[\(field.shift)]" : "[\(field.shift + field.width - 1):\(field.shift)]"
    }

    static func value(_ options: SWDOptionBytes, _ field: SWDOptionField) -> String {
        Hex.address(options.raw(field), width: (field.width + 3) / 4, uppercase: true)
    }
}
