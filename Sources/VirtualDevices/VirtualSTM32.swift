import BootwireCore
import STM32

/// An STM32's system-memory bootloader as seen from its USART (AN3155), byte-exact per the
/// spec's emulator checklist (shared/specs/stm32-uart-bootloader.md section 6): silent until
/// 0x7F, which it ACKs at whatever rate the host uses (autobaud) and keeps until a reset; NACK
/// to a bad complement, an unknown command, or a command readout protection gates; no trailing
/// ACK after Read Memory data; two ACKs for 0x73/0x82/0x92; a reset (back to waiting for 0x7F)
/// after protection changes, option-byte writes and Go. Flash is erased to 0xFF and a program
/// unit (F1 half-word, L4/WB double word, H5 quad word) can be programmed once between erases,
/// except with all zeros, as the flash controllers allow (PGERR/PROGERR otherwise). Page
/// numbers name physical pages; with L4 BFB2 set, bank 2 appears at the flash base.
/// The device table (`STM32DeviceTable`) gives every number; nothing here knows a client.
public final class VirtualSTM32: VirtualDevice, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var device: STM32Device
        /// What the FLASH_SIZE register reports; the reference part's by default.
        public var flashSize: Int
        /// The option bytes at power-up.
        public var optionBytes: STM32OptionBytes
        /// Erase and program times (the typical column is used).
        public var times: STM32FlashTimes
        /// The 96-bit unique id.
        public var uniqueID: [UInt8] = Array("BOOTWIRE-STM".utf8)
        /// The application runs instead of the bootloader (BOOT0 low).
        public var applicationRunning = false
        /// A 0x00 before the ACK to the first 0x7F after each reset (the TX pin turning on).
        public var syncGlitch = false
        /// Read Memory of an option-byte area is NACKed after the length.
        public var refusesOptionRead = false
        /// Get Checksum runs over byte-swapped words (another layout than stm32flash's).
        public var otherChecksumLayout = false
        /// The firmware Go (or a reset with BOOT0 low) starts: a banner, ticks, a shell.
        var application = VirtualApplication.Program(
            bootLog: VirtualSTM32.applicationLog, version: "bootwire virtual application 1.0")

        public init(device: STM32Device) {
            self.device = device
            // The virtual part's size (`VirtualPartCatalogue`), the table's for a part it lacks.
            flashSize = VirtualPartCatalogue.part(devID: device.productID)?.flashBytes ?? device.flashSize
            optionBytes = STM32OptionBytes.factory(for: device)
            times = device.times
        }
    }

    private enum Phase: Equatable {
        case waitSync
        case command
        case readAddress
        case readLength(UInt32)
        case goAddress
        case writeAddress
        case writeData(UInt32)
        case erase
        case extendedErase
        case writeProtect
        case checksumAddress
        case checksumLength(UInt32)
        /// After Go: the application runs; the bootloader hears nothing until a reset.
        case application
        /// Readout protection level 2: there is no bootloader.
        case disabled
    }

    public let configuration: Configuration
    public var device: STM32Device { configuration.device }
    /// Main flash in physical order (bank 1, then bank 2): what `--dump` writes.
    public private(set) var flash: [UInt8]
    public private(set) var ram: [UInt8]
    /// The option bytes as programmed; they take effect at the next reset.
    public private(set) var optionBytes: STM32OptionBytes
    /// The option bytes loaded at the last reset: these decide protection and bank mapping.
    public private(set) var loadedOptions: STM32OptionBytes
    /// Resets since power-up (host opens, protection changes, Go to a reset stub).
    public private(set) var resets = 0
    public var log: (@Sendable (String) -> Void)?

    private var phase = Phase.waitSync
    private var buffer: [UInt8] = []
    private var baud = 115_200
    private var glitchPending: Bool

    public init(configuration: Configuration, flash: [UInt8]? = nil) {
        self.configuration = configuration
        var bytes = [UInt8](repeating: 0xFF, count: configuration.flashSize)
        if let flash { bytes.replaceSubrange(0..<min(bytes.count, flash.count), with: flash.prefix(bytes.count)) }
        self.flash = bytes
        ram = [UInt8](repeating: 0, count: configuration.device.ram.size)
        optionBytes = configuration.optionBytes
        loadedOptions = configuration.optionBytes
        glitchPending = configuration.syncGlitch
        if loadedOptions.readoutProtection == .level2 { phase = .disabled }
    }

    /// A device from the table by key (`l476`), with the device-level faults applied:
    /// `application`, `locked` (readout protection level 1), `sync-glitch`.
    /// A device with the device-level faults applied; its unique ID is its own
    /// (`VirtualUniqueID`: from `statePath` when the device lives in a file, else fresh);
    /// `application`: the `app-…` switches of the port, checked when it was parsed.
    public static func make(
        device: STM32Device, faults: [Fault] = [], flash: [UInt8]? = nil, statePath: String? = nil,
        application: [VirtualOption] = []
    ) -> VirtualSTM32 {
        var configuration = Configuration(device: device)
        configuration.uniqueID = VirtualUniqueID.bytes(12, statePath: statePath)
        for option in application { _ = try? configuration.application.apply(option) }
        configuration.applicationRunning = faults.contains(.application)
        configuration.syncGlitch = faults.contains(.syncGlitch)
        configuration.refusesOptionRead = faults.contains(.optionReadRefused)
        configuration.otherChecksumLayout = faults.contains(.checksumLayout)
        if faults.contains(where: { if case .locked = $0 { true } else { false } }) {
            configuration.optionBytes.setReadoutProtection(.level1)
        }
        return VirtualSTM32(configuration: configuration, flash: flash)
    }

    /// The geometry in effect (flash size, DUALBANK, BFB2, SFSA as loaded).
    public var geometry: STM32FlashGeometry {
        device.geometry(flashSize: configuration.flashSize, options: loadedOptions)
    }

    public var readoutProtection: STM32ReadoutProtection { loadedOptions.readoutProtection }

    /// True between the ACK to 0x7F and the next reset or Go.
    public var isSynced: Bool { ![.waitSync, .application, .disabled].contains(phase) }
    public var isRunningApplication: Bool { phase == .application }

    /// The flash as the CPU sees it from the flash base (banks swapped under BFB2).
    public func mappedFlash(_ address: UInt32, count: Int) -> [UInt8]? {
        guard geometry.range.contains(address, count: count) else { return nil }
        return (0..<count).map { flash[geometry.physicalOffset(of: address + UInt32($0))!] }
    }

    // MARK: VirtualDevice

    public var listeningBaud: Int { application?.program.baud ?? (configuration.applicationRunning ? 115_200 : baud) }

    /// The firmware started by Go or a reset with BOOT0 low; nil while the bootloader runs.
    private var application: VirtualApplication?
    private var clock: any WaitClock = MonotonicClock.shared

    public func use(clock: any WaitClock) { self.clock = clock }

    public func reset(application: Bool) {
        reset()
        if application, phase == .waitSync { startApplication(at: geometry.range.start) }
    }

    /// The application runs from the vector table at `address`; an erased one (stack pointer
    /// 0xFFFFFFFF) faults at once on a real part, so nothing is printed.
    private func startApplication(at address: UInt32) {
        phase = .application
        guard let vectors = mappedFlash(address, count: 8), vectors.contains(where: { $0 != 0xFF }) else {
            log?("the vector table at \(Self.hex(address)) is erased: the core faults, nothing runs")
            return
        }
        application = VirtualApplication(program: configuration.application, clock: clock)
    }

    public func hostRate(_ baud: Int) {
        // The bootloader measures the 0x7F; until then it hears any rate.
        if phase == .waitSync && baud > 0 { self.baud = baud }
    }

    public func reset() {
        application = nil
        resets += 1
        loadedOptions = optionBytes
        buffer = []
        glitchPending = configuration.syncGlitch
        phase = loadedOptions.readoutProtection == .level2 ? .disabled : .waitSync
        log?(phase == .disabled ? "reset: readout protection level 2, no bootloader" : "reset: waiting for 0x7F")
    }

    public func idle(milliseconds: Int) -> [DeviceAction] { application?.idle() ?? [] }

    public func receiveNoise(count: Int) -> [DeviceAction] {
        if application != nil { return [] }
        if configuration.applicationRunning { return applicationOutput() }
        // Framing junk reaches the command parser as bytes no command is made of.
        guard isSynced else { return [] }
        return receive([UInt8](repeating: 0xFF, count: count))
    }

    public func receive(_ bytes: [UInt8]) -> [DeviceAction] {
        if let application { return application.receive(bytes) }
        if configuration.applicationRunning { return applicationOutput() }
        var actions: [DeviceAction] = []
        for byte in bytes {
            switch phase {
            case .application, .disabled:
                continue
            case .waitSync:
                guard byte == STM32Protocol.sync else { continue }
                var reply = [STM32Protocol.ack]
                if glitchPending {
                    reply.insert(0x00, at: 0)
                    glitchPending = false
                }
                log?("0x7F at \(baud) baud → \(Hex.string(reply, separator: " "))")
                actions.append(send(reply))
                phase = .command
            default:
                buffer.append(byte)
                if buffer.count >= needed() {
                    let frame = buffer
                    buffer = []
                    actions += complete(frame)
                }
            }
        }
        return actions
    }

    /// Bytes the current phase waits for, given what has arrived.
    private func needed() -> Int {
        switch phase {
        case .command, .readLength: 2
        case .readAddress, .goAddress, .writeAddress, .checksumAddress, .checksumLength: 5
        case .writeData, .writeProtect: buffer.isEmpty ? 1 : Int(buffer[0]) + 3
        case .erase: buffer.isEmpty ? 1 : buffer[0] == 0xFF ? 2 : Int(buffer[0]) + 3
        case .extendedErase:
            if buffer.count < 2 {
                2
            } else {
                Int(buffer[0]) << 8 | Int(buffer[1]) >= 0xFFF0
                    ? 3 : 2 + 2 * (Int(buffer[0]) << 8 + Int(buffer[1]) + 1) + 1
            }
        case .waitSync, .application, .disabled: Int.max
        }
    }

    // MARK: frames

    private var ack: DeviceAction { send([STM32Protocol.ack]) }
    private var nack: DeviceAction { send([STM32Protocol.nack]) }

    private func send(_ bytes: [UInt8]) -> DeviceAction { .send(bytes, baud: baud) }

    private func refuse(_ why: String) -> [DeviceAction] {
        log?("\(why) → 1f")
        phase = .command
        return [nack]
    }

    private func complete(_ frame: [UInt8]) -> [DeviceAction] {
        switch phase {
        case .command: return command(frame[0], complement: frame[1])
        case .readAddress:
            guard let address = Self.address(frame), readable(address, count: 1) != nil else {
                return refuse("Read Memory address \(Hex.string(frame))")
            }
            phase = .readLength(address)
            return [ack]
        case .readLength(let address):
            guard frame[1] == frame[0] ^ 0xFF else { return refuse("Read Memory length \(Hex.string(frame))") }
            let count = Int(frame[0]) + 1
            if configuration.refusesOptionRead,
                device.optionBytes.contains(where: {
                    UInt64($0.start) < UInt64(address) + UInt64(count) && UInt64(address) < $0.end
                })
            {
                return refuse("Read Memory \(Self.hex(address))+\(count): option bytes (refused by configuration)")
            }
            guard let data = readable(address, count: count) else {
                return refuse("Read Memory \(Self.hex(address))+\(count): not readable")
            }
            phase = .command
            log?("Read Memory \(Self.hex(address))+\(count) → 79 + \(count) bytes")
            return [send([STM32Protocol.ack] + data)]
        case .goAddress:
            return go(frame)
        case .writeAddress:
            guard let address = Self.address(frame), address % 4 == 0, writableStart(address) else {
                return refuse("Write Memory address \(Hex.string(frame))")
            }
            phase = .writeData(address)
            return [ack]
        case .writeData(let address):
            return writeMemory(frame, at: address)
        case .erase:
            return legacyErase(frame)
        case .extendedErase:
            return extendedErase(frame)
        case .writeProtect:
            let codes = Array(frame[1..<(frame.count - 1)])
            guard STM32Protocol.xor(frame) == 0 else { return refuse("Write Protect: bad checksum") }
            guard optionBytes.applyWriteProtect(codes: codes) else {
                return refuse("Write Protect \(Hex.string(codes))")
            }
            log?("Write Protect \(Hex.string(codes, separator: " ")) → 79, reset")
            let actions: [DeviceAction] = [.busy(nanoseconds: optionTime), ack]
            reset()
            return actions
        case .checksumAddress:
            guard let address = Self.address(frame), address % 4 == 0, readable(address, count: 4) != nil else {
                return refuse("Get Checksum address \(Hex.string(frame))")
            }
            phase = .checksumLength(address)
            return [ack]
        case .checksumLength(let address):
            guard let length = Self.address(frame), length > 0, length % 4 == 0,
                let data = readable(address, count: Int(length))
            else { return refuse("Get Checksum length \(Hex.string(frame))") }
            let words =
                configuration.otherChecksumLayout
                ? stride(from: 0, to: data.count, by: 4).flatMap { data[$0..<$0 + 4].reversed() } : data
            let crc = STM32Protocol.bigEndian(STM32CRC.checksum(words))
            phase = .command
            log?("Get Checksum \(Self.hex(address))+\(length) → 79 79 \(Hex.string(crc))")
            // The CRC unit reads a word per cycle or so: about 4 bytes per 10 ns at 100 MHz+.
            return [
                ack, .busy(nanoseconds: UInt64(length) * 3), send([STM32Protocol.ack] + crc + [STM32Protocol.xor(crc)]),
            ]
        case .waitSync, .application, .disabled:
            return []
        }
    }

    private func command(_ code: UInt8, complement: UInt8) -> [DeviceAction] {
        guard code ^ complement == 0xFF else {
            return refuse("command \(Hex.string([code, complement])): bad complement")
        }
        guard device.commands.contains(code), let command = STM32Command(rawValue: code) else {
            return refuse("command 0x\(Hex.string([code])): not offered")
        }
        guard readoutProtection == .level0 || STM32Command.allowedUnderReadoutProtection.contains(code) else {
            return refuse("\(command): readout protection")
        }
        switch command {
        case .get:
            let reply =
                [STM32Protocol.ack, UInt8(device.commands.count), device.bootloaderVersion] + device.commands + [
                    STM32Protocol.ack
                ]
            log?("Get → \(Hex.string(reply, separator: " "))")
            return [send(reply)]
        case .getVersion:
            let reply = [STM32Protocol.ack, device.bootloaderVersion, 0x00, 0x00, STM32Protocol.ack]
            log?("Get Version → \(Hex.string(reply, separator: " "))")
            return [send(reply)]
        case .getID:
            let reply = [
                STM32Protocol.ack, 0x01, UInt8(device.productID >> 8), UInt8(device.productID & 0xFF),
                STM32Protocol.ack,
            ]
            log?("Get ID → \(Hex.string(reply, separator: " "))")
            return [send(reply)]
        case .readMemory: phase = .readAddress
        case .go: phase = .goAddress
        case .writeMemory: phase = .writeAddress
        case .erase: phase = .erase
        case .extendedErase: phase = .extendedErase
        case .writeProtect: phase = .writeProtect
        case .getChecksum: phase = .checksumAddress
        case .writeUnprotect:
            optionBytes.clearWriteProtection()
            log?("Write Unprotect → 79 79, reset")
            let actions: [DeviceAction] = [ack, .busy(nanoseconds: optionTime), ack]
            reset()
            return actions
        case .readoutProtect:
            optionBytes.setReadoutProtection(.level1)
            log?("Readout Protect → 79 79, reset")
            let actions: [DeviceAction] = [ack, .busy(nanoseconds: optionTime), ack]
            reset()
            return actions
        case .readoutUnprotect:
            // The regression erases all user flash (not a WB's secure area), then level 0.
            let geometry = self.geometry
            for page in 0..<geometry.pageCount where geometry.isAccessible(page: page) {
                erasePhysical(page: page, geometry)
            }
            if device.optionLayout == .f1 {
                optionBytes = STM32OptionBytes.factory(for: device)
            } else {
                optionBytes.setReadoutProtection(.level0)
            }
            log?("Readout Unprotect → 79, mass erase, 79, reset")
            let work = UInt64(geometry.bankCount) * configuration.times.massEraseTypical + optionTime
            let actions: [DeviceAction] = [ack, .busy(nanoseconds: work), ack]
            reset()
            return actions
        case .special, .extendedSpecial:
            return refuse("\(command): not offered")
        }
        log?("\(command) → 79")
        return [ack]
    }

    // MARK: memory

    /// The bytes at [address, +count) when all of them lie in one readable area.
    private func readable(_ address: UInt32, count: Int) -> [UInt8]? {
        let geometry = self.geometry
        if geometry.range.contains(address, count: count) {
            let pages = geometry.pages(covering: address, length: count)
            guard pages.allSatisfy({ geometry.isAccessible(page: $0) }) else { return nil }
            return mappedFlash(address, count: count)
        }
        for (area, range) in device.optionBytes.enumerated() where range.contains(address, count: count) {
            let offset = Int(address - range.start)
            return Array(optionBytes.areas[area][offset..<(offset + count)])
        }
        if device.ram.contains(address, count: count) {
            let offset = Int(address - device.ram.start)
            return Array(ram[offset..<(offset + count)])
        }
        let flashSize = STM32MemoryRange(device.flashSizeRegister, size: 2)
        let uniqueID = STM32MemoryRange(device.uniqueIDAddress, size: 12)
        var area: STM32MemoryRange?
        for candidate in [device.systemMemory, flashSize, uniqueID] where candidate.contains(address, count: count) {
            area = candidate
        }
        guard area != nil else { return nil }
        return (0..<count).map { i in
            let at = address + UInt32(i)
            if flashSize.contains(at) {
                let kib = configuration.flashSize >> 10
                return UInt8(truncatingIfNeeded: at == flashSize.start ? kib : kib >> 8)
            }
            if uniqueID.contains(at) {
                return configuration.uniqueID[Int(at - uniqueID.start) % configuration.uniqueID.count]
            }
            return 0x00
        }
    }

    /// Write Memory accepts an address in accessible flash, option bytes or free RAM.
    private func writableStart(_ address: UInt32) -> Bool {
        let geometry = self.geometry
        if let page = geometry.page(containing: address) { return geometry.isAccessible(page: page) }
        if device.optionBytes.contains(where: { $0.contains(address) }) { return device.optionFields.programmable }
        return device.ram.contains(address) && address >= device.firstFreeRAM
    }

    private func writeMemory(_ frame: [UInt8], at address: UInt32) -> [DeviceAction] {
        let data = Array(frame[1..<(frame.count - 1)])
        guard STM32Protocol.xor(frame) == 0 else { return refuse("Write Memory \(Self.hex(address)): bad checksum") }
        guard data.count % 4 == 0 else {
            return refuse("Write Memory \(Self.hex(address)): \(data.count) bytes, not whole words")
        }
        phase = .command
        let geometry = self.geometry
        if geometry.range.contains(address) {
            guard geometry.range.contains(address, count: data.count) else {
                return refuse("Write Memory past the end of flash")
            }
            let pages = geometry.pages(covering: address, length: data.count)
            guard pages.allSatisfy({ geometry.isAccessible(page: $0) }) else {
                return refuse("Write Memory into the secure area")
            }
            let protected = loadedOptions.writeProtectedPages(geometry)
            if let page = pages.first(where: { page in protected.contains { $0.contains(page) } }) {
                return refuse("Write Memory \(Self.hex(address)): page \(page) is write-protected")
            }
            let (units, failedAt) = program(data, at: address, geometry)
            let busy = DeviceAction.busy(nanoseconds: UInt64(units) * configuration.times.programTypical)
            if let failedAt {
                log?("Write Memory \(Self.hex(address))+\(data.count): \(Self.hex(failedAt)) is not erased → 1f")
                return [busy, nack]
            }
            log?("Write Memory \(Self.hex(address))+\(data.count) → 79")
            return [busy, ack]
        }
        if device.optionBytes.contains(where: { $0.contains(address, count: data.count) }),
            device.optionFields.programmable
        {
            guard optionBytes.program(data, at: address) else { return refuse("Write Memory to the option bytes") }
            log?("Write Memory \(Self.hex(address))+\(data.count) (option bytes) → 79, reset")
            let actions: [DeviceAction] = [.busy(nanoseconds: optionTime), ack]
            reset()
            return actions
        }
        if device.ram.contains(address, count: data.count) && address >= device.firstFreeRAM {
            let offset = Int(address - device.ram.start)
            ram.replaceSubrange(offset..<(offset + data.count), with: data)
            log?("Write Memory \(Self.hex(address))+\(data.count) (RAM) → 79")
            return [ack]
        }
        return refuse("Write Memory \(Self.hex(address))+\(data.count): not writable")
    }

    /// Programs unit by unit, in address order, as the flash controller does; stops at the
    /// first unit that is not erased (unless the new value is all zeros). Bytes of a unit that
    /// the write does not cover are programmed as 0xFF (the bootloader pads). Returns the units
    /// programmed and the address of the one refused.
    private func program(_ data: [UInt8], at address: UInt32, _ geometry: STM32FlashGeometry) -> (Int, UInt32?) {
        let unit = UInt32(device.programUnit)
        let end = address + UInt32(data.count)
        var at = address / unit * unit
        var units = 0
        while at < end {
            let physical = geometry.physicalOffset(of: at)!
            let value = (0..<unit).map { i -> UInt8 in
                let byte = at + i
                return byte >= address && byte < end ? data[Int(byte - address)] : 0xFF
            }
            let current = flash[physical..<(physical + Int(unit))]
            if !current.allSatisfy({ $0 == 0xFF }) && !value.allSatisfy({ $0 == 0x00 }) { return (units, at) }
            for i in 0..<Int(unit) { flash[physical + i] &= value[i] }
            units += 1
            at += unit
        }
        return (units, nil)
    }

    private func erasePhysical(page: Int, _ geometry: STM32FlashGeometry) {
        for i in geometry.physicalRange(ofPage: page) { flash[i] = 0xFF }
    }

    // MARK: erase

    /// Erases pages after checking all of them: any unknown, secure or write-protected page
    /// refuses the whole command.
    private func erase(pages: [Int], what: String) -> [DeviceAction] {
        let geometry = self.geometry
        if let bad = pages.first(where: { !geometry.isAccessible(page: $0) }) {
            return refuse("\(what): page \(bad) does not exist or is secure")
        }
        let protected = loadedOptions.writeProtectedPages(geometry)
        if let page = pages.first(where: { page in protected.contains { $0.contains(page) } }) {
            return refuse("\(what): page \(page) is write-protected")
        }
        for page in pages { erasePhysical(page: page, geometry) }
        phase = .command
        log?("\(what): \(pages.count) page(s) → 79")
        return [.busy(nanoseconds: UInt64(pages.count) * configuration.times.pageEraseTypical), ack]
    }

    /// Mass or bank erase: the bank's accessible pages, refused if any is write-protected.
    private func bulkErase(banks: [Int], what: String) -> [DeviceAction] {
        let geometry = self.geometry
        let pages = banks.flatMap { geometry.pages(ofBank: $0) }.filter { geometry.isAccessible(page: $0) }
        let protected = loadedOptions.writeProtectedPages(geometry)
        if pages.contains(where: { page in protected.contains { $0.contains(page) } }) {
            return refuse("\(what): write protection is set")
        }
        for page in pages { erasePhysical(page: page, geometry) }
        phase = .command
        log?("\(what) → 79")
        return [.busy(nanoseconds: UInt64(banks.count) * configuration.times.massEraseTypical), ack]
    }

    private func legacyErase(_ frame: [UInt8]) -> [DeviceAction] {
        if frame.count == 2 {
            guard frame == STM32Protocol.legacyGlobalErase else { return refuse("Erase \(Hex.string(frame))") }
            return bulkErase(banks: Array(1...geometry.bankCount), what: "Erase (global)")
        }
        guard STM32Protocol.xor(frame) == 0 else { return refuse("Erase: bad checksum") }
        return erase(pages: frame[1..<(frame.count - 1)].map { Int($0) }, what: "Erase")
    }

    private func extendedErase(_ frame: [UInt8]) -> [DeviceAction] {
        guard STM32Protocol.xor(frame) == 0 else { return refuse("Extended Erase: bad checksum") }
        let count = Int(frame[0]) << 8 | Int(frame[1])
        if count >= 0xFFF0 {
            switch STM32Protocol.SpecialErase(rawValue: UInt16(count)) {
            case .mass: return bulkErase(banks: Array(1...geometry.bankCount), what: "Extended Erase (mass)")
            case .bank1 where geometry.bankCount == 2: return bulkErase(banks: [1], what: "Extended Erase (bank 1)")
            case .bank2 where geometry.bankCount == 2: return bulkErase(banks: [2], what: "Extended Erase (bank 2)")
            default: return refuse("Extended Erase special code \(Hex.string(frame[0...1]))")
            }
        }
        let pages = stride(from: 2, to: frame.count - 1, by: 2).map { Int(frame[$0]) << 8 | Int(frame[$0 + 1]) }
        return erase(pages: pages, what: "Extended Erase")
    }

    // MARK: go

    private func go(_ frame: [UInt8]) -> [DeviceAction] {
        guard let address = Self.address(frame), geometry.range.contains(address) || device.ram.contains(address) else {
            return refuse("Go \(Hex.string(frame))")
        }
        if device.ram.contains(address), holdsResetStub(at: address) {
            // stm32flash -R: a stub that writes SYSRESETREQ to AIRCR; BOOT0 is still high.
            log?("Go \(Self.hex(address)) (reset stub) → 79, reset")
            reset()
            return [ack]
        }
        log?("Go \(Self.hex(address)) → 79, the application runs")
        // The ACK leaves at the bootloader's rate before the application sets its own.
        let acknowledged = ack
        if geometry.range.contains(address) { startApplication(at: address) } else { phase = .application }
        return [acknowledged]
    }

    /// AIRCR (0xE000ED0C) and VECTKEY|SYSRESETREQ (0x05FA0004) within the first 64 bytes.
    private func holdsResetStub(at address: UInt32) -> Bool {
        let offset = Int(address - device.ram.start)
        let window = Array(ram[offset..<min(offset + 64, ram.count)])
        func has(_ word: [UInt8]) -> Bool {
            window.count >= 4 && (0...(window.count - 4)).contains { Array(window[$0..<($0 + 4)]) == word }
        }
        return has([0x0C, 0xED, 0x00, 0xE0]) && has([0x04, 0x00, 0xFA, 0x05])
    }

    // MARK: helpers

    /// Option changes: erase of the option page, program, reload; about a page erase.
    private var optionTime: UInt64 { configuration.times.pageEraseTypical }

    /// A 5-byte address frame with a good XOR, decoded.
    static func address(_ frame: [UInt8]) -> UInt32? {
        guard frame.count == 5, STM32Protocol.xor(frame) == 0 else { return nil }
        return STM32Protocol.bigEndian(frame[0..<4])
    }

    static func hex(_ address: UInt32) -> String { "0x" + Hex.string(STM32Protocol.bigEndian(address)) }

    /// What a part running its application sends to anything it hears.
    private func applicationOutput() -> [DeviceAction] {
        [.send(Self.applicationLog, baud: 115_200)]
    }

    public static let applicationLog: [UInt8] = Array("\r\nhello from the application\r\n".utf8)
}
