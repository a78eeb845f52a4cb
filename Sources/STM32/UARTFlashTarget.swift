import BootwireCore

/// An STM32's flash through its system bootloader over UART (AN3155), for the flash pipeline.
/// Comparing needs Get Checksum (0xA1), which only some bootloaders list; erase goes by page
/// numbers in one Extended Erase; proof is Get Checksum or a read-back.
public final class UARTFlashTarget: FlashTarget {
    public let session: STM32Session
    private let port: String

    public init(session: STM32Session, port: String) {
        self.session = session
        self.port = port
    }

    public var identity: TargetIdentity {
        let device = session.identity
        let unique = device.uniqueID.map(STM32UniqueID.text)
        // The unique ID where it reads (the same part on any route shares its journal); a
        // protected part's journal falls back to product id and port.
        return TargetIdentity(
            name: "\(device.name) system bootloader",
            journalKey: unique.map { "stm32-\($0)" } ?? "stm32-\(Hex.address(device.productID))-\(port)",
            chipID: Hex.address(device.productID), baud: device.baud, uniqueID: unique, part: device.name,
            chipIDName: "product id", flashSize: device.flashSize,
            via: "system bootloader v\(device.bootloaderVersionText)")
    }

    public var memory: FlashMemory {
        guard let geometry = session.identity.geometry else { return FlashMemory(units: []) }
        return FlashMemory(
            units: (0..<geometry.pageCount).filter(geometry.isAccessible(page:)).map { page in
                let address = Int(geometry.address(ofPhysicalOffset: page * geometry.pageSize))
                return address..<address + geometry.pageSize
            })
    }

    public var comparesCheaply: Bool { false }

    public func check(_ images: [FlashImage]) throws {
        guard session.identity.geometry != nil else {
            throw BootwireError(
                .unexpectedChip,
                "the flash layout of \(session.identity.name) (product id \(Hex.address(session.identity.productID))) is not known",
                hint: "flash it with --erase none after erasing it another way, or report the part")
        }
    }

    /// Get Checksum (0xA1) where the bootloader lists it; reading back costs as much as writing.
    public func holds(_ expected: [UInt8], at address: Int) throws -> Bool? {
        guard session.identity.lists(.getChecksum), address % 4 == 0 else { return nil }
        let padded = expected + [UInt8](repeating: 0xFF, count: (4 - expected.count % 4) % 4)
        return try session.checksum(address: UInt32(address), length: padded.count) == STM32CRC.checksum(padded)
    }

    /// Every page in one Extended Erase where the bootloader allows.
    public func erase(_ units: [Range<Int>]) throws {
        guard let geometry = session.identity.geometry else { return }
        var pages: [Int] = []
        for unit in units {
            for page in geometry.pages(covering: UInt32(unit.lowerBound), length: unit.count)
            where !pages.contains(page) {
                pages.append(page)
            }
        }
        try session.erase(pages: pages)
    }

    public func eraseAll() throws { try session.massErase() }

    public func program(_ image: PreparedImage) throws {
        try session.write(image.image.data, at: UInt32(image.image.address), label: image.image.name)
    }

    /// Get Checksum where the bootloader lists it and the address is word-aligned (as `verify` decides).
    public func proof(of image: FlashImage) -> FlashProof {
        session.checksumProves(at: UInt32(truncatingIfNeeded: image.address)) ? .checksum : .readBack
    }

    public func prove(_ image: PreparedImage) throws {
        try session.verify(image.image.data, at: UInt32(image.image.address))
    }

    public func run(at address: Int?) throws {
        try session.go(address: address.map { UInt32($0) })
    }
}
