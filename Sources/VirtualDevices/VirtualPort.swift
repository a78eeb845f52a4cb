import BootwireCore
import Foundation
import QCC743
import STM32

/// `--port virtual:NAME[,key=value…]`: a virtual device run in-process on a pseudo-terminal,
/// so every command works with no hardware attached. Keys: `wire=instant|realistic`,
/// `latency-ms=N`, `fault=F` (repeatable), `baud-limit=N` and the other faults by name,
/// `state=PATH` (the flash is loaded from PATH when it exists and saved there when the port
/// closes, so one device lives across runs), and for qcc743 the ROM switches (`silicon`,
/// `ack=before`, `pd=none`, …: `ROMBehaviour`) and `chip-id=HEX` (6 bytes as printed; default:
/// the instance's own, `VirtualUniqueID`), and for both the application a reset into it starts
/// (`app-tick-ms=N`, `app-boot-ms=N`: `VirtualApplication`).
/// Names: `qcc743`, and `stm32` + a device table key (`stm32l476`, `stm32f103`, …), whose wire
/// model counts 11 bits a byte (8E1).
public enum VirtualPort {
    public static let prefix = "virtual:"
    public static var names: [String] { ["qcc743"] + VirtualPartCatalogue.uartNames }

    public static func isVirtual(_ port: String) -> Bool { port.hasPrefix(prefix) }

    public static func start(_ spec: String) throws -> VirtualDeviceRunner {
        let parsed = try VirtualPortSpec.parse(spec)
        let name = parsed.name
        guard names.contains(name) else {
            throw BootwireError(
                .unknownVirtualDevice, "no virtual device called `\(name)`",
                hint: "use one of: " + names.map { prefix + $0 }.joined(separator: ", "))
        }
        var wire = WireModel.realistic
        var faults: [Fault] = []
        var statePath: String?
        var rom = ROMBehaviour()
        var application: [VirtualOption] = []
        var chipID: [UInt8]?
        for option in parsed.options {
            switch option.key {
            case "wire": wire.pacing = try option.choice(WireModel.Pacing.self)
            // A minute per turn-around is far beyond any bridge; more is a typo.
            case "latency-ms": wire.latencyMilliseconds = try option.real(in: 0...60_000, "latency-ms=N")
            case "state": statePath = try option.text("state=PATH")
            case "fault": faults.append(try Fault.parse(try option.text("fault=NAME")))
            case "chip-id" where name == "qcc743":
                guard let bytes = Hex.bytes(try option.text("chip-id=HEX")), bytes.count == 6 else {
                    throw option.bad("chip-id=HEX, 6 bytes as printed, e.g. chip-id=40827b03d2dc")
                }
                chipID = bytes
            default:
                var check = VirtualApplication.Program(bootLog: [], version: "")
                if try check.apply(option) {
                    application.append(option)
                    continue
                }
                if name == "qcc743", try rom.apply(option) { continue }
                faults.append(try Fault.parse(option))
            }
        }
        let saved = statePath.flatMap { FileManager.default.contents(atPath: $0) }.map { [UInt8]($0) }
        let device: any VirtualDevice
        let flash: @Sendable () -> [UInt8]
        if let part = VirtualPartCatalogue.part(portName: name),
            let stm32 = STM32DeviceTable.device(productID: part.devID)
        {
            let model = VirtualSTM32.make(
                device: stm32, faults: faults, flash: saved, statePath: statePath, application: application)
            device = model
            flash = { model.flash }
            wire.bitsPerByte = 11
        } else {
            var configuration = VirtualQCC743.Configuration()
            configuration.rom = rom
            for option in application { _ = try configuration.application.apply(option) }
            let model = VirtualQCC743.make(
                configuration: configuration, faults: faults, flash: saved,
                efuse: chipID.map { VirtualQCC743.factoryEfuse(chipID: $0.reversed()) }, statePath: statePath)
            device = model
            flash = { model.flash.bytes }
        }
        let runner = try VirtualDeviceRunner(device: device, wire: wire, faults: faults)
        if let statePath {
            runner.afterStop = { try? OutputFile.write(flash(), to: statePath) }
        }
        runner.start()
        return runner
    }
}

extension VirtualQCC743 {
    /// A device with the device-level faults applied (`application`, `locked`). Without an
    /// eFuse image its chip id is its own (`VirtualUniqueID`: from `statePath`, else fresh).
    public static func make(
        configuration: Configuration = Configuration(), faults: [Fault], flash: [UInt8]? = nil, efuse: [UInt8]? = nil,
        statePath: String? = nil
    ) -> VirtualQCC743 {
        var configuration = configuration
        configuration.applicationRunning = configuration.applicationRunning || faults.contains(.application)
        var fuses = efuse ?? factoryEfuse(chipID: VirtualUniqueID.moduleChipID(statePath: statePath))
        for case .locked(let hash) in faults { lock(&fuses, keyHash: hash ?? stKeyHash) }
        return VirtualQCC743(configuration: configuration, flash: flash, efuse: fuses)
    }
}
