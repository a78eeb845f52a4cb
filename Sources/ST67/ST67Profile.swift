/// The module profiles of X-CUBE-ST67W61, one per update script ST ships in
/// Projects/ST67W6X_Scripts/Binaries: `NCP_update_mfg.sh`, `NCP_update_mission_profile_t01.sh`,
/// `NCP_update_mission_profile_t02.sh` (read at STMicroelectronics/x-cube-st67w61 commit
/// 6b020205). Each script flashes `<BOARD>_Binaries/Bootloader.bin` at 0x08000000 and runs it
/// (`-w … 0x08000000 --go`), runs QConn_Flash with `NCP_Binaries/<ini>` and
/// `--efuse=NCP_Binaries/efusedata.bin`, then flashes the host application below at 0x08000000
/// and runs it, on every board whose host has internal flash (NUCLEO-H563ZI, NUCLEO-U575ZI-Q).
public enum ST67Profile: String, Sendable, CaseIterable, Codable {
    /// Manufacturing test firmware; the host is left bridging the module's UART for ST's RCT tool.
    case mfg
    /// Mission profile with LwIP in the module; the host runs ST's CLI.
    case t01
    /// Mission profile with LwIP on the host; the host runs ST's CLI with LwIP.
    case t02

    /// Without `--profile`: T02, the profile Bootwire's update took before profiles could be
    /// chosen (so an update run as before does the same), said in the output.
    public static let standard: ST67Profile = .t02

    /// The module's ini in `NCP_Binaries/` (each script's `config_file` without a version argument).
    public var ini: String {
        switch self {
        case .mfg: "mfg_flash_prog_cfg.ini"
        case .t01: "mission_t01_flash_prog_cfg.ini"
        case .t02: "mission_t02_flash_prog_cfg.ini"
        }
    }

    /// The host application the script flashes after the module, in `<BOARD>_Binaries/`
    /// (its last `-w … 0x08000000 --go`, the branch for boards with internal flash).
    public var application: String {
        switch self {
        case .mfg: "UART_bypass.bin"
        case .t01: "ST67W6X_CLI.bin"
        case .t02: "ST67W6X_CLI_LWIP.bin"
        }
    }

    /// ST's script for this profile, named in notes and errors.
    public var script: String {
        switch self {
        case .mfg: "NCP_update_mfg.sh"
        case .t01: "NCP_update_mission_profile_t01.sh"
        case .t02: "NCP_update_mission_profile_t02.sh"
        }
    }
}
