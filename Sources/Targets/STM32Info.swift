import BootwireCore
import STM32
import STM32SWD

/// What `info` found on an STM32, on any route, as typed values: the CLI renders it as a table
/// or as JSON, tests read its fields. A route fills what it can read (the probe and core over
/// SWD, the bootloader over UART, the USB interface over DFU); the rest stays nil or empty.
/// Addresses and register values are numbers here; only the renderers turn them into hex.
public struct STM32Info: Sendable, Equatable, Codable {
    /// The catalogue's name of the part; nil when the part is not in the catalogue.
    public var part: String?
    /// DBGMCU DEV_ID over SWD, the product id (the same number) over UART; nil over DFU.
    public var deviceID: UInt16?
    /// DBGMCU REV_ID (SWD only).
    public var revisionID: UInt16?
    /// Bytes of main flash (FLASH_SIZE, or what the DFU layout declares); nil when unread.
    public var flashSize: Int?
    /// The erase units of the main flash, in address order.
    public var flash: FlashMap?
    public var bootloader: Bootloader?
    public var probe: Probe?
    public var core: Core?
    public var usb: USBInterface?
    public var readoutProtection: STM32ReadoutProtection?
    /// Option fields in the order the part's table lists them, each with its register position.
    public var options: [OptionValue] = []
    /// Write-protected pages in the bootloader's numbering (bank 2's after bank 1's).
    public var writeProtectedPages: [PageRange] = []
    /// Option values stored next to a complement that does not match it (their addresses).
    public var complementMismatches: [UInt32] = []

    public init() {}

    /// Runs of equal erase units (pages or sectors) of one bank, in address order.
    public struct FlashMap: Sendable, Equatable, Codable {
        /// What the controller (or bootloader) calls an erase unit.
        public enum Unit: String, Sendable, Codable {
            case page, sector
        }
        public var unit: Unit
        public var base: UInt32
        public var size: Int
        public var bankCount: Int
        public var runs: [UnitRun]
        /// WB: pages from this one up, at this address, are CPU2's (not listed in `runs`).
        public var firstSecurePage: Int?
        public var secureAddress: UInt32?

        /// Bank 2 at the flash base (L4 BFB2 after the ROM swapped, H5/H7 SWAP_BANK).
        public var banksSwapped: Bool { runs.first?.bank == 2 }
    }

    /// `count` units of `unitSize` bytes from `address`, numbered `first`… within `bank`.
    public struct UnitRun: Sendable, Equatable, Codable {
        public var bank: Int
        public var first: Int
        public var count: Int
        public var address: UInt32
        public var unitSize: Int
    }

    /// The UART bootloader (AN3155): its version byte and the commands Get listed.
    public struct Bootloader: Sendable, Equatable, Codable {
        public var version: UInt8
        public var commands: [UInt8]
        public var text: String { "\(version >> 4).\(version & 0xF)" }
    }

    public struct Probe: Sendable, Equatable, Codable {
        public var name: String
        public var firmware: String
        public var serial: String?
        /// Volts at the target's VREF pin, when the probe measures it.
        public var voltage: Double?
        public var clockKHz: Int
        /// How the core was reached (`normal`, `under reset`, and any lowered clock).
        public var connected: String
    }

    public struct Core: Sendable, Equatable, Codable {
        public var name: String
        public var cpuid: UInt32
        public var dpidr: UInt32
    }

    /// The DfuSe interface: USB identity, DFU functional descriptor, alternate settings.
    public struct USBInterface: Sendable, Equatable, Codable {
        public var vendorID: UInt16
        public var productID: UInt16
        public var node: String
        public var product: String?
        public var serial: String?
        public var dfuVersion: UInt16
        public var transferSize: Int
        public var attributes: [String]
        public var alternates: [Alternate]
    }

    /// One alternate setting: its name and page runs, or the raw string when it is not a DfuSe layout.
    public struct Alternate: Sendable, Equatable, Codable {
        public var number: UInt8
        public var name: String
        public var segments: [Segment]
        /// True when the interface string parsed as a DfuSe layout.
        public var parsed: Bool
    }

    public struct Segment: Sendable, Equatable, Codable {
        public var address: UInt32
        public var count: Int
        public var pageSize: Int
        public var readable: Bool
        public var erasable: Bool
        public var writable: Bool
    }

    /// One option field: its name, where it sits (register, address, bits) and its value.
    public struct OptionValue: Sendable, Equatable, Codable {
        public var name: String
        /// The register's name where the route knows it (SWD); the bootloader routes address bytes.
        public var register: String?
        public var address: UInt32
        public var shift: Int
        public var width: Int
        public var value: UInt32
        /// What the value means (`level 0`, `pages 0-7 of bank 1`, `none`); nil for plain numbers.
        public var meaning: String?
    }

    public struct PageRange: Sendable, Equatable, Codable {
        public var first: Int
        public var last: Int
    }
}

extension STM32Info.FlashMap {
    /// Consecutive units of one bank and one size, contiguous in address and number, make one run.
    init(_ layout: SWDFlashLayout, unit: Unit) {
        var runs: [STM32Info.UnitRun] = []
        for unit in layout.sectors {
            if let last = runs.last, last.bank == unit.bank, last.unitSize == unit.size,
                last.first + last.count == unit.number,
                UInt64(last.address) + UInt64(last.count * last.unitSize) == UInt64(unit.address)
            {
                runs[runs.count - 1].count += 1
            } else {
                runs.append(
                    STM32Info.UnitRun(
                        bank: unit.bank, first: unit.number, count: 1, address: unit.address, unitSize: unit.size))
            }
        }
        self.init(unit: unit, base: layout.base, size: layout.size, bankCount: layout.bankCount, runs: runs)
    }

    /// The bootloader's pages (UART, DFU).
    init(_ geometry: STM32FlashGeometry) {
        self.init(SWDFlashLayout(geometry), unit: .page)
        // The layout leaves a WB's secure pages out; the map's size is the whole flash.
        size = geometry.size
        base = geometry.base
        bankCount = geometry.bankCount
        if let secure = geometry.firstSecurePage, secure < geometry.pageCount {
            firstSecurePage = secure
            secureAddress = geometry.address(ofPhysicalOffset: secure * geometry.pageSize)
        }
    }
}

extension STM32FlashControllerSpec {
    /// What this controller erases: the F4 and H7 patterns erase sectors, the L4 pattern pages.
    var eraseUnit: STM32Info.FlashMap.Unit {
        switch kind {
        case .f4, .sector: .sector
        case .l4, .page, .unsupported: .page
        }
    }
}

extension STM32Info {
    /// The bootloader routes' option bytes (UART Read Memory, DFU UPLOAD) field by field, through
    /// the family's field table, and the pages they write-protect.
    mutating func add(_ options: STM32OptionBytes, geometry: STM32FlashGeometry?) {
        readoutProtection = options.readoutProtection
        complementMismatches = options.complementMismatches
        let fields = options.fields
        func row(_ name: String, _ field: STM32OptionField?, meaning: (UInt32) -> String? = { _ in nil }) {
            guard let field, field.area < options.ranges.count else { return }
            let value = options.value(field)
            self.options.append(
                OptionValue(
                    name: name, register: nil, address: options.ranges[field.area].start + UInt32(field.offset),
                    shift: field.shift, width: field.width, value: value, meaning: meaning(value)))
        }
        let rdpName = fields.rdpCodes == .h5 ? SWDOptionField.productState.name : SWDOptionField.rdp.name
        row(rdpName, fields.rdp) { "level \(fields.rdpCodes.level($0).rawValue)" }
        row("user", fields.user)
        row(fields.dualBankName.lowercased(), fields.dualBank)
        row(fields.bankSwapName.lowercased(), fields.bootFromBank2)
        row(SWDOptionField.sfsa.name, fields.secureStart)
        row(SWDOptionField.fsd.name, fields.secureDisabled)
        switch fields.writeProtection {
        case .bits(let offsets):
            for (index, offset) in offsets.enumerated() {
                row("wrp\(index)", STM32OptionField(offset: offset, width: 8))
            }
        case .areas(let slots):
            // The slots in the order of the WRP1A, WRP1B, WRP2A, WRP2B fields.
            let names = SWDOptionField.wrpAreas(banks: 2, width: 8)
            for (slot, field) in zip(slots, names) {
                row(field.name, STM32OptionField(area: slot.area, offset: slot.offset, width: 32)) { word in
                    STM32WRPArea.pages(word).map { "pages \($0.lowerBound)-\($0.upperBound) of bank \(slot.bank)" }
                        ?? "none"
                }
            }
        case .none:
            break
        }
        if let geometry {
            writeProtectedPages = options.writeProtectedPages(geometry).map {
                PageRange(first: $0.lowerBound, last: $0.upperBound)
            }
        }
    }

    /// The SWD route's option registers, field by field with each register's address.
    mutating func add(_ options: SWDOptionBytes) {
        readoutProtection = options.readoutProtection
        let addresses = Dictionary(options.addresses.map { ($0.register, $0.address) }) { first, _ in first }
        self.options = options.fields.map { field in
            let value = options.raw(field)
            let meaning: String? =
                switch field.kind {
                case .flag, .number: nil
                default: options.text(field)
                }
            return OptionValue(
                name: field.name, register: field.register.name, address: addresses[field.register] ?? 0,
                shift: field.shift, width: field.width, value: value, meaning: meaning)
        }
    }
}
