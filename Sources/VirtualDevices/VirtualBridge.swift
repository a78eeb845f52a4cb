import BootwireCore
import Foundation

/// The USB-serial bridge in front of a virtual device, as ftdi_sio shows an FTDI chip: what
/// the device sends is held until the bridge's latency timer runs out (a reply shorter than a
/// USB packet waits the whole timer), and the timer is the sysfs attribute `latency_timer`,
/// in ms, which a host may lower. The attribute lives under a sysfs root of its own, at the
/// path the kernel would give the port's tty (`class/tty/pts!7/device/latency_timer`), so a
/// host finds it the way it finds a real one; a host that never asks keeps the default.
public final class VirtualBridge: @unchecked Sendable {
    public let sysfsRoot: String
    /// FTDI's power-on value is 16 ms.
    public let defaultMilliseconds: Int
    private let lock = NSLock()
    private var attribute: String

    public init(sysfsRoot: String, ttyPath: String, latencyTimerMilliseconds: Int = 16) throws {
        self.sysfsRoot = sysfsRoot
        defaultMilliseconds = latencyTimerMilliseconds
        attribute = ""
        try plug(ttyPath: ttyPath)
    }

    /// Where the attribute is now.
    public var attributePath: String {
        lock.lock()
        defer { lock.unlock() }
        return attribute
    }

    /// A (re-)plugged bridge comes up with the default timer, under its tty's new name.
    public func plug(ttyPath: String) throws {
        let path = BridgeLatencyControl.attributePath(ttyPath: ttyPath, sysfsRoot: sysfsRoot)
        let folder = PathName.folder(of: path)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw BootwireError(.portIO, "cannot create \(folder)", hint: "choose a writable folder for --sysfs-root")
        }
        guard FileManager.default.createFile(atPath: path, contents: Data("\(defaultMilliseconds)\n".utf8)) else {
            throw BootwireError(.portIO, "cannot create \(path)", hint: "choose a writable folder for --sysfs-root")
        }
        lock.lock()
        let old = attribute
        attribute = path
        lock.unlock()
        if !old.isEmpty && old != path { try? FileManager.default.removeItem(atPath: old) }
    }

    /// The timer as the host last set it. Read at each turnaround (a few hundred a flash): the
    /// host may write it at any time, as on a real bridge.
    public var latencyTimerMilliseconds: Int {
        guard let text = try? String(contentsOfFile: attributePath, encoding: .utf8),
            let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), (0...255).contains(value)
        else { return defaultMilliseconds }
        return value
    }

    /// How long the bridge holds the device's reply before the host sees it.
    public var holdNanoseconds: UInt64 { UInt64(latencyTimerMilliseconds) * 1_000_000 }

    /// Takes the attribute away with the device.
    public func unplug() {
        try? FileManager.default.removeItem(atPath: attributePath)
    }
}
