/// `0x1B4000`: how addresses, lengths and CRCs appear in error evidence, so that a user can
/// compare them with hex dumps and the vendor's logs.
func evidenceHex(_ value: some BinaryInteger) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
