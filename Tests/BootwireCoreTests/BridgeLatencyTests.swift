import BootwireCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Asking a USB-serial bridge for its lowest latency: the ftdi_sio attribute under a fake sysfs
/// root, the ASYNC_LOW_LATENCY flag through a fake driver, restoring both, and what a port
/// without either reports.
@Suite struct BridgeLatencyTests {
    /// A driver's serial flags in memory; `refuse` makes TIOCSSERIAL fail, `absent` TIOCGSERIAL.
    final class FakeDriver: SerialFlagsAccess {
        var flags: Int32
        var absent = false
        var refuse = false
        var writes: [Int32] = []

        init(flags: Int32 = 0) { self.flags = flags }

        func readFlags() -> Result<Int32, SerialFlagsError> {
            absent ? .failure(SerialFlagsError(errno: ENOTTY)) : .success(flags)
        }

        func writeFlags(_ value: Int32) -> SerialFlagsError? {
            if refuse { return SerialFlagsError(errno: EPERM) }
            writes.append(value)
            flags = value
            return nil
        }
    }

    /// A sysfs root with ttyUSB0's latency_timer at `value`.
    static func fakeSysfs(_ value: Int?, tty: String = "ttyUSB0") throws -> String {
        let root = NSTemporaryDirectory() + "bridge-latency-\(UUID().uuidString)"
        let folder = "\(root)/class/tty/\(tty)/device"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let value { try "\(value)\n".write(toFile: "\(folder)/latency_timer", atomically: false, encoding: .utf8) }
        return root
    }

    static func timer(_ root: String, tty: String = "ttyUSB0") -> String? {
        (try? String(contentsOfFile: "\(root)/class/tty/\(tty)/device/latency_timer", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Points ttyUSB0's attribute at a read-only sysfs file holding a number above 1 (the CPU
    /// count limit): sysfs refuses the write even to root, as it refuses a user the real timer.
    static func makeUnwritable(_ root: String) -> Bool {
        let readOnly = "/sys/devices/system/cpu/kernel_max"
        guard let text = try? String(contentsOfFile: readOnly, encoding: .utf8),
            (Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 1
        else { return false }
        let attribute = "\(root)/class/tty/ttyUSB0/device/latency_timer"
        try? FileManager.default.removeItem(atPath: attribute)
        return symlink(readOnly, attribute) == 0
    }

    @Test("the attribute path is the kernel's: by-id links resolved by the caller, pts/N spelled pts!N")
    func attributePaths() {
        #expect(
            BridgeLatencyControl.attributePath(ttyPath: "/dev/ttyUSB0", sysfsRoot: "/sys")
                == "/sys/class/tty/ttyUSB0/device/latency_timer")
        #expect(
            BridgeLatencyControl.attributePath(ttyPath: "/dev/pts/7", sysfsRoot: "/tmp/s")
                == "/tmp/s/class/tty/pts!7/device/latency_timer")
    }

    @Test("a 16 ms latency_timer is lowered to 1 ms, and put back on restore")
    func sysfsTimerLoweredAndRestored() throws {
        let root = try Self.fakeSysfs(16)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let driver = FakeDriver()
        let control = BridgeLatencyControl()
        let state = control.lower(ttyPath: "/dev/ttyUSB0", sysfsRoot: root, flags: driver)
        #expect(state.control == .latencyTimer)
        #expect(state.beforeMilliseconds == 16 && state.afterMilliseconds == 1)
        #expect(Self.timer(root) == "1")
        #expect(driver.writes.isEmpty)
        control.restore()
        #expect(Self.timer(root) == "16")
        control.restore()
        #expect(Self.timer(root) == "16")
    }

    @Test("a timer already at 1 ms is left alone and nothing is restored")
    func sysfsTimerAlreadyLow() throws {
        let root = try Self.fakeSysfs(1)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let control = BridgeLatencyControl()
        let state = control.lower(ttyPath: "/dev/ttyUSB0", sysfsRoot: root, flags: FakeDriver())
        #expect(state.control == .latencyTimer && state.afterMilliseconds == 1)
        try "5\n".write(toFile: "\(root)/class/tty/ttyUSB0/device/latency_timer", atomically: false, encoding: .utf8)
        control.restore()
        #expect(Self.timer(root) == "5")
    }

    @Test("no attribute: ASYNC_LOW_LATENCY is set through the driver's flags, and cleared on restore")
    func ioctlFlagSetAndRestored() throws {
        let root = try Self.fakeSysfs(nil)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let other: Int32 = 0x10  // a flag of the driver's own that must survive
        let driver = FakeDriver(flags: other)
        let control = BridgeLatencyControl()
        let state = control.lower(ttyPath: "/dev/ttyUSB0", sysfsRoot: root, flags: driver)
        #expect(state.control == .lowLatencyFlag)
        #expect(driver.flags == other | BridgeLatencyControl.lowLatencyFlag)
        control.restore()
        #expect(driver.flags == other)
    }

    @Test("an unwritable timer falls back to the flag; ftdi_sio's answer is read back from the attribute")
    func unwritableTimerFallsBackToFlag() throws {
        let root = try Self.fakeSysfs(16)
        defer { try? FileManager.default.removeItem(atPath: root) }
        guard Self.makeUnwritable(root) else { return }
        let driver = FakeDriver()
        let state = BridgeLatencyControl().lower(ttyPath: "/dev/ttyUSB0", sysfsRoot: root, flags: driver)
        #expect(state.control == .lowLatencyFlag)
        #expect((state.beforeMilliseconds ?? 0) > 1)
        #expect(driver.flags & BridgeLatencyControl.lowLatencyFlag != 0)
    }

    @Test("a timer that stays high is reported as a warning with bridge-latency-high")
    func stuckTimerIsAWarning() throws {
        let state = BridgeLatency(
            control: .latencyTimer, beforeMilliseconds: 16, afterMilliseconds: 16,
            reason: "latency_timer is 16 ms and not writable by this user; the driver refused ASYNC_LOW_LATENCY")
        let finding = PortDoctor.latencyFinding(
            LinkCapabilities(modemLines: true, parity: true, isPseudoTerminal: false, latency: state))
        #expect(finding.status == .warn)
        #expect(finding.code == .bridgeLatencyHigh)
    }

    @Test("a timer the driver refuses both ways is still the answer: it stays, with the reasons")
    func refusedEverywhere() throws {
        let root = try Self.fakeSysfs(16)
        defer { try? FileManager.default.removeItem(atPath: root) }
        guard Self.makeUnwritable(root) else { return }
        let driver = FakeDriver()
        driver.refuse = true
        let state = BridgeLatencyControl().lower(ttyPath: "/dev/ttyUSB0", sysfsRoot: root, flags: driver)
        #expect(state.control == .latencyTimer)
        #expect(state.afterMilliseconds == state.beforeMilliseconds)
        #expect(state.reason != nil)
        #expect(
            PortDoctor.latencyFinding(
                LinkCapabilities(modemLines: true, parity: true, isPseudoTerminal: false, latency: state)
            ).code == .bridgeLatencyHigh)
    }

    @Test("a driver without serial flags and no attribute (CDC-ACM, a pty): nothing to lower, a skip in doctor")
    func noControl() throws {
        let root = try Self.fakeSysfs(nil)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let driver = FakeDriver()
        driver.absent = true
        let state = BridgeLatencyControl().lower(ttyPath: "/dev/ttyACM0", sysfsRoot: root, flags: driver)
        #expect(state.control == .none)
        let finding = PortDoctor.latencyFinding(
            LinkCapabilities(modemLines: true, parity: true, isPseudoTerminal: false, latency: state))
        #expect(finding.status == .skip)
        #expect(finding.code == nil)
    }

    @Test("a real pty: TIOCGSERIAL is refused (ENOTTY) and the port opens with no latency control")
    func ptyHasNoSerialFlags() throws {
        let pty = try PseudoTerminal()
        try withExtendedLifetime(pty) {
            let root = try Self.fakeSysfs(nil)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let port = try SerialPort.open(pty.slavePath, setup: SerialPortSetup(sysfsRoot: root))
            defer { port.close() }
            #expect(port.capabilities.latency.control == .none)
        }
    }

    @Test("SerialPort.open lowers a pty's attribute under the root it is given, and close puts it back")
    func openLowersAndCloseRestores() throws {
        let pty = try PseudoTerminal()
        try withExtendedLifetime(pty) {
            let tty = String(pty.slavePath.dropFirst(5)).replacingOccurrences(of: "/", with: "!")
            let root = try Self.fakeSysfs(16, tty: tty)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let port = try SerialPort.open(pty.slavePath, setup: SerialPortSetup(sysfsRoot: root))
            #expect(port.capabilities.latency.control == .latencyTimer)
            #expect(Self.timer(root, tty: tty) == "1")
            port.close()
            #expect(Self.timer(root, tty: tty) == "16")
        }
    }

    @Test("asked not to, open leaves the timer alone")
    func openWithoutAsking() throws {
        let pty = try PseudoTerminal()
        try withExtendedLifetime(pty) {
            let tty = String(pty.slavePath.dropFirst(5)).replacingOccurrences(of: "/", with: "!")
            let root = try Self.fakeSysfs(16, tty: tty)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let port = try SerialPort.open(
                pty.slavePath, setup: SerialPortSetup(lowestLatency: false, sysfsRoot: root))
            defer { port.close() }
            #expect(port.capabilities.latency == .notAsked)
            #expect(Self.timer(root, tty: tty) == "16")
        }
    }
}
