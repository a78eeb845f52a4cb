import BootwireCore
import DFU
import QCC743
import STLink
import STM32

extension ConnectionOptions {
    /// Connects over the route `port` leads to and runs `body` with that route's flash target on
    /// the port's worker thread. Also returns the route's statistics (USB transfers and the
    /// modelled time on virtual devices) for the result line.
    func withTarget<T: Sendable>(
        port: String, efuse: EfuseImage? = nil, events: @escaping EventSink,
        _ body: @escaping @Sendable (any FlashTarget) throws -> T
    ) async throws -> (T, [String: String]) {
        switch route(for: port) {
        case .qcc743:
            let value = try await withSession(port: port, events: events) { session in
                try body(ModuleFlashTarget(session: session, efuseImage: efuse))
            }
            return (value, [:])
        case .stm32Serial:
            let value = try await withSTM32Session(port: port, events: events) { session in
                // The port without a virtual device's options: the same device whatever faults a run adds.
                try body(UARTFlashTarget(session: session, port: String(port.prefix { $0 != "," })))
            }
            return (value, [:])
        case .dfu:
            let value = try await DFUCommands.withSession(connection: self, port: port, events: events) { session, _ in
                try body(DfuSeFlashTarget(session: session))
            }
            return (value, [:])
        case .swd:
            return try await SWDSessionRunner.run(connection: self, port: port, events: events) { session in
                try body(try SWDFlashTarget(session: session))
            }
        }
    }
}

extension Route {
    /// Images above this size travel compressed on this route (the module's xz writes).
    var compressAbove: Int? { self == .qcc743 ? BouffaloChip.qcc743.compressAbove : nil }

    /// The flash range known before connecting (the module's 4 MiB), for checks before any port opens.
    var knownFlash: Range<Int>? { knownMemory?.range }

    /// The flash and its erase units as far as known before connecting (the module's 4 KiB sectors).
    var knownMemory: FlashMemory? {
        self == .qcc743 ? BouffaloChip.qcc743.memory : nil
    }
}
