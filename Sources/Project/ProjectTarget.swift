import BootwireCore
import Targets

/// One `[target.NAME]` of bootwire.toml: how to reach a board and what to put on it. Every
/// field is optional; the command line overrides each one it names.
public struct ProjectTarget: Sendable, Equatable {
    public var name: String
    /// `port`: what `--port` takes (a path, a by-id name, an adapter serial, usb:…, stlink…, virtual:…).
    public var port: String?
    /// `probe-serial`: an ST-LINK's serial number (the same as `port = "stlink:SERIAL"`).
    public var probeSerial: String?
    public var chip: ChipChoice?
    /// `images`: FILE@ADDRESS (or files that carry their addresses), relative to the project file's folder.
    public var images: [String] = []
    /// `ini`: a flash_prog_cfg.ini, relative to the project file's folder.
    public var ini: String?
    public var baud: Int?
    public var bootBaud: Int?
    /// `reset`: a boot-entry sequence or preset (`BootSequence`).
    public var reset: String?
    public var swdKHz: Int?
    /// `operator` and `lot`, for the factory records.
    public var station = StationFields()

    public init(name: String) { self.name = name }

    /// The port this target names: `port`, else `stlink:` + `probe-serial`.
    public var portText: String? { port ?? probeSerial.map { "stlink:" + $0 } }
}
