import BootwireCore
import STM32

/// An STM32's system bootloader over UART (AN3155) as a target session.
public final class UARTTargetSession: TargetSession {
    public let session: STM32Session
    public let flash: any FlashTarget
    public var route: Route { .stm32Serial }
    public var events: EventSink { session.events }
    let lines: SerialResetLines

    init(session: STM32Session, port: String, lines: SerialResetLines) {
        self.session = session
        self.lines = lines
        flash = UARTFlashTarget(session: session, port: port)
    }

    public func info() throws -> TargetInfo {
        let identity = session.identity
        var info = STM32Info()
        info.part = identity.device?.name
        info.deviceID = identity.productID
        info.bootloader = STM32Info.Bootloader(version: identity.bootloaderVersion, commands: identity.commands)
        info.flashSize = identity.flashSize
        info.flash = identity.geometry.map(STM32Info.FlashMap.init)
        if let options = identity.optionBytes { info.add(options, geometry: identity.geometry) }
        // Level 1 refuses the option-byte read; the handshake still knows the level.
        info.readoutProtection = identity.readoutProtection
        return .stm32(info)
    }

    public func read(_ span: MemorySpan) throws -> [UInt8] {
        if let flash = session.identity.geometry?.range {
            // A read that starts in the flash must end in it: past it the ROM refuses only
            // after the flash was read (or maps something else there).
            let region = MemoryRegion(name: "flash", range: UInt64(flash.start)...flash.end - 1)
            try span.check(in: [region], complete: false)
        }
        announceRead(span)
        return try session.read(address: UInt32(span.start), length: Int(span.count))
    }

    public func erasePages(_ pages: ClosedRange<Int>, allows: (String) -> Bool) throws {
        // An unknown part: Extended Erase numbers pages below 0xFFF0 (AN3155).
        let count = session.identity.geometry?.pageCount ?? 0xFFF0
        let list = try PageNumbers.list(pages, pageCount: count)
        try session.checkPages(list)
        guard allows("erase pages \(pages.lowerBound)-\(pages.upperBound)") else { return }
        try session.erase(pages: list)
    }

    public func protect(readout: Bool, pages: ClosedRange<Int>?) throws {
        if let pages { try session.writeProtect(pages: pages) } else { try session.readoutProtect() }
    }

    public func unprotect(readout: Bool) throws {
        if readout { try session.readoutUnprotect() } else { try session.writeUnprotect() }
    }

    /// NRST pulsed with BOOT0 low or high where the adapter's lines are wired (`--reset`);
    /// otherwise what the bootloader itself can do: Go to the application's vector table, or
    /// Go to a stub in RAM that requests a system reset (stm32flash -R), after which the part,
    /// BOOT0 still high, is back in its bootloader and is synced again to prove it.
    public func reset(into target: ResetTarget) throws {
        let link = session.client.link
        let driven = try lines.drive(target, on: link, events: events)
        switch target {
        case .application where !driven:
            let base = session.identity.device?.flashBase ?? 0x0800_0000
            events(
                .stage(
                    "reset",
                    detail: "Go \(Hex.address(Int(base))): the bootloader starts the application from its vector table")
            )
            try session.go(address: base)
        case .application:
            break
        case .bootloader:
            if !driven {
                let stub = STM32ResetStub(ram: session.identity.device?.firstFreeRAM ?? Self.fallbackRAM)
                events(
                    .stage("reset", detail: "system reset from RAM at \(Hex.address(Int(stub.address))) (BOOT0 high)"))
                try session.client.writeMemory(address: stub.address, data: stub.bytes, timeout: 1)
                try session.client.go(address: stub.address)
            }
            try session.reconnect()
        }
    }

    /// SRAM every STM32 the bootloader runs on has free above its own use (AN2606: 0x20000200 on the smallest).
    static let fallbackRAM: UInt32 = 0x2000_0200

    /// The USART at the application's rate, 8N1.
    public func console(rate: Int?) throws -> any TargetConsole {
        try SerialConsole(link: session.client.link, rate: rate)
    }
}
