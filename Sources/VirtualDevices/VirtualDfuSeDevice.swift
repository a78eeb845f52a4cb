import BootwireCore
import DFU
import Foundation
import STM32
import USB

/// An STM32 ROM bootloader in USB DFU mode (0483:df11, DfuSe 1.1a), following the ST device
/// library's state machine (spec 2–4) including its quirks: CLRSTATUS outside dfuERROR is an
/// error, a DfuSe command's first status is always dfuDNBUSY, and busy is reported until the
/// poll timeout has really elapsed.
final class VirtualDfuSeDevice: VirtualUSBDevice, @unchecked Sendable {
    struct Faults {
        /// The cable drops after this many data blocks (a power glitch mid-download).
        var disconnectDuringDownload: Int?
        /// Some L4 ROMs: the reported poll timeout is a third of the real time, and a GETSTATUS
        /// that comes before the operation is done is STALLed.
        var shortPoll = false
        /// A mass erase that takes this long (an F405/F407 takes 16–32 s), reported as F4 ROMs
        /// do with a 100 ms bwPollTimeout (dfu-util's F405 workaround).
        var massEraseMilliseconds: Int?
        /// During that erase GETSTATUS does not answer until the erase is done (the ROM is busy;
        /// UNCONFIRMED which F4 ROMs do this, hence a switch); otherwise dfuDNBUSY every 100 ms.
        var statusBlocksDuringErase = false
        /// How long a reboot keeps the device off the bus (a WB55's FUS reboots take seconds).
        var rebootMilliseconds = 300
    }

    let part: VirtualDFUPart
    var faults: Faults
    let serial: String
    let transferSize = 2048
    private let lock = NSLock()
    private var cable: VirtualUSBCable?

    private var state = DFUState.dfuIdle
    private var status = DFUStatus.ok
    private var alternate: UInt8 = 0
    private var pointer: UInt32 = 0
    private var request: (block: UInt16, data: [UInt8])?
    /// On the bus's clock (the cable's), in nanoseconds.
    private var busyUntil: UInt64 = 0
    private var outcome = DFUStatus.ok
    private var rebootAfterBusy = false
    private var blocksWritten = 0
    /// The long mass erase under way: its bwPollTimeout stays 100 ms.
    private var longErase = false
    /// The host's timeout for the control request being answered.
    private var requestTimeout: Duration = .seconds(5)

    /// Operation times (ms) as reported in bwPollTimeout: the datasheets' page erase (25 ms)
    /// and 64-bit programming (~82 µs per double word, so ~21 ms per 2 KiB block).
    static let pageEraseMilliseconds = 25
    static let massEraseMilliseconds = 30

    init(part: VirtualDFUPart, faults: Faults, serial: String) {
        self.part = part
        self.faults = faults
        self.serial = serial
    }

    var deviceDescriptor: USBDeviceDescriptor {
        USBDeviceDescriptor(vendorID: 0x0483, productID: 0xDF11, deviceVersion: 0x2200)
    }

    var configuration: USBConfiguration {
        let functional = DFUFunctionalDescriptor(transferSize: UInt16(transferSize), dfuVersion: 0x011A).bytes
        return USBConfiguration(
            interfaces: part.altStrings.indices.map { index in
                USBInterface(
                    number: 0, alternate: UInt8(index), interfaceClass: 0xFE, subclass: 1, protocolCode: 2,
                    nameIndex: UInt8(4 + index), extra: [functional])
            })
    }

    func string(_ index: UInt8) -> String? {
        switch index {
        case 1: "STMicroelectronics"
        case 2: "DFU in FS Mode"
        case 3: serial
        case 4..<UInt8(4 + part.altStrings.count): part.altStrings[Int(index) - 4]
        default: nil
        }
    }

    func attached(to cable: VirtualUSBCable) {
        lock.withLock {
            self.cable = cable
            state = .dfuIdle
            status = .ok
            alternate = 0
            request = nil
            part.fus?.reset()
        }
    }

    func setAlternateSetting(interface: UInt8, alternate: UInt8) throws {
        guard interface == 0, Int(alternate) < part.altStrings.count else { throw USBError.stall }
        lock.withLock { self.alternate = alternate }
    }

    private func reboot() {
        part.save()
        cable?.unplug(reattachAfter: .milliseconds(faults.rebootMilliseconds))
    }

    func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8] {
        lock.withLock { requestTimeout = timeout }
        return try control(setup, data: data)
    }

    func control(_ setup: USBSetup, data: [UInt8]) throws -> [UInt8] {
        try lock.withLock {
            guard setup.requestType & 0x60 == 0x20, let request = DFURequest(rawValue: setup.request) else {
                throw USBError.stall
            }
            switch request {
            case .detach: return []
            case .download: return try download(block: setup.value, data)
            case .upload: return try upload(block: setup.value, length: Int(setup.length))
            case .getStatus: return try getStatus()
            case .clearStatus:
                if state == .error {
                    state = .dfuIdle
                    status = .ok
                } else {
                    state = .error
                    status = .errUnknown
                }
                return []
            case .getState: return [state.rawValue]
            case .abort:
                if state != .error { state = .dfuIdle }
                self.request = nil
                return []
            }
        }
    }

    private func download(block: UInt16, _ data: [UInt8]) throws -> [UInt8] {
        guard state == .dfuIdle || state == .downloadIdle else { throw USBError.stall }
        if data.isEmpty {
            state = .manifestSync
        } else {
            request = (block, data)
            state = .downloadSync
        }
        return []
    }

    private func upload(block: UInt16, length: Int) throws -> [UInt8] {
        guard state == .dfuIdle || state == .uploadIdle else { throw USBError.stall }
        if block == 0 {
            state = .uploadIdle
            return Array([0x00, 0x21, 0x41, 0x92].prefix(length))
        }
        guard block >= 2 else { throw stall(.errTarget) }
        let address = pointer &+ UInt32(Int(block - 2) * transferSize)
        guard let bytes = part.read(address, length) else { throw stall(.errTarget) }
        state = .uploadIdle
        if address == DFUFUSTransport.stateAddress { part.save() }
        if part.fus?.rebootAfterReply == true {
            part.fus?.rebootAfterReply = false
            reboot()
        }
        return bytes
    }

    /// Errors on an upload: the request stalls and the device sits in dfuERROR.
    private func stall(_ why: DFUStatus) -> USBError {
        state = .error
        status = why
        return .stall
    }

    private func getStatus() throws -> [UInt8] {
        let clock = cable?.clock ?? MonotonicClock.shared
        let now = clock.now()
        if faults.shortPoll, state == .downloadBusy, now < busyUntil { throw USBError.stall }
        switch state {
        case .downloadSync:
            let (result, milliseconds) = perform()
            outcome = result
            busyUntil = now + UInt64(milliseconds) * 1_000_000
            state = .downloadBusy
            var reported = faults.shortPoll && milliseconds > 0 ? max(1, milliseconds / 3) : milliseconds
            if longErase { reported = 100 }
            let reply = DFUStatusReply(status: .ok, pollTimeout: reported, state: .downloadBusy).bytes
            if rebootAfterBusy {
                rebootAfterBusy = false
                reboot()
            }
            return reply
        case .downloadBusy where now < busyUntil && longErase && faults.statusBlocksDuringErase:
            // No answer until the erase is done; a host that gives up first sees a timeout.
            let left = Duration.nanoseconds(Int64(busyUntil - now))
            guard left <= requestTimeout else {
                clock.sleep(for: requestTimeout)
                throw USBError.timeout
            }
            clock.sleep(for: left)
            return try getStatus()
        case .downloadBusy where now < busyUntil:
            let left = Int((busyUntil - now + 999_999) / 1_000_000)
            return DFUStatusReply(status: .ok, pollTimeout: longErase ? 100 : left, state: .downloadBusy).bytes
        case .downloadBusy:
            longErase = false
            if outcome == .ok {
                state = .downloadIdle
            } else {
                state = .error
                status = outcome
            }
            return DFUStatusReply(status: status, pollTimeout: 0, state: state).bytes
        case .manifestSync:
            // Not manifestation tolerant: the ROM jumps to the application and leaves the bus.
            state = .manifest
            part.save()
            cable?.unplug(reattachAfter: nil)
            return DFUStatusReply(status: .ok, pollTimeout: 1, state: .manifest).bytes
        default:
            return DFUStatusReply(status: status, pollTimeout: 0, state: state).bytes
        }
    }

    /// Carries out the stored download; returns the status it will end in and the time it takes.
    private func perform() -> (DFUStatus, Int) {
        guard let (block, data) = request else { return (.errUnknown, 0) }
        request = nil
        if block == 0 { return command(data) }
        // wValue 1 is reserved; ST answers it with an error (UNCONFIRMED which: errTARGET chosen).
        guard block >= 2 else { return (.errTarget, 0) }
        let address = pointer &+ UInt32(Int(block - 2) * transferSize)
        if alternate == 1, part.options.ranges.contains(where: { $0.start == address }) {
            return writeOptionBytes(data, at: address)
        }
        blocksWritten += 1
        if let limit = faults.disconnectDuringDownload, blocksWritten > limit {
            faults.disconnectDuringDownload = nil
            part.save()
            cable?.unplug(reattachAfter: .milliseconds(500))
            return (.ok, 0)
        }
        guard !part.readProtected, Int(address) + data.count <= part.secureStart,
            let offset = part.flashOffset(address, data.count)
        else { return (.errTarget, 0) }
        let pages = Set([offset / part.device.pageSize, (offset + data.count - 1) / part.device.pageSize])
        if pages.contains(where: { part.isWriteProtected(offset: $0 * part.device.pageSize) }) {
            // A write to a WRP page: ST's status for it is UNCONFIRMED; errWRITE chosen.
            return (.errWrite, 0)
        }
        for i in 0..<data.count where part.flash[offset + i] != 0xFF && data[i] != 0xFF {
            return (.errProg, 1)
        }
        part.flash.replaceSubrange(offset..<offset + data.count, with: data)
        part.save()
        return (.ok, (data.count + 7) / 8 * 82 / 1000 + 1)
    }

    private func command(_ data: [UInt8]) -> (DFUStatus, Int) {
        guard let code = data.first else { return (.errUnknown, 0) }
        func address() -> UInt32? {
            data.count == 5
                ? UInt32(data[1]) | UInt32(data[2]) << 8 | UInt32(data[3]) << 16 | UInt32(data[4]) << 24 : nil
        }
        switch (code, data.count) {
        case (DfuSeCommand.getCommands.rawValue, 1):
            return (.ok, 0)
        case (DfuSeCommand.setAddress.rawValue, 5):
            pointer = address()!
            return (.ok, 0)
        case (DfuSeCommand.erase.rawValue, 5):
            let at = address()!
            guard !part.readProtected, Int(at) < part.secureStart, let offset = part.flashOffset(at, 1) else {
                return (.errTarget, 0)
            }
            let start = offset / part.device.pageSize * part.device.pageSize
            guard !part.isWriteProtected(offset: start) else { return (.errErase, Self.pageEraseMilliseconds) }
            for i in start..<start + part.device.pageSize { part.flash[i] = 0xFF }
            part.save()
            return (.ok, Self.pageEraseMilliseconds)
        case (DfuSeCommand.erase.rawValue, 1):
            guard !part.readProtected else { return (.errTarget, 0) }
            part.massErase()
            part.save()
            if let long = faults.massEraseMilliseconds {
                longErase = true
                return (.ok, long)
            }
            return (.ok, Self.massEraseMilliseconds)
        case (DfuSeCommand.readUnprotect.rawValue, 1):
            part.options.setReadoutProtection(.level0)
            part.massErase()
            rebootAfterBusy = true
            return (.ok, Self.massEraseMilliseconds)
        default:
            if let fus = part.fus, data.count == 1, fus.command(code, part: part) {
                fus.rebootAfterReply = false
                rebootAfterBusy = true
                part.save()
                return (.ok, 5)
            }
            // Unknown commands: errUNKNOWN or errTARGET on real ROMs (UNCONFIRMED); errUNKNOWN chosen.
            return (.errUnknown, 0)
        }
    }

    /// A whole option-byte area: applied, and the part resets. Level 1 → 0 mass-erases first.
    private func writeOptionBytes(_ data: [UInt8], at address: UInt32) -> (DFUStatus, Int) {
        guard let area = part.options.ranges.firstIndex(where: { $0.start == address }),
            data.count == part.options.ranges[area].size
        else { return (.errTarget, 0) }
        let wasProtected = part.readProtected
        part.options.areas[area] = data
        if wasProtected && !part.readProtected { part.massErase() }
        rebootAfterBusy = true
        return (.ok, Self.massEraseMilliseconds)
    }
}
