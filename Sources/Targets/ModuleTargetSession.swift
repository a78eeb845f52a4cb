import BootwireCore
import QCC743

/// The module's boot ROM as a target session.
public final class ModuleTargetSession: TargetSession {
    public let session: QCC743Session
    public let flash: any FlashTarget
    public var route: Route { .qcc743 }
    public var events: EventSink { session.events }
    let lines: SerialResetLines

    init(session: QCC743Session, efuse: EfuseImage?, lines: SerialResetLines) {
        self.session = session
        self.lines = lines
        flash = ModuleFlashTarget(session: session, efuseImage: efuse)
    }

    public func info() throws -> TargetInfo { try info(firmware: false) }

    public func info(firmware: Bool) throws -> TargetInfo {
        .module(try ModuleInfo.gather(from: session, firmware: firmware))
    }

    public func read(_ span: MemorySpan) throws -> [UInt8] {
        let flash = MemoryRegion(name: "flash", range: 0...UInt64(session.identity.flashSize) - 1)
        try span.check(in: [flash], complete: true)
        announceRead(span)
        return try session.read(address: Int(span.start), length: Int(span.count), label: "read")
    }

    /// The 512-byte eFuse, as ST's NCP_get_chip_info.sh reads it.
    public func readEfuse(_ span: MemorySpan) throws -> [UInt8] {
        events(.stage("read", detail: "eFuse \(Hex.address(span.start)), \(span.count) bytes"))
        return try session.readEfuse(address: Int(span.start), length: Int(span.count))
    }

    /// CHIP_EN pulsed with BOOT low (the application) or high (the boot ROM) through the
    /// adapter's lines. Without lines, the application needs a person; the boot ROM has its own
    /// reset command, after which a module whose BOOT is still high comes back in the ROM.
    public func reset(into target: ResetTarget) throws {
        let link = session.client.link
        if try lines.drive(target, on: link, events: events) { return }
        switch target {
        case .application:
            events(
                SerialResetLines.byHand(
                    "reset the module now with BOOT low (its reset button, or the host MCU on an X-NUCLEO board)",
                    link: link))
        case .bootloader:
            events(
                .stage(
                    "reset", detail: "the boot ROM's reset command: the module restarts in its ROM while BOOT is high"))
            do {
                try session.client.exchange(ISPFrame(.reset), retry: .never)
            } catch let error as BootwireError where error.code == .timeout {
                // A ROM that resets before answering has done what was asked.
            }
        }
    }

    /// The module's UART at the application's rate (the NCP firmware's 115200 by default).
    public func console(rate: Int?) throws -> any TargetConsole {
        try SerialConsole(link: session.client.link, rate: rate)
    }
}
