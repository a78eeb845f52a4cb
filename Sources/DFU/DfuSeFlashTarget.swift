import BootwireCore

/// An STM32's flash through its ROM DFU bootloader (DfuSe), for the flash pipeline. Uploads are
/// far cheaper than erase + download with their poll times, so images are compared by reading
/// them back; erase goes page by page as alt 0's layout declares them.
public final class DfuSeFlashTarget: FlashTarget {
    public let session: DfuSeSession

    public init(session: DfuSeSession) {
        self.session = session
    }

    public var identity: TargetIdentity {
        let record = session.identity.record
        // The ROM's serial string is derived from the part's unique ID (the UID itself lies
        // outside the alternates the ROM uploads from): it names the journal.
        let device = session.identity.device
        return TargetIdentity(
            name: "STM32 ROM DFU", journalKey: "dfu-\(record.ids)-\(record.serial ?? "noserial")",
            chipID: device.map { Hex.address($0.productID) }, uniqueID: record.serial, part: device?.name,
            chipIDName: "product id", flashSize: session.identity.flash?.size, via: "ROM DFU \(record.ids)")
    }

    public var memory: FlashMemory {
        // Every writable page the layout declares; `check` refuses a WB's secure area by name.
        guard let layout = session.identity.flash else { return FlashMemory(units: []) }
        return FlashMemory(units: layout.allPages.filter(\.writable).map { Int($0.start)..<Int($0.start) + $0.size })
    }

    public var comparesCheaply: Bool { false }

    /// A `.dfu` made for another USB device, the secure area, unwritable pages and addresses
    /// beyond 32 bits are refused before any erase.
    public func check(_ images: [FlashImage]) throws {
        let record = session.identity.record
        for image in images {
            // dfu-util refuses a file whose suffix names another device, with no option to
            // force it (main.c: "File ID … does not match device").
            if let madeFor = image.madeFor, !madeFor.admits(vendor: record.vendorID, product: record.productID) {
                throw BootwireError(
                    .dfuFileOtherDevice,
                    "\(image.name) was made for USB device \(madeFor), and this is \(record.ids)",
                    hint: "use the firmware built for this device; the .dfu suffix names the device it is for",
                    evidence: ["image": image.name, "file-usb": madeFor.description, "device-usb": record.ids])
            }
            guard image.end <= Int(UInt32.max) else {
                throw BootwireError(.addressOutOfRange, "\(image.name) lies beyond 32-bit addresses")
            }
            _ = try session.pages(covering: UInt32(image.address), length: image.data.count)
        }
    }

    public func holds(_ expected: [UInt8], at address: Int) throws -> Bool? {
        try session.select(0)
        return try session.read(address: UInt32(address), length: expected.count, label: "compare") == expected
    }

    public func erase(_ units: [Range<Int>]) throws {
        var pages: [DfuSeMemoryLayout.Page] = []
        for unit in units { pages += try session.pages(covering: UInt32(unit.lowerBound), length: unit.count) }
        try session.erase(pages)
    }

    public func eraseAll() throws {
        try session.select(0)
        try session.massErase()
    }

    public func program(_ image: PreparedImage) throws {
        try session.select(0)
        try session.write(image.image.data, at: UInt32(image.image.address), label: image.image.name)
    }

    public func prove(_ image: PreparedImage) throws {
        session.events(.stage("verify", detail: "upload of \(image.image.name)"))
        let back = try session.read(
            address: UInt32(image.image.address), length: image.image.data.count, label: "verify")
        try ReadBackProof.check(
            image.image, readBack: back,
            hint: "erase and flash again; if it repeats, the flash may be worn or write-protected")
    }

    /// Leaves DFU; a device that drops off the bus has left (success).
    public func run(at address: Int?) throws {
        try session.leave(at: address.map { UInt32($0) })
    }
}
