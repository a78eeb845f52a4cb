import Foundation

/// Bytes that go to one flash address, named for events, errors and reports. Every route flashes
/// a list of these, so the checks below hold on every route.
public struct FlashImage: Sendable, Equatable {
    public var name: String
    public var address: Int
    public var data: [UInt8]
    /// The USB device its file was made for (a `.dfu` suffix), for the route to compare.
    public var madeFor: USBDeviceID?

    public init(name: String, address: Int, data: [UInt8], madeFor: USBDeviceID? = nil) {
        self.name = name
        self.address = address
        self.data = data
        self.madeFor = madeFor
    }

    public var end: Int { address + data.count }
    public var range: Range<Int> { address..<end }

    /// Each segment of an image file (HEX, S-record, ELF, .dfu, or a raw binary at `address`)
    /// as one image, named after the file.
    public static func load(path: String, address: UInt64?, exampleAddress: UInt64 = 0x0800_0000) throws
        -> [FlashImage]
    {
        let plan = try ImageLoader.load(path: path, address: address, exampleAddress: exampleAddress)
        let name = (path as NSString).lastPathComponent
        return plan.segments.enumerated().map { index, segment in
            FlashImage(
                name: plan.segments.count == 1 ? name : "\(name)#\(index + 1)",
                address: Int(clamping: segment.address), data: segment.bytes, madeFor: plan.madeFor)
        }
    }

    /// A raw file that a config names (an ini section): missing, a folder, unreadable or empty
    /// are refused here, before any port opens, exactly as on the command line.
    public static func readRaw(path: String, what: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BootwireError(
                .fileNotFound, "\(what) \(path) does not exist",
                hint: "check the path (relative paths start in \(FileManager.default.currentDirectoryPath))",
                evidence: ["path": path])
        }
        guard !isDirectory.boolValue else {
            throw BootwireError(
                .badImage, "\(what) \(path) is a folder, not a file", hint: "name the image file inside it",
                evidence: ["path": path])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BootwireError(
                .fileNotFound, "\(what) \(path) cannot be read", hint: "check its permissions", evidence: ["path": path]
            )
        }
        guard !data.isEmpty else {
            throw BootwireError(
                .badImage, "\(what) \(path) is empty: flashing nothing is never intended",
                hint: "check the file was built; remove the entry if it is not needed", evidence: ["path": path])
        }
        return [UInt8](data)
    }

    /// Refuses an image that reaches into a hole between the flash's units (STM32H74x/H75x with
    /// 1 MiB: nothing at 0x08080000–0x080FFFFF, bank 2 at 0x08100000), before any byte is read.
    public static func refuseGaps(_ images: [FlashImage], in memory: FlashMemory) throws {
        for image in images {
            var at = image.address
            for unit in memory.units(covering: image.address..<image.end) where unit.lowerBound <= at {
                at = max(at, unit.upperBound)
            }
            guard at < image.end else { continue }
            throw BootwireError(
                .imageTooLarge,
                "\(image.name) (\(Hex.address(image.address))..\(Hex.address(image.end))) reaches "
                    + "\(Hex.address(at)), where the part has no flash",
                hint: "check the image's address and size against the part's flash (`bootwire info` lists its banks)",
                evidence: ["image": image.name, "start": Hex.address(image.address), "end": Hex.address(image.end)])
        }
    }

    /// Checks that need no device beyond the flash's range: something to write, none empty,
    /// each inside the flash, none overlapping. Sorted by address on return.
    public static func validated(_ images: [FlashImage], flash: Range<Int>?) throws -> [FlashImage] {
        guard !images.isEmpty else {
            throw BootwireError(
                .usage, "nothing to flash", hint: "name images as FILE@ADDRESS (or HEX/ELF files), or pass --config INI"
            )
        }
        if let empty = images.first(where: { $0.data.isEmpty }) {
            throw BootwireError(
                .badImage, "\(empty.name) is empty: flashing nothing is never intended",
                hint: "check the file was built", evidence: ["image": empty.name])
        }
        let sorted = images.sorted { $0.address < $1.address }
        if let flash {
            for image in sorted where image.address < flash.lowerBound || image.end > flash.upperBound {
                throw BootwireError(
                    .imageTooLarge,
                    "\(image.name) (\(Hex.address(image.address))..\(Hex.address(image.end))) is not inside the flash "
                        + "(\(Hex.address(flash.lowerBound))..\(Hex.address(flash.upperBound)))",
                    hint: "check the image's address and size against the part's flash",
                    evidence: ["image": image.name, "start": Hex.address(image.address), "end": Hex.address(image.end)])
            }
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.address < a.end {
            throw BootwireError(
                .imageOverlap,
                "\(a.name) ends at \(Hex.address(a.end)), after \(b.name) begins at \(Hex.address(b.address))",
                hint: "each address may be written by one image only: move one of them or shorten the first",
                evidence: ["first": a.name, "second": b.name])
        }
        return sorted
    }
}
