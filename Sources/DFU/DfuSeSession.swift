import BootwireCore
import Foundation
import STM32
import USB

/// One connection to an ST ROM DFU bootloader: select a memory, point, erase, download, upload,
/// unprotect, option bytes, leave. Blocking; events go to `events`, never to a terminal.
public final class DfuSeSession: @unchecked Sendable {
    public let client: DFUClient
    public private(set) var identity: DfuSeIdentity
    public let events: EventSink
    private var alternate: UInt8?
    /// The bus the device was found on: after a command that resets the part, it is found there again.
    private var bus: (any USBBus)?
    /// How long a reset may keep the device away before a result is confirmed.
    public var resetLimit: Duration = .seconds(15)

    init(client: DFUClient, identity: DfuSeIdentity, events: @escaping EventSink) {
        self.client = client
        self.identity = identity
        self.events = events
    }

    public var transferSize: Int { Int(identity.functional.transferSize) }

    /// Opens and claims the DFU interface, reads every alt's layout and, where there is an
    /// option-byte alt, the option bytes.
    public static func connect(bus: any USBBus, record: USBDeviceRecord, events: @escaping EventSink) throws
        -> DfuSeSession
    {
        guard
            let interface = record.configuration?.interfaces.first(where: {
                $0.interfaceClass == 0xFE && $0.subclass == 0x01
            })
        else {
            throw BootwireError(
                .dfuNotDfuSe, "\(record.ids) has no DFU interface",
                hint: "put the chip in its ROM bootloader (BOOT0 high, reset) and try again",
                evidence: ["usb": record.ids])
        }
        let handle = try bus.openDiagnosed(record, interface: interface.number)
        let client = DFUClient(handle: handle, interface: interface.number)
        do {
            let alts = record.configuration?.interfaces.filter { $0.number == interface.number } ?? []
            guard
                let functional = alts.lazy.flatMap(\.extra).compactMap(DFUFunctionalDescriptor.init(bytes:)).first
            else {
                throw BootwireError(
                    .dfuNotDfuSe, "\(record.ids) has no DFU functional descriptor", evidence: ["usb": record.ids])
            }
            guard functional.isDfuSe else {
                throw BootwireError(
                    .dfuNotDfuSe,
                    "\(record.ids) speaks DFU 0x\(String(functional.dfuVersion, radix: 16)), not ST's DfuSe (0x011A)",
                    hint: "Bootwire's DFU path is for the STM32 ROM bootloader",
                    evidence: ["bcdDFU": "\(functional.dfuVersion)"])
            }
            var alternates: [DfuSeIdentity.Alternate] = []
            for alt in alts.sorted(by: { $0.alternate < $1.alternate }) {
                let text =
                    try client.usb("reading the name of alt \(alt.alternate)") { try handle.string(alt.nameIndex) }
                    ?? ""
                alternates.append(.init(number: alt.alternate, text: text, layout: try? DfuSeMemoryLayout(text)))
            }
            var identity = DfuSeIdentity(record: record, functional: functional, alternates: alternates)
            let session = DfuSeSession(client: client, identity: identity, events: events)
            if let alternate = identity.optionBytesAlternate, let options = alternate.layout {
                let regions = DfuSePart.regions(options)
                identity.device = DfuSePart.device(optionRegions: regions, flash: identity.flash)
                identity.optionBytes = try session.readOptionBytes(
                    alternate: alternate.number, regions: regions, device: identity.device)
            }
            session.identity = identity
            session.bus = bus
            try session.select(0)
            return session
        } catch {
            handle.close()
            throw error
        }
    }

    public func close() { client.handle.close() }

    /// Reads exactly the regions the option-byte alt declares. The option bytes are information
    /// at connect (protection, banks): a refused read becomes a note, never a failed connection.
    func readOptionBytes(alternate: UInt8, regions: [STM32MemoryRange], device: STM32Device?) throws
        -> STM32OptionBytes?
    {
        var areas: [[UInt8]] = []
        do {
            try select(alternate)
            for region in regions { areas.append(try read(address: region.start, length: region.size)) }
        } catch let error as BootwireError where error.code != .deviceDisconnected {
            events(
                .note(
                    .warning(
                        .optionBytesUnreadable,
                        "the option bytes were not readable (\(error.message)); protection and banks are not known")))
            // The refused upload left the device in dfuERROR; the next select's prepare clears it.
            return nil
        }
        guard let device else {
            events(
                .note(
                    .info(
                        "no part in Bootwire's table declares option bytes at "
                            + regions.map(\.description).joined(separator: ", ") + ": they are not decoded")))
            return nil
        }
        return STM32OptionBytes(device: device, areas: areas)
    }

    /// SET_INTERFACE to the memory `number`, then prepare.
    public func select(_ number: UInt8) throws {
        if alternate != number {
            try client.usb("selecting alt \(number)") {
                try client.handle.setAlternateSetting(interface: client.interface, alternate: number)
            }
            alternate = number
        }
        try client.prepare()
    }

    func command(_ bytes: [UInt8], _ what: String, address: UInt32?, wait: DFUClient.Wait = .normal) throws {
        try client.usb(what) { try client.download(block: DfuSeBlock.command, bytes) }
        try protected { try client.waitUntilDone(what, address: address, wait: wait) }
    }

    /// errTARGET on a read-protected part is the protection speaking: say so with its own code.
    @discardableResult
    func protected<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as BootwireError
            where (error.code == .dfuErrTarget || error.code == .usbTransferFailed)
            && (identity.optionBytes?.readoutProtection ?? .level0) > .level0
        {
            throw BootwireError(
                .deviceProtected, "the part is read-protected (\(identity.optionBytes!.readoutProtection))",
                hint: "`bootwire unprotect --readout --port …` removes it and erases the whole flash",
                evidence: error.evidence)
        }
    }

    public func setAddress(_ address: UInt32) throws {
        try command(
            [DfuSeCommand.setAddress.rawValue] + le32(address), "set address \(Hex.address(address, uppercase: true))",
            address: address)
    }

    public func erasePage(containing address: UInt32) throws {
        try command(
            [DfuSeCommand.erase.rawValue] + le32(address),
            "erase of the page at \(Hex.address(address, uppercase: true))",
            address: address)
    }

    public func massErase() throws {
        try command([DfuSeCommand.erase.rawValue], "mass erase", address: nil, wait: .massErase)
    }

    /// The pages of alt 0 the range touches; addressOutOfRange when a byte lies outside or on
    /// a page that is not writable.
    public func pages(covering address: UInt32, length: Int) throws -> [DfuSeMemoryLayout.Page] {
        guard let layout = identity.flash, let pages = layout.pages(covering: address, length: length),
            pages.allSatisfy(\.writable)
        else {
            throw BootwireError(
                .addressOutOfRange,
                "\(Hex.address(address, uppercase: true))+\(length) is not inside the writable flash of this part",
                hint: identity.flash.map { "alt 0 is \($0)" },
                evidence: ["address": Hex.address(address, uppercase: true)])
        }
        if let geometry = identity.geometry, geometry.accessibleSize < geometry.size,
            UInt64(address) + UInt64(length) > UInt64(geometry.base) + UInt64(geometry.accessibleSize)
        {
            let secure = UInt64(geometry.base) + UInt64(geometry.accessibleSize)
            throw BootwireError(
                .addressOutOfRange,
                "\(Hex.address(address, uppercase: true))+\(length) reaches the secure area, which starts at \(Hex.address(secure, uppercase: true))",
                hint:
                    "the top of a WB's flash belongs to FUS and the wireless stack (SFSA); keep the application below it",
                evidence: [
                    "address": Hex.address(address, uppercase: true),
                    "secure-start": Hex.address(secure, uppercase: true),
                ])
        }
        return pages
    }

    /// Erases exactly the pages in `pages` (each once).
    public func erase(_ pages: [DfuSeMemoryLayout.Page]) throws {
        try select(0)
        var seen = Set<UInt32>()
        let unique = pages.filter { seen.insert($0.start).inserted }
        for (index, page) in unique.enumerated() {
            try erasePage(containing: page.start)
            events(.progress(label: "erase", done: index + 1, total: unique.count, bytesPerSecond: 0, unit: .pages))
        }
    }

    /// Downloads `bytes` at `address` on the selected alt: one Set Address, then blocks 2, 3, 4…
    /// of wTransferSize (a new Set Address when the block number would overflow).
    public func write(_ bytes: [UInt8], at address: UInt32, label: String = "write") throws {
        let started = ContinuousClock.now
        var offset = 0
        while offset < bytes.count {
            let base = address + UInt32(offset)
            try setAddress(base)
            var block = DfuSeBlock.firstData
            while offset < bytes.count && block < 0xFFFF {
                let chunk = Array(bytes[offset..<min(offset + transferSize, bytes.count)])
                let at = address + UInt32(offset)
                try client.usb("downloading \(chunk.count) bytes at \(Hex.address(at, uppercase: true))") {
                    try client.download(block: block, chunk)
                }
                try protected {
                    try client.waitUntilDone("the download at \(Hex.address(at, uppercase: true))", address: at)
                }
                offset += chunk.count
                block += 1
                let seconds = (ContinuousClock.now - started).seconds
                events(
                    .progress(
                        label: label, done: offset, total: bytes.count,
                        bytesPerSecond: seconds > 0 ? Double(offset) / seconds : 0))
            }
        }
    }

    /// Uploads `length` bytes from `address` (ABORT, Set Address, ABORT, then blocks 2, 3…).
    public func read(address: UInt32, length: Int, label: String? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        let started = ContinuousClock.now
        while out.count < length {
            let base = address + UInt32(out.count)
            try client.usb("aborting before an upload") { try client.abort() }
            try setAddress(base)
            try client.usb("aborting before an upload") { try client.abort() }
            var block = DfuSeBlock.firstData
            while out.count < length && block < 0xFFFF {
                let want = min(transferSize, length - out.count)
                let at = address + UInt32(out.count)
                let chunk: [UInt8]
                do {
                    chunk = try client.upload(block: block, length: want)
                } catch USBError.stall {
                    let reply = try? client.getStatus()
                    try? client.clearStatus()
                    throw try protected {
                        throw DFUClient.failure(
                            reply ?? DFUStatusReply(status: .errStalledPkt, pollTimeout: 0, state: .error),
                            "the upload at \(Hex.address(at, uppercase: true))", address: at)
                    }
                } catch let error as USBError {
                    throw BootwireError.usb(error, "uploading at \(Hex.address(at, uppercase: true))")
                }
                out += chunk
                if chunk.count < want {
                    throw BootwireError(
                        .protocolError,
                        "the device ended the upload at \(Hex.address(at + UInt32(chunk.count), uppercase: true))",
                        evidence: [
                            "address": Hex.address(at, uppercase: true), "asked": "\(want)", "got": "\(chunk.count)",
                        ])
                }
                block += 1
                if let label {
                    let seconds = (ContinuousClock.now - started).seconds
                    events(
                        .progress(
                            label: label, done: out.count, total: length,
                            bytesPerSecond: seconds > 0 ? Double(out.count) / seconds : 0))
                }
            }
            try client.usb("aborting after an upload") { try client.abort() }
        }
        return out
    }

    /// Read Unprotect (0x92): clears RDP and mass-erases; the device resets and leaves the bus,
    /// so only the first status is awaited. A failure that looks like the reset (no device, IO,
    /// PIPE, TIMEOUT) means "maybe done": the part is found again and its RDP decides.
    public func readUnprotect() throws {
        do {
            try select(0)
            try client.usb("read unprotect") {
                try client.download(block: DfuSeBlock.command, [DfuSeCommand.readUnprotect.rawValue])
            }
            try client.waitUntilDone("read unprotect", address: nil, wait: .init(firstReplyOnly: true))
        } catch let error where DeviceReset.isSymptom(error) {
            try confirmAfterReset("read unprotect", error) { fresh in
                guard let rdp = fresh.identity.optionBytes?.readoutProtection else { return }
                guard rdp == .level0 else {
                    throw BootwireError(
                        .deviceProtected, "after read unprotect the part is still at \(rdp)",
                        hint: "power-cycle the board (BOOT0 high) and run `bootwire unprotect --readout` again")
                }
            }
        }
    }

    /// Downloads a whole option-byte image to the option-byte alt; the device applies it and
    /// resets. A failure that looks like the reset means "maybe done": the part is found again
    /// and the option bytes it reads decide.
    public func writeOptionBytes(_ options: STM32OptionBytes) throws {
        guard let alt = identity.optionBytesAlternate else {
            throw BootwireError(.dfuNotDfuSe, "this device lists no option-byte memory")
        }
        do {
            try select(alt.number)
            for (range, bytes) in zip(options.ranges, options.areas) {
                try write(bytes, at: range.start, label: "option bytes")
            }
        } catch let error where DeviceReset.isSymptom(error) {
            try confirmAfterReset("the option-byte write", error) { fresh in
                guard let now = fresh.identity.optionBytes, now.areas != options.areas else { return }
                throw BootwireError(
                    .dfuErrWrite, "after the option-byte write and reset the part shows other option bytes",
                    hint: "run `bootwire info` to see them; power-cycle with BOOT0 high and write again",
                    evidence: ["read": now.areas.map { Hex.string($0) }.joined(separator: " ")])
            }
        }
    }

    /// After `what` ended in `error` that looks like the part resetting: waits for it on the bus,
    /// connects, lets `decide` judge what it reads. A part that does not come back (it left for
    /// its application) cannot be judged: that is said, and the command counts as done.
    func confirmAfterReset(_ what: String, _ error: Error, decide: (DfuSeSession) throws -> Void) throws {
        guard let bus else { return }
        let record = identity.record
        close()
        events(.note(.info("the part reset during \(what) (\(error)); finding it again to confirm")))
        let fresh: DfuSeSession
        do {
            fresh = try DeviceReset.reconnect(bus: bus, limit: resetLimit, events: events) { found in
                guard found.vendorID == record.vendorID, found.productID == record.productID else { return false }
                if let serial = record.serial { return found.serial == serial }
                return found.portPath == record.portPath
            }
        } catch let lost as BootwireError where lost.code == .deviceDisconnected {
            events(.note(.info("the part did not come back on USB, so \(what) could not be confirmed")))
            return
        }
        defer { fresh.close() }
        try decide(fresh)
    }

    /// Leaves DFU: Set Address to `address` (the application's start) and a zero-length
    /// download. A device that drops off the bus or fails the status here has left: success.
    public func leave(at address: UInt32?) throws {
        try select(0)
        if let address { try setAddress(address) }
        do {
            // wValue for the zero-length download is UNCONFIRMED (dfu-util 2, qFlipper 0): dfu-util's chosen.
            try client.download(block: DfuSeBlock.firstData, [])
            let reply = try client.getStatus()
            if reply.state == .error {
                throw DFUClient.failure(reply, "leaving DFU", address: address)
            }
        } catch is USBError {
            // qFlipper: "It will return an error on WB55 anyway".
        }
    }

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
