import BootwireCore
import Foundation
import USB

/// An ST-LINK's firmware as the host sees it over USB, byte for byte (spec 1.2–1.7, 5.3): 16-byte
/// commands on the OUT endpoint, replies of the exact length on IN, no reply for EXIT, DFU EXIT
/// and WRITEMEM; UNKNOWN_CMD for commands newer than the configured firmware; CMD_ERROR for
/// debug commands outside debug mode; AP0 usable from ENTER (INIT_AP accepted from J28); memory
/// commands on the access port of their byte 8 (from V2J32/V3J2; the core's MEM-AP, or the H5's
/// debug mailbox on AP0, READDEBUGREG and the core-register commands being AP0's); 6144-byte
/// 32/16-bit reads, 64/512-byte 8-bit transfers; GETLASTRWSTATUS2 with the fault address; core
/// registers (READREG, WRITEREG, READALLREGS). Memory goes to a `VirtualSWDTarget`.
public final class VirtualSTLink: VirtualUSBDevice, @unchecked Sendable {
    public struct Identity: Sendable {
        public var productID: UInt16
        public var hardware: Int
        public var jtag: Int
        public var low: Int
        public var serial: String
        /// A V2 whose serial descriptor holds 12 raw bytes (one per UTF-16 unit), as real V2s do.
        public var binarySerial = false
        public static let binarySerialBytes: [UInt8] = [
            0x55, 0xFF, 0x6B, 0x06, 0x49, 0x88, 0x49, 0x56, 0x20, 0x38, 0x10, 0x87,
        ]

        public static let v2 = Identity(productID: 0x3748, hardware: 2, jtag: 37, low: 7, serial: "BOOTWIRESWD2")
        public static let v21 = Identity(
            productID: 0x374B, hardware: 2, jtag: 37, low: 26, serial: "066DFF535155878281123456")
        public static let v3 = Identity(
            productID: 0x374E, hardware: 3, jtag: 7, low: 3, serial: "003A00123456789ABCDEF012")
        var isV3: Bool { hardware >= 3 }
        var outEndpoint: UInt8 { productID == 0x3748 ? 0x02 : 0x01 }
    }

    public let identity: Identity
    public let target: VirtualSWDTarget
    /// SWD_AP_WAIT answers left; they come only above `stormClearKHz` (a marginal line).
    public var waitStorm = 0
    /// What GET_TARGET_VOLTAGE measures (`voltage=V`).
    public var targetVolts = 3.3
    public var stormClearKHz = 480
    /// A debug access to flash that starts while the flash is still busy: the probe answers
    /// SWD_AP_WAIT (true) or waits the stall out itself (false). Which firmware does which is
    /// not known (silicon notes), so both must work. Stalls inside one WRITEMEM are always
    /// absorbed (the firmware retries the SWD WAIT acknowledge).
    public var flashWaitReported = false
    /// Where `state=PATH` keeps flash and option bytes between processes.
    public var statePath: String?

    private let lock = NSLock()
    private var mode: UInt8
    private var reply: [UInt8]?
    private var pendingWrite: (sub: UInt8, address: UInt32, length: Int, data: [UInt8], ap: UInt8)?
    private var openedAPs: Set<UInt8> = []
    private var lastStatus: UInt8 = 0x80
    private var lastFault: UInt32 = 0
    private var dap = VirtualDAPRegisters()
    public private(set) var clockKHz = 1800
    static let v3Clocks: [UInt32] = [24000, 8000, 3300, 1000, 200, 50, 5]

    public init(identity: Identity = .v21, target: VirtualSWDTarget) {
        self.identity = identity
        self.target = target
        mode = identity.productID == 0x3748 ? 0 : 1
    }

    public var deviceDescriptor: USBDeviceDescriptor {
        USBDeviceDescriptor(
            usbVersion: identity.isV3 ? 0x0210 : 0x0200, vendorID: 0x0483, productID: identity.productID,
            deviceVersion: identity.isV3 ? 0x0100 : 0x0100)
    }

    public var configuration: USBConfiguration {
        let size: UInt16 = identity.isV3 ? 512 : 64
        return USBConfiguration(interfaces: [
            USBInterface(
                number: 0, alternate: 0, interfaceClass: 0xFF, subclass: 0xFF, protocolCode: 0xFF, nameIndex: 4,
                endpoints: [
                    USBEndpoint(address: identity.outEndpoint, maxPacketSize: size),
                    USBEndpoint(address: 0x81, maxPacketSize: size),
                    USBEndpoint(address: identity.productID == 0x3748 ? 0x83 : 0x82, maxPacketSize: size),
                ])
        ])
    }

    public func string(_ index: UInt8) -> String? {
        switch index {
        case 1: "STMicroelectronics"
        case 2: identity.isV3 ? "STLINK-V3" : "STM32 STLink"
        case 3:
            identity.binarySerial
                ? String(String.UnicodeScalarView(Identity.binarySerialBytes.map { Unicode.Scalar($0) }))
                : identity.serial
        case 4: "ST-Link Debug"
        default: nil
        }
    }

    public func control(_ setup: USBSetup, data: [UInt8]) throws -> [UInt8] { throw USBError.stall }

    public func attached(to cable: VirtualUSBCable) {}

    /// The target's flash work (erase, program) in its own modelled time.
    public var modelledBusySeconds: Double? { target.flash.busySeconds }

    public func bulkWrite(endpoint: UInt8, _ data: [UInt8]) throws {
        guard endpoint == identity.outEndpoint else { throw USBError.stall }
        try lock.withLock {
            if var pending = pendingWrite {
                pending.data += data
                if pending.data.count >= pending.length {
                    pendingWrite = nil
                    finishWrite(
                        pending.sub, pending.address, Array(pending.data.prefix(pending.length)), ap: pending.ap)
                } else {
                    pendingWrite = pending
                }
                return
            }
            guard data.count == 16 else { throw USBError.stall }
            reply = nil
            command(data)
        }
    }

    public func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] {
        guard endpoint == 0x81 else { throw USBError.stall }
        return try lock.withLock {
            guard let answer = reply else { throw USBError.timeout }
            let part = Array(answer.prefix(length))
            reply = answer.count > length ? Array(answer.dropFirst(length)) : nil
            return part
        }
    }

    // MARK: commands

    private func le32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
    private func bytes32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    private func since(v2: Int, v3: Int) -> Bool { identity.isV3 ? identity.jtag >= v3 : identity.jtag >= v2 }

    private func command(_ c: [UInt8]) {
        // Code the debugger started in SRAM (a flash loader) runs between the host's commands.
        target.advance()
        switch c[0] {
        case 0xF1:
            let word = identity.isV3 ? 3 << 12 : identity.hardware << 12 | identity.jtag << 6 | identity.low
            reply =
                [UInt8(word >> 8), UInt8(word & 0xFF), 0x83, 0x04] + [
                    UInt8(identity.productID & 0xFF), UInt8(identity.productID >> 8),
                ]
        case 0xFB where identity.isV3:
            reply =
                [UInt8(identity.hardware), 0, UInt8(identity.jtag), UInt8(identity.low), 0, 0, 0, 0, 0x83, 0x04]
                + [UInt8(identity.productID & 0xFF), UInt8(identity.productID >> 8)]
        case 0xF5: reply = [mode, 0]
        case 0xF3 where c[1] == 0x07: mode = 1
        case 0xF4 where c[1] == 0x01: mode = 1
        case 0xF7 where since(v2: 13, v3: 0):
            // Factor, then reading: volts = 2 × reading × 1.2 / factor (3.3 V: 1489, 2047).
            reply = bytes32(1489) + bytes32(UInt32((targetVolts * 1489 / 2.4).rounded()))
        case 0xF2: debug(c)
        default: break
        }
    }

    /// The reply length each debug sub-command has, for UNKNOWN_CMD and CMD_ERROR answers.
    private static let replyLengths: [UInt8: Int] = [
        0x30: 2, 0x31: 12, 0x32: 2, 0x33: 8, 0x34: 2, 0x35: 2, 0x36: 8, 0x3B: 2, 0x3C: 2, 0x3E: 12, 0x43: 2,
        0x4B: 2, 0x4C: 2, 0x61: 8, 0x62: 52, 0x3A: 88, 0x45: 8, 0x46: 2, 0x56: 128,
    ]

    private func status(_ code: UInt8, _ sub: UInt8) {
        reply = [code] + [UInt8](repeating: 0, count: (Self.replyLengths[sub] ?? 2) - 1)
    }

    private func available(_ sub: UInt8) -> Bool {
        switch sub {
        case 0x3E: since(v2: 15, v3: 0)
        case 0x43: !identity.isV3 && identity.jtag >= 22
        case 0x4B, 0x4C: since(v2: 28, v3: 2)
        case 0x47, 0x48: since(v2: 26, v3: 0)
        case 0x45, 0x46: since(v2: 24, v3: 0)
        case 0x56: since(v2: 36, v3: 6)
        case 0x61, 0x62: identity.isV3
        default: true
        }
    }

    /// Debug accesses to the target through access port `ap`: the target's state and the line
    /// decide; an access to flash while it is busy stalls (reported as WAIT, or waited out).
    /// An AP other than 0 needs firmware whose memory commands carry one (modelled on the gate
    /// openocd applies, V2J32/V3J2; what older firmware does with the byte is UNCONFIRMED) and,
    /// from J28, INIT_AP of that port: else STLINK_BAD_AP_ERROR (0x1D).
    private func access(_ address: UInt32? = nil, _ count: Int = 4, ap: UInt8 = 0) -> UInt8? {
        if mode != 2 { return 0x08 }
        if ap != 0, !since(v2: 32, v3: 2) { return 0x1D }
        if since(v2: 28, v3: 2), !openedAPs.contains(ap) { return 0x1D }
        if target.swdDead { return 0x16 }
        if waitStorm > 0, clockKHz > stormClearKHz {
            waitStorm -= 1
            return 0x10
        }
        let flash = target.flash
        if let address, ap == target.coreAccessPort, let until = flash.busyUntil, ContinuousClock.now < until,
            UInt64(address) < UInt64(flash.flashBase) + UInt64(flash.flashSpan),
            UInt64(address) + UInt64(count) > UInt64(flash.flashBase)
        {
            if flashWaitReported { return 0x10 }
            Thread.sleep(forTimeInterval: (until - ContinuousClock.now).seconds)
        }
        return nil
    }

    // MARK: access ports

    /// What answers a memory access on access port `ap`: the core's MEM-AP, or, on a part whose
    /// core is on another port, the debug mailbox on AP0, which is no memory (modelled: reads 0,
    /// writes dropped; STM32CubeProgrammer reports its connection to AP 0 of an H5 as failing).
    /// A port that does not exist faults.
    private enum Port { case core, mailbox, absent }

    private func port(_ ap: UInt8) -> Port {
        ap == target.coreAccessPort ? .core : ap == 0 ? .mailbox : .absent
    }

    /// The DP and access ports as READ/WRITE_DAP_REG see them: the core's MEM-AP carries its
    /// core's IDR and the ROM table; the H5's mailbox on AP0 reads as no AP (IDR 0; its real
    /// IDR is UNCONFIRMED), so a scan goes on to AP1.
    private var dapBus: VirtualDAPRegisters.Bus {
        let core = VirtualCoreSight.Core(cpuid: target.cpuid) ?? .m4
        return VirtualDAPRegisters.Bus(
            dpidr: target.dpidr, targetID: (target.idcode & 0xFFF) << 12 | 0x041,
            idr: { [unowned self] ap in port(ap) == .core ? VirtualCoreSight.apIDR(core) : 0 },
            base: { [unowned self] ap in port(ap) == .core ? VirtualCoreSight.apBase : 0x2 },
            read32: { [unowned self] ap, address in read32(ap, address) },
            write32: { [unowned self] ap, address, value in write(ap, address, value, width: 4) })
    }

    private func read32(_ ap: UInt8, _ address: UInt32) -> UInt32? {
        switch port(ap) {
        case .core: target.read32(address)
        case .mailbox: 0
        case .absent: nil
        }
    }

    private func read16(_ ap: UInt8, _ address: UInt32) -> UInt16? {
        guard address & 1 == 0, let word = read32(ap, address & ~3) else { return nil }
        return UInt16(truncatingIfNeeded: word >> (8 * (address & 2)))
    }

    private func read8(_ ap: UInt8, _ address: UInt32) -> UInt8? {
        read32(ap, address & ~3).map { UInt8(truncatingIfNeeded: $0 >> (8 * (address & 3))) }
    }

    private func write(_ ap: UInt8, _ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess {
        switch port(ap) {
        case .mailbox: return .ok
        case .absent: return .fault
        case .core:
            switch width {
            case 4: return target.write32(address, value)
            case 2: return target.write16(address, UInt16(truncatingIfNeeded: value))
            default: return target.write8(address, UInt8(truncatingIfNeeded: value))
            }
        }
    }

    private func debug(_ c: [UInt8]) {
        let sub = c[1]
        guard Self.replyLengths[sub] != nil || [0x07, 0x08, 0x0C, 0x0D, 0x21, 0x47, 0x48].contains(sub),
            available(sub)
        else {
            status(0x42, sub)
            return
        }
        switch sub {
        case 0x30:
            mode = 2
            // AP0 answers from ENTER: stlink-org (every version) never sends INIT_AP and still
            // reads and flashes through V2J28+ and V3 probes. INIT_AP opens the others.
            openedAPs = [0]
            status(0x80, sub)
        case 0x21:
            mode = 1
            saveState()
        case 0x3C:
            target.setNRST(low: c[2] == 0)
            if c[2] == 2 { target.setNRST(low: false) }
            status(0x80, sub)
        case 0x43:
            let divisor = Int(c[2]) | Int(c[3]) << 8
            let table = [0: 4000, 1: 1800, 2: 1200, 3: 950, 5: 650, 7: 480, 9: 400, 10: 360, 15: 240, 25: 150, 31: 125]
                .merging([40: 100, 79: 50, 158: 25, 265: 15, 798: 5]) { a, _ in a }
            guard let kHz = table[divisor] else {
                status(0x41, sub)
                return
            }
            clockKHz = kHz
            status(0x80, sub)
        case 0x56:
            // GET_BOARD_IDENTIFIERS: status, then the Mbed board ID (4 ASCII bytes) of a Nucleo
            // or Discovery board's on-board probe; zeros here, a stand-alone probe's answer
            // (pyOCD reads that as "no board ID").
            status(0x80, sub)
        case 0x62:
            var answer = [UInt8](repeating: 0, count: 52)
            answer[0] = 0x80
            answer.replaceSubrange(4..<8, with: bytes32(UInt32(clockKHz)))
            answer[8] = UInt8(Self.v3Clocks.count)
            for (i, k) in Self.v3Clocks.enumerated() {
                answer.replaceSubrange(12 + 4 * i..<16 + 4 * i, with: bytes32(k))
            }
            reply = answer
        case 0x61:
            let kHz = le32(c, 4)
            guard Self.v3Clocks.contains(kHz) else {
                status(0x41, sub)
                return
            }
            clockKHz = Int(kHz)
            reply = [0x80, 0, 0, 0] + bytes32(kHz)
        default:
            guard mode == 2 else {
                if [0x07, 0x0C, 0x47].contains(sub) {
                    reply = [UInt8](repeating: 0, count: max(Int(c[6]) | Int(c[7]) << 8, 2))
                }
                if [0x07, 0x08, 0x0C, 0x0D, 0x47, 0x48].contains(sub) { lastStatus = 0x08 } else { status(0x08, sub) }
                if [0x08, 0x0D, 0x48].contains(sub) { pendingWrite = (sub, 0, Int(c[6]) | Int(c[7]) << 8, [], c[8]) }
                return
            }
            debugMode(c)
        }
    }

    private func debugMode(_ c: [UInt8]) {
        let sub = c[1]
        switch sub {
        case 0x31:
            guard !target.swdDead else { return status(0x09, sub) }
            reply = [0x80, 0, 0, 0] + bytes32(target.dpidr) + [0, 0, 0, 0]
        case 0x4B:
            openedAPs.insert(c[2])
            status(0x80, sub)
        case 0x4C:
            openedAPs.remove(c[2])
            status(0x80, sub)
        case 0x32:
            target.systemReset()
            status(0x80, sub)
        // The core-register commands and READ/WRITEDEBUGREG carry no access port: they go to
        // AP0, where an H5 has its mailbox, not its core.
        case 0x33:
            if let code = access() { return status(code, sub) }
            let value = port(0) == .core ? target.core.register(UInt32(c[2])) : 0
            reply = [0x80, 0, 0, 0] + bytes32(value)
        case 0x34:
            if let code = access() { return status(code, sub) }
            if port(0) == .core { target.core.setRegister(UInt32(c[2]), le32(c, 3)) }
            status(0x80, sub)
        case 0x3A:
            if let code = access() { return status(code, sub) }
            // R0–R15, xPSR, MSP, PSP, then the CONTROL/PRIMASK word and one more (REGSEL 20, 21).
            reply =
                [0x80, 0, 0, 0]
                + ([UInt32](0...18) + [20, 21]).flatMap { bytes32(port(0) == .core ? target.core.register($0) : 0) }
        case 0x36:
            if let code = access(le32(c, 2)) { return status(code, sub) }
            guard let value = read32(0, le32(c, 2)) else { return status(0x11, sub) }
            reply = [0x80, 0, 0, 0] + bytes32(value)
        case 0x35:
            if let code = access(le32(c, 2)) { return status(code, sub) }
            switch write(0, le32(c, 2), le32(c, 6), width: 4) {
            case .ok: status(0x80, sub)
            case .fault: status(0x11, sub)
            case .resetDuringAccess: status(0x16, sub)
            case .wait: status(0x10, sub)
            }
        case 0x45, 0x46:
            if let code = access() { return status(code, sub) }
            let port = UInt16(c[2]) | UInt16(c[3]) << 8
            let register = UInt16(c[4]) | UInt16(c[5]) << 8
            let result =
                sub == 0x45
                ? dap.read(port: port, register: register, bus: dapBus)
                : dap.write(port: port, register: register, value: le32(c, 6), bus: dapBus).map { 0 }
            switch result {
            case .success(let value): reply = sub == 0x45 ? [0x80, 0, 0, 0] + bytes32(value) : [0x80, 0]
            case .failure: status(0x11, sub)
            }
        case 0x3E:
            reply = [lastStatus, 0, 0, 0] + bytes32(lastFault) + [0, 0, 0, 0]
        case 0x3B:
            reply = [lastStatus, 0]
        case 0x47:
            let address = le32(c, 2)
            let length = Int(c[6]) | Int(c[7]) << 8
            var data = [UInt8](repeating: 0, count: length)
            lastStatus = 0x80
            if length > 6144 {
                lastStatus = 0x08
            } else if address % 2 != 0 || length % 2 != 0 {
                lastStatus = 0x0A
            } else if let code = access(address, length, ap: c[8]) {
                lastStatus = code
            } else {
                for i in stride(from: 0, to: length, by: 2) {
                    guard let half = read16(c[8], address &+ UInt32(i)) else {
                        lastStatus = 0x11
                        lastFault = address &+ UInt32(i)
                        break
                    }
                    data[i] = UInt8(half & 0xFF)
                    data[i + 1] = UInt8(half >> 8)
                }
            }
            reply = data
        case 0x07, 0x0C:
            let address = le32(c, 2)
            let length = Int(c[6]) | Int(c[7]) << 8
            var data = [UInt8](repeating: 0, count: length == 1 ? 2 : length)
            lastStatus = 0x80
            // UNCONFIRMED what firmware answers past its buffer; CMD_ERROR after the data phase.
            if length > (sub == 0x07 ? 6144 : identity.isV3 && identity.jtag >= 6 ? 512 : 64) {
                lastStatus = 0x08
            } else if sub == 0x07, address % 4 != 0 || length % 4 != 0 {
                lastStatus = 0x0A
            } else if let code = access(address, length, ap: c[8]) {
                lastStatus = code
            } else {
                // A word at a time where whole words fit (what read8 does for each of its bytes),
                // so a 6 KiB read costs 1536 target reads, not 6144: most of the SWD tests' CPU.
                var i = 0
                while i < length {
                    let at = address &+ UInt32(i)
                    if at % 4 == 0, i + 4 <= length {
                        guard let word = read32(c[8], at) else {
                            lastStatus = 0x11
                            lastFault = at
                            break
                        }
                        for k in 0..<4 { data[i + k] = UInt8(truncatingIfNeeded: word >> (8 * k)) }
                        i += 4
                        continue
                    }
                    guard let byte = read8(c[8], at) else {
                        lastStatus = 0x11
                        lastFault = at
                        break
                    }
                    data[i] = byte
                    i += 1
                }
            }
            reply = data
        case 0x08, 0x0D, 0x48:
            pendingWrite = (sub, le32(c, 2), Int(c[6]) | Int(c[7]) << 8, [], c[8])
        default:
            status(0x42, sub)
        }
    }

    private func finishWrite(_ sub: UInt8, _ address: UInt32, _ data: [UInt8], ap: UInt8) {
        guard mode == 2 else { return }
        lastStatus = 0x80
        // 32/16-bit writes stream their data phase: stlink-org's loaders write up to 32 KiB and
        // probe-rs up to 0xFFFC bytes in one command, so only the 16-bit length field limits them
        // (reads keep the 6144-byte buffer).
        if sub == 0x0D, data.count > (identity.isV3 && identity.jtag >= 6 ? 512 : 64) {
            lastStatus = 0x08
            return
        }
        if sub == 0x08, address % 4 != 0 || data.count % 4 != 0 {
            lastStatus = 0x0A
            return
        }
        if sub == 0x48, address % 2 != 0 || data.count % 2 != 0 {
            lastStatus = 0x0A
            return
        }
        if let code = access(address, data.count, ap: ap) {
            lastStatus = code
            return
        }
        let step = sub == 0x08 ? 4 : sub == 0x48 ? 2 : 1
        for i in stride(from: 0, to: data.count, by: step) {
            let at = address &+ UInt32(i)
            let value =
                step == 4 ? le32(data, i) : step == 2 ? UInt32(data[i]) | UInt32(data[i + 1]) << 8 : UInt32(data[i])
            let result = write(ap, at, value, width: step)
            if result != .ok {
                lastStatus = result == .fault ? 0x11 : result == .wait ? 0x10 : 0x16
                lastFault = at
                return
            }
        }
        // Each double word stalls the next store while it programs; the firmware retries those
        // stalls, so the command ends only as the last unit starts programming.
        if let until = target.flash.busyUntil {
            let left = (until - ContinuousClock.now).seconds - 0.0001
            if left > 0 { Thread.sleep(forTimeInterval: left) }
        }
    }

    /// Writes flash and option bytes to `state=PATH` (at EXIT: the end of every session).
    public func saveState() {
        guard let statePath else { return }
        try? OutputFile.write(target.flash.state, to: statePath)
    }

    public func loadState() -> Bool {
        guard let statePath, let data = FileManager.default.contents(atPath: statePath) else { return false }
        return target.flash.restore(data)
    }
}
