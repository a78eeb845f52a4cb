import BootwireCore

/// What `bootwire info` reports about a connected module: boot ROM, flash, eFuse, and what is
/// in flash (the partition table at 0xE000 and the boot header of each image found).
public struct ModuleInfo: Sendable, Encodable {
    public struct Image: Sendable, Encodable {
        public var partition: String
        public var address: String
        public var codeLength: Int
        public var signed: Bool
        public var keyHash: String?
        /// The key is the one the module's eFuse trusts.
        public var keyTrusted: Bool?
        /// The version text the image holds (`FirmwareMarker`), when it was read and has one.
        public var firmware: FirmwareMarker?
    }

    public struct Partition: Sendable, Encodable {
        public var name: String
        public var type: Int
        public var address: String
        public var maxLength: Int
    }

    public var bootROM: String
    public var chip: String
    public var chipID: String
    public var mac: String
    public var flashPin: String
    public var bootROMFlags: [String]
    public var jedecID: String
    public var flashSize: Int
    public var baud: Int
    public var signedBootRequired: Bool
    public var keyHash: String?
    public var jtagDisabled: Bool
    public var keySlotsWriteLocked: Bool
    public var antiRollback: Bool
    public var customerMACs: [String]
    public var partitionTable: [Partition]?
    public var partitionTableProblem: String?
    public var images: [Image]

    public static let partitionTableAddress = 0xE000

    /// `firmware`: also read each image (header and code) for its version text, until found:
    /// up to its whole length, seconds over a real UART, so only when asked.
    public static func gather(from session: QCC743Session, firmware: Bool = false) throws -> ModuleInfo {
        let identity = session.identity
        let efuse = EfuseSummary(try session.readEfuse())
        func mac(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: ":") }
        var info = ModuleInfo(
            bootROM: identity.bootInfo.romVersion, chip: identity.bootInfo.chipFamily ?? "unknown",
            chipID: identity.bootInfo.chipID, mac: mac(identity.mac.reversed()),
            flashPin: String(format: "0x%02x", identity.bootInfo.flashPin),
            bootROMFlags: EfuseSummary(BootInfoEfuse.swUsage0(identity.bootInfo.swUsage0)).softwareUsage0Set,
            jedecID: Hex.string(identity.jedecID.prefix(3)), flashSize: identity.flashSize, baud: identity.loadBaud,
            signedBootRequired: identity.bootInfo.signedBootRequired || efuse.signatureRequired,
            keyHash: efuse.keyHashPresent ? Hex.string(efuse.keyHash) : nil, jtagDisabled: efuse.jtagDisabled,
            keySlotsWriteLocked: efuse.keySlot0WriteLocked && efuse.keySlot1WriteLocked,
            antiRollback: efuse.antiRollbackEnabled,
            customerMACs: [efuse.customerMAC1, efuse.customerMAC2].filter { $0.contains { $0 != 0 } }.map(mac),
            partitionTable: nil, partitionTableProblem: nil, images: [])

        var places: [(String, Int)] = [("boot2", 0)]
        let head = try session.read(address: partitionTableAddress, length: 16, label: "partition table")
        let count = Int(LE.u16(head, at: 6))
        if head.starts(with: PartitionTable.magic), count <= 64 {
            let bytes = try session.read(
                address: partitionTableAddress,
                length: PartitionTable.headerSize + PartitionTable.entrySize * count + 4,
                label: "partition table")
            do {
                let table = try PartitionTable.parse(bytes)
                info.partitionTable = table.entries.map {
                    Partition(
                        name: $0.name, type: Int($0.type), address: "0x\(String($0.address, radix: 16))",
                        maxLength: Int($0.maxLength))
                }
                places += table.entries.filter { $0.address != 0 }.map { ($0.name, Int($0.address)) }
            } catch {
                info.partitionTableProblem = BootwireError.wrap(error).message
            }
        } else {
            info.partitionTableProblem = "no partition table (BFPT) at 0xE000"
        }
        for (name, address) in places where address + 0x200 <= identity.flashSize {
            let bytes = try session.read(address: address, length: 0x200, label: "boot header")
            guard bytes.starts(with: BootHeader.magic), let header = try? BootHeader.parse(bytes) else { continue }
            let keyHash = header.publicKeyHash
            info.images.append(
                Image(
                    partition: name, address: "0x\(String(address, radix: 16))",
                    codeLength: Int(header.imageLengthOrSegmentCount), signed: header.isSigned,
                    keyHash: keyHash.map { Hex.string($0) },
                    keyTrusted: keyHash.map { efuse.keyHashPresent ? $0 == efuse.keyHash : false }))
            if firmware {
                let length = min(header.bodyRange.upperBound, identity.flashSize - address)
                let marker = try FirmwareMarker.scan(address: address, length: length) {
                    try session.read(address: $0, length: $1, label: "firmware version (\(name))")
                }
                info.images[info.images.count - 1].firmware = marker
            }
        }
        return info
    }
}

/// A 512-byte eFuse image holding only sw_usage_0, to name its bits with EfuseSummary.
enum BootInfoEfuse {
    static func swUsage0(_ value: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: EfuseMap.size)
        bytes.replaceSubrange(EfuseMap.swUsage0..<(EfuseMap.swUsage0 + 4), with: LE.u32(value))
        return bytes
    }
}
