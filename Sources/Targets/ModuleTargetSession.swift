import BootwireCore
import QCC743

/// The module's boot ROM as a target session.
public final class ModuleTargetSession: TargetSession {
    public let session: QCC743Session
    public let flash: any FlashTarget
    public var route: Route { .qcc743 }
    public var events: EventSink { session.events }

    init(session: QCC743Session, efuse: EfuseImage?) {
        self.session = session
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
}
