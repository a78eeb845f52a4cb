/// ST's `.dfu` container (DfuSe v1.1a, UM0391; spec 5): a prefix, targets (one per alternate
/// setting) of elements (address + bytes), and the 16-byte DFU suffix with its CRC.
public struct DfuSeFile: Sendable, Equatable {
    public struct Element: Sendable, Equatable {
        public var address: UInt32
        public var bytes: [UInt8]
        public init(address: UInt32, bytes: [UInt8]) {
            self.address = address
            self.bytes = bytes
        }
    }

    public struct Target: Sendable, Equatable {
        public var alternate: UInt8
        public var name: String?
        public var elements: [Element]
        public init(alternate: UInt8, name: String? = nil, elements: [Element]) {
            self.alternate = alternate
            self.name = name
            self.elements = elements
        }
    }

    public var targets: [Target]
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceVersion: UInt16

    public init(
        targets: [Target], vendorID: UInt16 = 0x0483, productID: UInt16 = 0xDF11, deviceVersion: UInt16 = 0xFFFF
    ) {
        self.targets = targets
        self.vendorID = vendorID
        self.productID = productID
        self.deviceVersion = deviceVersion
    }

    public static let prefixMagic = Array("DfuSe".utf8)
    public static let suffixLength = 16
    public static let dfuSeVersion: UInt16 = 0x011A

    /// A DfuSe prefix at the start, or a DFU suffix ("UFD", length 16) at the end.
    public static func looksLike(_ data: [UInt8]) -> Bool {
        if data.count >= 11, Array(data[0..<5]) == prefixMagic { return true }
        guard data.count >= suffixLength else { return false }
        let s = data.count - suffixLength
        return data[s + 8] == UInt8(ascii: "U") && data[s + 9] == UInt8(ascii: "F") && data[s + 10] == UInt8(ascii: "D")
            && data[s + 11] == 16
    }

    /// The suffix CRC: reflected CRC-32 (0xEDB88320), initial 0xFFFFFFFF, no final XOR, over
    /// everything but the last four bytes, i.e. the complement of zlib's crc32.
    public static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 { ~CRC32.checksum(bytes) }

    public static func parse(_ data: [UInt8], file: String) throws -> DfuSeFile {
        func bad(_ why: String, _ evidence: [String: String] = [:]) -> BootwireError {
            BootwireError(
                .badImage, "\(file) is not a valid .dfu file: \(why)", evidence: evidence.merging(["file": file]) { $1 }
            )
        }
        func le16(_ i: Int) -> UInt16 { UInt16(data[i]) | UInt16(data[i + 1]) << 8 }
        func le32(_ i: Int) -> UInt32 { UInt32(le16(i)) | UInt32(le16(i + 2)) << 16 }
        guard data.count >= 11 + suffixLength else { throw bad("it is too short") }
        let s = data.count - suffixLength
        guard data[s + 8] == UInt8(ascii: "U"), data[s + 9] == UInt8(ascii: "F"), data[s + 10] == UInt8(ascii: "D"),
            data[s + 11] == 16
        else { throw bad("it has no DFU suffix (UFD)") }
        let stored = le32(s + 12)
        let computed = crc(data[..<(data.count - 4)])
        guard stored == computed else {
            throw bad(
                "the suffix CRC is wrong",
                ["stored": "0x" + String(stored, radix: 16), "computed": "0x" + String(computed, radix: 16)])
        }
        guard le16(s + 6) == dfuSeVersion else {
            throw bad(
                "bcdDFU is 0x\(String(le16(s + 6), radix: 16)), not DfuSe's 0x011a (a plain DFU file has no addresses)")
        }
        guard Array(data[0..<5]) == prefixMagic, data[5] == 1 else { throw bad("it has no DfuSe prefix") }
        guard Int(le32(6)) == s else {
            throw bad("the prefix's image size \(le32(6)) is not the file size without suffix \(s)")
        }
        var targets: [Target] = []
        var offset = 11
        for index in 0..<Int(data[10]) {
            guard offset + 274 <= s, Array(data[offset..<offset + 6]) == Array("Target".utf8) else {
                throw bad("target \(index) has no Target prefix", ["offset": "\(offset)"])
            }
            let alternate = data[offset + 6]
            let named = le32(offset + 7) != 0
            let nameBytes = data[(offset + 11)..<(offset + 266)].prefix { $0 != 0 }
            let size = Int(le32(offset + 266))
            let count = Int(le32(offset + 270))
            offset += 274
            guard offset + size <= s else { throw bad("target \(index) runs past the end") }
            let end = offset + size
            var elements: [Element] = []
            for e in 0..<count {
                guard offset + 8 <= end else { throw bad("element \(e) of target \(index) runs past its target") }
                let address = le32(offset)
                let length = Int(le32(offset + 4))
                offset += 8
                guard offset + length <= end else { throw bad("element \(e) of target \(index) runs past its target") }
                elements.append(Element(address: address, bytes: Array(data[offset..<offset + length])))
                offset += length
            }
            guard offset == end else { throw bad("target \(index)'s size disagrees with its elements") }
            targets.append(
                Target(
                    alternate: alternate, name: named ? String(decoding: nameBytes, as: UTF8.self) : nil,
                    elements: elements))
        }
        guard offset == s else { throw bad("\(s - offset) bytes follow the last target") }
        return DfuSeFile(targets: targets, vendorID: le16(s + 4), productID: le16(s + 2), deviceVersion: le16(s))
    }

    public var bytes: [UInt8] {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
        var body: [UInt8] = []
        for target in targets {
            let elements = target.elements.flatMap { le32($0.address) + le32(UInt32($0.bytes.count)) + $0.bytes }
            var name = Array((target.name ?? "").utf8.prefix(254))
            name += [UInt8](repeating: 0, count: 255 - name.count)
            body += Array("Target".utf8) + [target.alternate] + le32(target.name == nil ? 0 : 1) + name
            body += le32(UInt32(elements.count)) + le32(UInt32(target.elements.count)) + elements
        }
        var file = Self.prefixMagic + [1] + le32(UInt32(11 + body.count)) + [UInt8(targets.count)] + body
        file += le16(deviceVersion) + le16(productID) + le16(vendorID) + le16(Self.dfuSeVersion)
        file += Array("UFD".utf8) + [16]
        return file + le32(Self.crc(file[...]))
    }

    /// Alt 0 (internal flash) as a plan; images for other alternate settings are refused
    /// rather than silently dropped.
    public func plan(file: String) throws -> FlashPlan {
        if let other = targets.first(where: { $0.alternate != 0 && !$0.elements.isEmpty }) {
            throw BootwireError(
                .dfuFileOtherAlt,
                "\(file) holds an image for alternate setting \(other.alternate)\(other.name.map { " (\($0))" } ?? ""), not internal flash",
                hint: "Bootwire flashes alt 0 only; option bytes and OTP are changed with their own commands",
                evidence: ["file": file, "alternate": "\(other.alternate)"])
        }
        let segments = targets.flatMap(\.elements).filter { !$0.bytes.isEmpty }.enumerated().map { index, element in
            Segment(
                address: UInt64(element.address), bytes: element.bytes,
                origin: Origin(file: file, location: .segment(index)))
        }
        var plan = try FlashPlan(segments: segments)
        plan.madeFor = USBDeviceID(vendor: vendorID, product: productID)
        return plan
    }
}
