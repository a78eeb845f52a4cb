/// Reads ELF fields in the file's own byte order. Callers check bounds first, so a field read
/// never traps on a malformed file.
struct ELFFields {
    let bytes: [UInt8]
    let bigEndian: Bool
    let is64Bit: Bool

    func u16(_ offset: Int) -> UInt64 { read(offset, 2) }
    func u32(_ offset: Int) -> UInt64 { read(offset, 4) }
    func u64(_ offset: Int) -> UInt64 { read(offset, 8) }
    /// An address or offset: 4 bytes in ELF32, 8 in ELF64.
    func word(_ offset: Int) -> UInt64 { read(offset, is64Bit ? 8 : 4) }

    private func read(_ offset: Int, _ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[bigEndian ? offset + i : offset + size - 1 - i])
            value = value << 8 | byte
        }
        return value
    }
}

/// Where the fields this reader needs sit, per class (System V gABI, "ELF Header" and
/// "Program Header").
struct ELFLayout {
    let headerSize: Int
    let entry: Int
    let phoff: Int
    let phentsize: Int
    let phnum: Int
    /// Smallest program header that holds every field read below.
    let phdrSize: Int
    let pOffset: Int
    let pVaddr: Int
    let pPaddr: Int
    let pFilesz: Int
    let pMemsz: Int

    static let elf32 = ELFLayout(
        headerSize: 52, entry: 24, phoff: 28, phentsize: 42, phnum: 44,
        phdrSize: 32, pOffset: 4, pVaddr: 8, pPaddr: 12, pFilesz: 16, pMemsz: 20)
    static let elf64 = ELFLayout(
        headerSize: 64, entry: 24, phoff: 32, phentsize: 54, phnum: 56,
        phdrSize: 56, pOffset: 8, pVaddr: 16, pPaddr: 24, pFilesz: 32, pMemsz: 40)
}
