import BootwireCore

/// Names of ST-LINK commands for the wire trace, as OpenOCD's `stlink_usb.c` spells them
/// (`STLINK_DEBUG_APIV2_READ_IDCODES` → `DEBUG APIV2_READ_IDCODES`): one table over the command
/// bytes of `STLinkCommand`, so a trace reads as the protocol.
extension STLinkCommand {
    static let names: [UInt8: String] = [
        getVersion: "GET_VERSION", debug: "DEBUG", dfu: "DFU", swim: "SWIM", getCurrentMode: "GET_CURRENT_MODE",
        getTargetVoltage: "GET_TARGET_VOLTAGE", getVersionEx: "GET_VERSION_EX",
    ]

    static let debugNames: [UInt8: String] = [
        Debug.readMem32: "READMEM_32BIT", Debug.writeMem32: "WRITEMEM_32BIT", Debug.readMem8: "READMEM_8BIT",
        Debug.writeMem8: "WRITEMEM_8BIT", Debug.exit: "EXIT", Debug.enter: "APIV2_ENTER",
        Debug.readIDCodes: "APIV2_READ_IDCODES", Debug.resetSys: "APIV2_RESETSYS", Debug.readReg: "APIV2_READREG",
        Debug.writeReg: "APIV2_WRITEREG", Debug.writeDebugReg: "APIV2_WRITEDEBUGREG",
        Debug.readDebugReg: "APIV2_READDEBUGREG", Debug.getLastRWStatus: "GETLASTRWSTATUS",
        Debug.driveNRST: "APIV2_DRIVE_NRST", Debug.getLastRWStatus2: "GETLASTRWSTATUS2",
        Debug.swdSetFreq: "APIV2_SWD_SET_FREQ", Debug.initAP: "APIV2_INIT_AP", Debug.closeAP: "APIV2_CLOSE_AP_DBG",
        Debug.setComFreq: "APIV3_SET_COM_FREQ", Debug.getComFreq: "APIV3_GET_COM_FREQ",
    ]

    /// `GET_VERSION`, `DEBUG READMEM_32BIT 0x08000000 64` (memory commands with address and
    /// length, and `AP1` when they go to an access port other than 0), `DEBUG APIV2_INIT_AP 1`,
    /// `DEBUG 0x99` for a byte the table lacks: a trace says which access port was used.
    public static func name(_ command: [UInt8]) -> String {
        guard let first = command.first else { return "(empty)" }
        let top = names[first] ?? Hex.address(first)
        guard first == debug, command.count >= 2 else { return top }
        let sub = command[1]
        var text = top + " " + (debugNames[sub] ?? Hex.address(sub))
        let memory = [Debug.readMem32, Debug.writeMem32, Debug.readMem8, Debug.writeMem8]
        if memory.contains(sub), command.count >= 8 {
            text += " " + Hex.address(le32(command, at: 2)) + " " + String(Int(command[6]) | Int(command[7]) << 8)
            if command.count > 8, command[8] != 0 { text += " AP\(command[8])" }
        }
        if [Debug.initAP, Debug.closeAP].contains(sub), command.count > 2 { text += " \(command[2])" }
        return text
    }
}
