import BootwireCore
import Testing

@Suite struct HexTests {
    @Test("bytes format as lowercase hex, with an optional separator")
    func format() {
        #expect(Hex.string([0xDE, 0xAD, 0xBE, 0xEF]) == "deadbeef")
        #expect(Hex.string([0x00, 0x0F, 0xF0], separator: " ") == "00 0f f0")
        #expect(Hex.string([0x01], separator: ":") == "01")
        #expect(Hex.string([UInt8]()) == "")
        #expect(Hex.string(Array(0...255).map(UInt8.init)).count == 512)
    }

    @Test(
        "hex text parses to bytes",
        arguments: [
            ("deadbeef", [0xDE, 0xAD, 0xBE, 0xEF]),
            ("DEADBEEF", [0xDE, 0xAD, 0xBE, 0xEF]),
            ("0xdead", [0xDE, 0xAD]),
            ("0X0102", [0x01, 0x02]),
            ("de ad:be-ef", [0xDE, 0xAD, 0xBE, 0xEF]),
            ("", []),
        ] as [(String, [UInt8])])
    func parse(text: String, bytes: [UInt8]) {
        #expect(Hex.bytes(text) == bytes)
    }

    @Test(
        "malformed hex is nil",
        arguments: ["abc", "zz", "0xg0", "12 3", "+f", "+1+2", "-1", "0x0x00"])
    func malformed(text: String) {
        #expect(Hex.bytes(text) == nil)
    }

    @Test("format and parse round-trip")
    func roundTrip() {
        let bytes = pseudoRandomBytes(257, seed: 3)
        #expect(Hex.bytes(Hex.string(bytes)) == bytes)
        #expect(Hex.bytes(Hex.string(bytes, separator: " ")) == bytes)
    }

    @Test(
        "integers parse as users write them",
        arguments: [
            ("0x10000", 65_536), ("65536", 65_536), ("64K", 65_536), ("64k", 65_536),
            ("1M", 1_048_576),
            ("0X20", 32), (" 0x20 ", 32), ("0", 0), ("0xffffffff", 0xFFFF_FFFF),
            ("18446744073709551615", UInt64.max),
        ] as [(String, UInt64)])
    func integer(text: String, value: UInt64) {
        #expect(Hex.integer(text) == value)
    }

    @Test(
        "malformed or overflowing integers are nil",
        arguments: [
            "", "0x", "K", "12Q", "-1", "0xg", "1.5K", "18446744073709551615K", "17592186044416M",
            "0x1ffffffffffffffff",
        ])
    func badInteger(text: String) {
        #expect(Hex.integer(text) == nil)
    }
}
