/// The main flash as the bootloader numbers it: equal pages, one or two banks, bank 2's pages
/// numbered after bank 1's (bank-2 page k is `pagesPerBank + k`, spec section 5). Page numbers
/// name physical pages (FLASH_CR's bank bit plus page); addresses name what the CPU sees, which
/// on L4 with BFB2 set is bank 2 at the flash base.
public struct STM32FlashGeometry: Sendable, Equatable, CustomStringConvertible {
    public var base: UInt32
    public var pageSize: Int
    public var bankSize: Int
    public var bankCount: Int
    /// L4 BFB2: bank 2 appears at `base`, bank 1 after it.
    public var banksSwapped: Bool
    /// WB: pages from this one up hold the FUS and the wireless stack; no access.
    public var firstSecurePage: Int?

    public init(
        base: UInt32, pageSize: Int, bankSize: Int, bankCount: Int, banksSwapped: Bool = false,
        firstSecurePage: Int? = nil
    ) {
        self.base = base
        self.pageSize = pageSize
        self.bankSize = bankSize
        self.bankCount = bankCount
        self.banksSwapped = banksSwapped && bankCount == 2
        self.firstSecurePage = firstSecurePage
    }

    public var size: Int { bankSize * bankCount }
    public var pagesPerBank: Int { bankSize / pageSize }
    public var pageCount: Int { size / pageSize }
    public var range: STM32MemoryRange { STM32MemoryRange(base, size: size) }
    /// Bytes a host may read, write and erase: all of flash, less a WB's secure top.
    public var accessibleSize: Int { min(size, (firstSecurePage ?? pageCount) * pageSize) }

    /// Offset into the physical flash (bank 1, then bank 2) of the byte at `address`.
    public func physicalOffset(of address: UInt32) -> Int? {
        guard range.contains(address) else { return nil }
        let offset = Int(address - base)
        guard banksSwapped else { return offset }
        return offset < bankSize ? offset + bankSize : offset - bankSize
    }

    /// The address at which the CPU sees a physical offset.
    public func address(ofPhysicalOffset offset: Int) -> UInt32 {
        guard banksSwapped else { return base + UInt32(offset) }
        return base + UInt32(offset < bankSize ? offset + bankSize : offset - bankSize)
    }

    /// The bootloader's page number for the page that holds `address`.
    public func page(containing address: UInt32) -> Int? {
        physicalOffset(of: address).map { $0 / pageSize }
    }

    /// Pages that [address, address + length) touches, in address order, each once.
    public func pages(covering address: UInt32, length: Int) -> [Int] {
        guard length > 0 else { return [] }
        var pages: [Int] = []
        var at = UInt64(address) / UInt64(pageSize) * UInt64(pageSize)
        let end = UInt64(address) + UInt64(length)
        while at < end {
            if at <= UInt64(UInt32.max), let page = page(containing: UInt32(at)), !pages.contains(page) {
                pages.append(page)
            }
            at += UInt64(pageSize)
        }
        return pages
    }

    /// 1 or 2.
    public func bank(ofPage page: Int) -> Int { page / pagesPerBank + 1 }

    public func physicalRange(ofPage page: Int) -> Range<Int> { (page * pageSize)..<((page + 1) * pageSize) }

    public func isValid(page: Int) -> Bool { page >= 0 && page < pageCount }

    /// False for a WB's secure pages.
    public func isAccessible(page: Int) -> Bool { isValid(page: page) && page < (firstSecurePage ?? pageCount) }

    /// Bank 1 or 2's pages.
    public func pages(ofBank bank: Int) -> Range<Int> { ((bank - 1) * pagesPerBank)..<(bank * pagesPerBank) }

    public var description: String {
        let kib = size >> 10
        var text = "\(kib) KiB, \(pageCount) pages of \(pageSize >> 10) KiB"
        if bankCount == 2 {
            text += " in 2 banks" + (banksSwapped ? " (swapped: bank 2 at 0x\(String(base, radix: 16)))" : "")
        }
        if let secure = firstSecurePage, secure < pageCount { text += ", secure from page \(secure)" }
        return text
    }
}

extension STM32Device {
    /// The flash geometry of a part with `flashSize` bytes (the FLASH_SIZE register) under these
    /// option bytes (L4 DUALBANK and BFB2, G4 DBANK; WB SFSA), by the row's `bankRule`.
    public func geometry(flashSize: Int? = nil, options: STM32OptionBytes? = nil) -> STM32FlashGeometry {
        let size = flashSize.flatMap { $0 > 0 && $0 <= maxFlashSize ? $0 : nil } ?? self.flashSize
        let (bankCount, pageSize) = bankRule.layout(size: size, pageSize: pageSize, optionSet: options?.dualBank)
        // A bank of whole pages.
        let bankSize = size / bankCount / pageSize * pageSize
        return STM32FlashGeometry(
            base: flashBase, pageSize: pageSize, bankSize: bankSize, bankCount: bankCount,
            banksSwapped: options?.bootFromBank2 == true,
            firstSecurePage: options?.secureFlashStartPage)
    }
}
