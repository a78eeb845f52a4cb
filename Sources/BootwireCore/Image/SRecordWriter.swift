extension SRecord {
    /// S-record text for a plan: an S0 header, data records of the narrowest width that reaches
    /// the plan's highest address (as srec_cat chooses), an S5/S6 count, and the matching
    /// termination record with the entry point (0 when there is none).
    /// Throws `.addressOutOfRange` for an address or entry point beyond 4 GiB.
    public static func write(
        _ plan: FlashPlan, header: String = "", bytesPerRecord: Int = 32, lineEnding: String = "\n"
    ) throws -> String {
        // A count byte covers at most 255 bytes: address, data and checksum.
        precondition((1...250).contains(bytesPerRecord), "an S-record holds 1 to 250 data bytes")
        let highest = max(plan.span?.upperBound ?? 0, plan.entryPoint ?? 0)
        guard highest <= 0xFFFF_FFFF else {
            throw BootwireError(
                .addressOutOfRange, "the plan reaches beyond 4 GiB, which S-records cannot address",
                evidence: ["address": AddressText.of(highest)])
        }
        let dataType: UInt8 = highest <= 0xFFFF ? 1 : highest <= 0xFF_FFFF ? 2 : 3
        let size = addressSize(dataType)!
        var out: [UInt8] = []
        let newline = Array(lineEnding.utf8)
        func record(_ type: UInt8, _ width: Int, _ address: UInt64, _ data: ArraySlice<UInt8>) {
            var bytes: [UInt8] = [UInt8(width + data.count + 1)]
            for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
                bytes.append(UInt8(address >> shift & 0xFF))
            }
            bytes.append(contentsOf: data)
            bytes.append(~bytes.reduce(UInt8(0), &+))
            out.append(UInt8(ascii: "S"))
            out.append(UInt8(ascii: "0") + type)
            for byte in bytes { HexDigits.append(byte, to: &out) }
            out.append(contentsOf: newline)
        }
        record(0, 2, 0, Array(header.utf8.prefix(250))[...])
        var count = 0
        for segment in plan.segments {
            var index = 0
            while index < segment.bytes.count {
                let n = min(bytesPerRecord, segment.bytes.count - index)
                record(dataType, size, segment.address + UInt64(index), segment.bytes[index..<index + n])
                index += n
                count += 1
            }
        }
        if count <= 0xFFFF {
            record(5, 2, UInt64(count), [])
        } else if count <= 0xFF_FFFF {
            record(6, 3, UInt64(count), [])
        }
        record(10 - dataType, size, plan.entryPoint ?? 0, [])
        return String(decoding: out, as: UTF8.self)
    }
}
