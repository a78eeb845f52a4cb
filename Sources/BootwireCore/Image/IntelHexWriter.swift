extension IntelHex {
    /// Intel HEX text for a plan, as `objcopy -O ihex` lays it out: 04 records only when the
    /// upper 16 bits change, data records that never cross a 64 KiB boundary (so any reader
    /// agrees on their addresses), a 05 record for the entry point, then 01.
    /// Throws `.addressOutOfRange` for an address or entry point beyond 4 GiB.
    public static func write(_ plan: FlashPlan, bytesPerRecord: Int = 16, lineEnding: String = "\n") throws -> String {
        precondition((1...255).contains(bytesPerRecord), "an Intel HEX record holds 1 to 255 bytes")
        var out: [UInt8] = []
        let newline = Array(lineEnding.utf8)
        func record(_ type: UInt8, _ offset: UInt64, _ data: ArraySlice<UInt8>) {
            var bytes: [UInt8] = [UInt8(data.count), UInt8(offset >> 8 & 0xFF), UInt8(offset & 0xFF), type]
            bytes.append(contentsOf: data)
            bytes.append(0 &- bytes.reduce(UInt8(0), &+))
            out.append(UInt8(ascii: ":"))
            for byte in bytes { HexDigits.append(byte, to: &out) }
            out.append(contentsOf: newline)
        }
        var upper: UInt64 = 0
        for segment in plan.segments {
            guard segment.lastAddress <= 0xFFFF_FFFF else {
                throw beyond4GiB(max(segment.address, 0x1_0000_0000), segment.originDescription)
            }
            var index = 0
            while index < segment.bytes.count {
                let address = segment.address + UInt64(index)
                if address >> 16 != upper {
                    upper = address >> 16
                    record(0x04, 0, [UInt8(upper >> 8), UInt8(upper & 0xFF)][...])
                }
                let room = Int(0x1_0000 - (address & 0xFFFF))
                let count = min(bytesPerRecord, segment.bytes.count - index, room)
                record(0x00, address & 0xFFFF, segment.bytes[index..<index + count])
                index += count
            }
        }
        if let entry = plan.entryPoint {
            guard entry <= 0xFFFF_FFFF else { throw beyond4GiB(entry, "the entry point") }
            record(0x05, 0, [24, 16, 8, 0].map { UInt8(entry >> $0 & 0xFF) }[...])
        }
        record(0x01, 0, [])
        return String(decoding: out, as: UTF8.self)
    }

    private static func beyond4GiB(_ address: UInt64, _ what: String) -> BootwireError {
        BootwireError(
            .addressOutOfRange, "\(what) lies beyond 4 GiB, which Intel HEX cannot address",
            evidence: ["address": AddressText.of(address)])
    }
}
