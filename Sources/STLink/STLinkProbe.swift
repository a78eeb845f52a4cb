import ArmDebug
import BootwireCore
import Foundation
import USB

/// One opened ST-LINK: the transaction format of spec 1.2 over the USB seam, the open sequence
/// of 1.9, the clock, and memory access within the probe's limits (1.7). WAIT answers are retried
/// with back-off; a WAIT storm that outlasts the retries lowers the SWD clock and says so.
public final class STLinkProbe: @unchecked Sendable {
    public let handle: any USBDeviceHandle
    public let kind: STLinkProbeKind
    public private(set) var version: STLinkVersion
    public private(set) var clockKHz: Int = SWDClock.defaultKHz
    public private(set) var voltage: Double?
    public private(set) var statistics = STLinkStatistics()
    public var events: EventSink
    /// The lowest clock an automatic reduction goes to.
    public var minimumClockKHz = 100

    static let timeout: Duration = .seconds(1)
    static let maxTransfer = 6144
    /// openocd splits at 1 KiB, 4 KiB once CPUID says M3/M4 (spec 1.7).
    public var tarBoundary = 1024
    static let waitRetries = 8

    public init(handle: any USBDeviceHandle, events: @escaping EventSink) throws {
        self.handle = handle
        self.events = events
        guard let kind = STLinkProbeKind.kind(productID: handle.record.productID) else {
            throw BootwireError(.usbNotFound, "\(handle.record.ids) is not an ST-LINK")
        }
        self.kind = kind
        version = STLinkVersion(
            hardware: kind.generation, jtag: 0, low: 0, lowIsMassStorage: true, vendorID: STLinkProbeKind.vendorID,
            productID: kind.productID)
    }

    // MARK: transactions

    /// Command, optional data out, optional reply of exactly `reply` bytes.
    func transact(_ command: [UInt8], out: [UInt8] = [], reply: Int = 0, kind: STLinkStatistics.Kind) throws -> [UInt8]
    {
        let what = "command 0x" + command.prefix(2).map { String(format: "%02X", $0) }.joined()
        handle.annotate("stlink " + STLinkCommand.name(command))
        do {
            try handle.bulkWrite(endpoint: self.kind.outEndpoint, STLinkCommand.frame(command), timeout: Self.timeout)
            statistics.count(kind, transfers: 1, bytes: STLinkCommand.length)
            if !out.isEmpty {
                try handle.bulkWrite(endpoint: self.kind.outEndpoint, out, timeout: Self.timeout)
                statistics.count(kind, transfers: 1, bytes: out.count)
            }
            guard reply > 0 else { return [] }
            var answer: [UInt8] = []
            while answer.count < reply {
                let part = try handle.bulkRead(
                    endpoint: self.kind.inEndpoint, length: reply - answer.count, timeout: Self.timeout)
                statistics.count(kind, transfers: 1, bytes: part.count)
                guard !part.isEmpty else { throw USBError.io }
                answer += part
            }
            return answer
        } catch let error as USBError {
            throw BootwireError.usb(error, "talking to the ST-LINK (\(what))")
        }
    }

    /// A debug command whose reply starts with a status byte.
    @discardableResult
    func debugCommand(_ bytes: [UInt8], reply: Int = 2, operation: String) throws -> [UInt8] {
        let answer = try transact([STLinkCommand.debug] + bytes, reply: reply, kind: .control)
        let status = STLinkStatus(answer[0])
        guard status.isOK else { throw ProbeError(status, operation: operation) }
        return answer
    }

    // MARK: open sequence

    /// Leaves whatever mode the probe is in, reads its version and the target voltage.
    public func open() throws {
        let mode = try transact([STLinkCommand.getCurrentMode], reply: 2, kind: .control)
        switch STLinkCommand.Mode(rawValue: mode[0]) {
        case .dfu: _ = try transact([STLinkCommand.dfu, STLinkCommand.dfuExit], kind: .control)
        case .debug: exitDebug()
        case .swim: _ = try transact([STLinkCommand.swim, STLinkCommand.swimExit], kind: .control)
        default: break
        }
        guard
            var found = STLinkVersion.decode(short: try transact([STLinkCommand.getVersion], reply: 6, kind: .control))
        else { throw BootwireError(.protocolError, "the ST-LINK's version answer is short") }
        if found.hardware >= 3,
            let extended = STLinkVersion.decode(
                extended: try transact([STLinkCommand.getVersionEx], reply: 12, kind: .control))
        {
            found = extended
        }
        version = found
        guard found.isSupported else {
            throw BootwireError(
                .stlinkFirmwareTooOld,
                "ST-LINK firmware \(found) is too old (Bootwire needs V2J\(found.minimum.v2) or V3J\(found.minimum.v3))",
                hint: "update the probe firmware with STM32CubeProgrammer or ST-LinkUpgrade",
                evidence: ["firmware": "\(found)", "product": Hex.digits(found.productID, width: 4)])
        }
        if found.hasTargetVoltage {
            let answer = try transact([STLinkCommand.getTargetVoltage], reply: 8, kind: .control)
            let factor = STLinkCommand.le32(answer, at: 0)
            let reading = STLinkCommand.le32(answer, at: 4)
            voltage = factor == 0 ? nil : 2 * Double(reading) * 1.2 / Double(factor)
        }
    }

    /// Sets SWCLK at or below `kHz`; returns what the probe runs at.
    @discardableResult
    public func setClock(kHz: Int) throws -> Int {
        if version.hasComFrequency {
            let list = try debugCommand(
                [STLinkCommand.Debug.getComFreq, 0], reply: 52, operation: "listing SWD clocks")
            let count = min(Int(list[8]), 10)
            let choices = (0..<count).map { Int(STLinkCommand.le32(list, at: 12 + 4 * $0)) }
            let pick = SWDClock.pick(choices, atMost: kHz) ?? kHz
            try debugCommand(
                [STLinkCommand.Debug.setComFreq, 0, 0] + STLinkCommand.le32(UInt32(pick)), reply: 8,
                operation: "setting the SWD clock")
            clockKHz = pick
        } else if version.hasSWDSetFrequency {
            let step = SWDClock.v2Divisor(atMost: kHz)
            try debugCommand(
                [STLinkCommand.Debug.swdSetFreq] + STLinkCommand.le16(step.divisor), operation: "setting the SWD clock")
            clockKHz = step.kHz
        }
        return clockKHz
    }

    public func enterSWD() throws {
        try debugCommand([STLinkCommand.Debug.enter, STLinkCommand.Debug.enterSWD], operation: "entering SWD mode")
    }

    /// The DP IDCODE (DPIDR).
    public func readIDCodes() throws -> UInt32 {
        let answer = try debugCommand([STLinkCommand.Debug.readIDCodes], reply: 12, operation: "reading the DP IDCODE")
        return STLinkCommand.le32(answer, at: 4)
    }

    /// The access port memory commands go to; READDEBUGREG/WRITEDEBUGREG carry none (AP 0).
    public private(set) var accessPort: UInt8 = 0

    /// Opens access port `port` (INIT_AP, V2J28+/V3: openocd `stlink_usb_init_access_port`) and
    /// sends later memory commands there. A port other than 0 needs firmware whose memory
    /// commands carry one; older firmware reaches AP0 only, and the user is told to update it.
    public func selectAP(_ port: UInt8) throws {
        if port != 0, !version.hasAccessPortNumber {
            throw BootwireError(
                .stlinkFirmwareTooOld,
                "no core answered on access port 0, and ST-LINK firmware \(version) cannot reach access port \(port)",
                hint: "update the probe firmware (V2J32 or V3J2 and later) with STM32CubeProgrammer or ST-LinkUpgrade",
                evidence: ["firmware": "\(version)", "access-port": "\(port)"])
        }
        if version.hasInitAP {
            try debugCommand([STLinkCommand.Debug.initAP, port], operation: "opening access port \(port)")
        }
        accessPort = port
    }

    public func driveNRST(_ level: STLinkCommand.NRST) throws {
        try debugCommand([STLinkCommand.Debug.driveNRST, level.rawValue], operation: "driving NRST")
    }

    /// Leaves debug mode; no reply comes.
    public func exitDebug() {
        _ = try? transact([STLinkCommand.debug, STLinkCommand.Debug.exit], kind: .control)
    }

    // MARK: memory with retries

    /// Runs `body`, retrying WAIT with back-off (100 µs doubling), then at lower clocks.
    func withWaitRetries<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        while true {
            var delay = 0.0001
            var lastWait: ProbeError?
            for _ in 0...Self.waitRetries {
                do {
                    return try body()
                } catch let fault as ProbeError where fault.fault == .wait {
                    lastWait = fault
                    statistics.waitRetries += 1
                    Thread.sleep(forTimeInterval: delay)
                    delay *= 2
                }
            }
            guard let lower = SWDClock.lower(than: clockKHz), lower >= minimumClockKHz else {
                throw lastWait ?? ProbeError(.apWait, operation: operation)
            }
            let before = clockKHz
            try setClock(kHz: lower)
            events(
                .note(
                    .warning(
                        .swdClockReduced,
                        "SWD answered WAIT \(Self.waitRetries + 1) times in a row at \(before) kHz while \(operation); "
                            + "continuing at \(clockKHz) kHz")))
        }
    }

    /// GETLASTRWSTATUS2: the status of the last memory command and the address it failed at.
    func lastStatus(operation: String) throws {
        let answer = try transact(
            [STLinkCommand.debug, STLinkCommand.Debug.getLastRWStatus2], reply: 12, kind: .status)
        let status = STLinkStatus(answer[0])
        guard status.isOK else {
            throw ProbeError(status, address: STLinkCommand.le32(answer, at: 4), operation: operation)
        }
    }

    public func readWord(_ address: UInt32) throws -> UInt32 {
        // READDEBUGREG has no access port byte: another port's words go as 4-byte memory reads.
        guard accessPort == 0 else { return STLinkCommand.le32(try readMemory(address, count: 4), at: 0) }
        return try withWaitRetries("reading \(Hex.address(address, width: 8, uppercase: true))") {
            let answer = try transact(
                [STLinkCommand.debug, STLinkCommand.Debug.readDebugReg] + STLinkCommand.le32(address), reply: 8,
                kind: .register)
            let status = STLinkStatus(answer[0])
            guard status.isOK else {
                throw ProbeError(
                    status, address: address, operation: "reading \(Hex.address(address, width: 8, uppercase: true))")
            }
            return STLinkCommand.le32(answer, at: 4)
        }
    }

    public func writeWord(_ address: UInt32, _ value: UInt32) throws {
        guard accessPort == 0 else { return try writeMemory(address, STLinkCommand.le32(value)) }
        try withWaitRetries("writing \(Hex.address(address, width: 8, uppercase: true))") {
            let answer = try transact(
                [STLinkCommand.debug, STLinkCommand.Debug.writeDebugReg] + STLinkCommand.le32(address)
                    + STLinkCommand.le32(value), reply: 2, kind: .register)
            let status = STLinkStatus(answer[0])
            guard status.isOK else {
                throw ProbeError(
                    status, address: address, operation: "writing \(Hex.address(address, width: 8, uppercase: true))")
            }
        }
    }

    /// Pieces of [address, address + count) for memory commands: 8-bit head and tail around a
    /// 32-bit middle, no piece over the probe's buffer or across a 1 KiB TAR boundary.
    static func pieces(address: UInt32, count: Int, byteLimit: Int, boundary tarBoundary: Int = 1024) -> [(
        address: UInt32, count: Int, wide: Bool
    )] {
        var out: [(UInt32, Int, Bool)] = []
        var at = UInt64(address)
        let end = UInt64(address) + UInt64(count)
        while at < end {
            let aligned = at % 4 == 0
            if !aligned || end - at < 4 {
                let stop = aligned ? end : min(end, (at + 3) / 4 * 4)
                let n = min(Int(stop - at), byteLimit)
                out.append((UInt32(at), n, false))
                at += UInt64(n)
                continue
            }
            let boundary = (at / UInt64(tarBoundary) + 1) * UInt64(tarBoundary)
            let n = min((end - at) / 4 * 4, UInt64(maxTransfer), boundary - at)
            out.append((UInt32(at), Int(n), true))
            at += n
        }
        return out
    }

    public func readMemory(_ address: UInt32, count: Int) throws -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(count)
        for piece in Self.pieces(
            address: address, count: count, byteLimit: version.maxByteTransfer, boundary: tarBoundary)
        {
            let operation = "reading \(piece.count) bytes at \(Hex.address(piece.address, width: 8, uppercase: true))"
            data += try withWaitRetries(operation) {
                let sub = piece.wide ? STLinkCommand.Debug.readMem32 : STLinkCommand.Debug.readMem8
                // A 1-byte read must ask for 2 bytes (spec 1.4).
                let asked = piece.count == 1 ? 2 : piece.count
                let answer = try transact(
                    STLinkCommand.memory(
                        sub, address: piece.address, length: piece.count, accessPort: accessPort), reply: asked,
                    kind: .memoryRead)
                try lastStatus(operation: operation)
                return Array(answer.prefix(piece.count))
            }
        }
        return data
    }

    /// WRITEMEM_8BIT only, in pieces of the firmware's byte limit that stay inside the TAR
    /// auto-increment boundary (stlink-org programs an F4 at x8 so below 2.7 V).
    public func writeBytes(_ address: UInt32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let at = address + UInt32(offset)
            let toBoundary = tarBoundary - Int(at) % tarBoundary
            let count = min(bytes.count - offset, version.maxByteTransfer, toBoundary)
            let chunk = Array(bytes[offset..<(offset + count)])
            let operation = "writing \(count) bytes at \(Hex.address(at, width: 8, uppercase: true))"
            try withWaitRetries(operation) {
                _ = try transact(
                    STLinkCommand.memory(STLinkCommand.Debug.writeMem8, address: at, length: count), out: chunk,
                    kind: .memoryWrite)
                try lastStatus(operation: operation)
            }
            offset += count
        }
    }

    public func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws {
        var offset = 0
        for piece in Self.pieces(
            address: address, count: bytes.count, byteLimit: version.maxByteTransfer, boundary: tarBoundary)
        {
            let chunk = Array(bytes[offset..<(offset + piece.count)])
            offset += piece.count
            let operation = "writing \(piece.count) bytes at \(Hex.address(piece.address, width: 8, uppercase: true))"
            try withWaitRetries(operation) {
                let sub = piece.wide ? STLinkCommand.Debug.writeMem32 : STLinkCommand.Debug.writeMem8
                _ = try transact(
                    STLinkCommand.memory(
                        sub, address: piece.address, length: piece.count, accessPort: accessPort), out: chunk,
                    kind: .memoryWrite)
                try lastStatus(operation: operation)
            }
        }
    }
}

/// USB transfers the probe made, by what they were for: where the time goes.
public struct STLinkStatistics: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case control, register, memoryRead = "memory-read", memoryWrite = "memory-write", status
    }
    public var transfers: [String: Int] = [:]
    public var bytes = 0
    public var waitRetries = 0

    mutating func count(_ kind: Kind, transfers n: Int, bytes b: Int) {
        transfers[kind.rawValue, default: 0] += n
        bytes += b
    }

    public var total: Int { transfers.values.reduce(0, +) }

    /// `memory-write 120, register 30, …`, largest first.
    public var breakdown: String {
        transfers.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
