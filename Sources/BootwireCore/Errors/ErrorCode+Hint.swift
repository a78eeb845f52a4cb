/// What to do about each code, when the place that raised it has nothing more precise to say.
/// Every code has one (a test checks it, and that every flag a hint names exists), so no
/// error ever ends without a way forward.
extension ErrorCode {
    public var hint: String {
        switch self {
        case .usage: "see `bootwire help COMMAND`"
        case .badBootSequence: "write steps like dtr=1,rts=0,wait=100 or name a preset (see --help of --reset)"
        case .unknownVirtualDevice: "`bootwire list --help` and the README name the virtual devices"
        case .routeUnsupported: "use a route the part has: its UART bootloader (--chip stm32) or SWD (--port stlink)"
        case .confirmationRequired: "read the preview, then run again with --yes (or answer yes at a terminal)"
        case .fileNotFound: "check the path; relative paths start in the current folder"
        case .badConfig: "compare the file with the vendor's example ini; the message names the line"
        case .badImage: "check the file was built for this device and is not empty or truncated"
        case .badBootHeader:
            "use the image file as the vendor shipped it (download it again); never patch a signed image"
        case .imageTooLarge: "check the image's address and size against the flash or partition it goes to"
        case .imageOverlap: "each address may be written by one image only: move or shorten one of them"
        case .diskFull: "free space on that disk, or write the file to another one"
        case .outputWriteFailed: "check the folder exists and is writable, and the path is not a folder"
        case .pathInUse: "choose a path that does not exist yet; Bootwire replaces only its own stale links and sockets"
        case .factoryDataErased:
            "back the MFD up first (bootwire read --start 0x3FF000 --len 4096 --file mfd.bin) if it is not the vendor's default"
        case .addressOutOfRange: "give an address inside the device's memory; `bootwire info` shows its layout"
        case .portNotFound: "run `bootwire list` to see the ports and adapters"
        case .portAmbiguous: "pass --port with one of the devices listed (or BOOTWIRE_PORT, or a bootwire.toml target)"
        case .portBusy: "close the program holding the port (a terminal, a serial monitor, ModemManager), then retry"
        case .portPermission:
            "add yourself to the dialout group (then log in again), or `sudo bootwire udev-rules --install`"
        case .portNotATerminal: "name a serial device such as /dev/ttyUSB0 or /dev/ttyACM0"
        case .portSettings: "the driver refused the line settings: try another adapter, or --baud 115200"
        case .baudUnsupported: "choose a rate the adapter supports (--baud 1000000, or 115200)"
        case .portIO: "check the cable and the adapter, then run again"
        case .noModemLines: "enter the boot ROM by hand (BOOT high while CHIP_EN rises) and use --reset manual"
        case .ptyNoParity: "nothing to do: a pseudo-terminal runs 8N1 whatever is asked"
        case .ptyNoModemLines: "nothing to do: a virtual device resets when the port opens"
        case .bridgeLatencyHigh:
            "write 1 to the adapter's latency_timer as root, or add a udev rule with ATTR{latency_timer}=\"1\" for it"
        case .usbLibraryMissing: "install libusb-1.0 (`sudo apt-get install libusb-1.0-0`)"
        case .usbNotFound:
            "plug the device in (a DFU part needs BOOT0 high at reset); `bootwire list` shows what is seen"
        case .usbPermission: "`sudo bootwire udev-rules --install`, then replug the device"
        case .usbBusy: "close the other program using the device (STM32CubeProgrammer, OpenOCD, a debugger)"
        case .usbTransferFailed: "replug the device, avoid unpowered hubs, and run again"
        case .noResponse:
            "put the device in its bootloader and check TX/RX and ground; `bootwire doctor` checks stage by stage"
        case .echoOnly: "TX is looped to RX: remove the jumper or check the wiring"
        case .applicationRunning:
            "reset into the boot ROM: BOOT (BOOT0 on an STM32) held high while the chip comes out of reset"
        case .baudMismatch: "use the rate the device expects (--boot-baud 500000 for the module's handshake)"
        case .linkLostAfterBaudChange: "the adapter cannot carry the rate: use --baud 1000000 or a better adapter"
        case .adapterBaudLimit: "use a faster adapter (FT232H, CP2105) or pass --baud at the rate that worked"
        case .deviceDisconnected:
            "check the cable and the adapter, then run the same command again: the journal repairs what was cut short"
        case .deviceReset: "check the supply (brown-outs reset the device) and the reset line, then run again"
        case .lineNoise: "shorten the cable, check ground, or lower --baud"
        case .interruptedSession:
            "flash the images that were being written (or use --erase chip) to repair the recorded ranges"
        case .timeout: "run again; if it repeats, lower --baud and check the device's supply"
        case .monitorTimeout:
            "give it longer (--for SECONDS), check --monitor-baud against the application's UART rate, or drop --until"
        case .deviceError: "the message says what the device refused; `bootwire info` shows its state"
        case .protocolError: "run again with --trace FILE and report the trace if it repeats"
        case .unexpectedChip: "check --port names the device you mean and --chip is right"
        case .verifyMismatch:
            "erase and flash again; if it repeats, the flash may be protected or worn, or the supply unstable"
        case .imageNotSignedForDevice:
            "flash images signed with the key whose hash is in the module's eFuse (ST's signed release)"
        case .deviceProtected:
            "`bootwire info` shows the protection; removing it may erase the device (`bootwire unprotect`)"
        case .someDevicesFailed: "run again with only the failed ports (--retry N retries them within one run)"
        case .dfuErrTarget:
            "the address is not writable on this part: check the image's address against `bootwire info`"
        case .dfuErrFile: "the device rejected the file's contents: check it is for this part"
        case .dfuErrWrite: "the write failed: check the option bytes for write protection (`bootwire info`)"
        case .dfuErrErase: "the erase failed: remove write protection (`bootwire unprotect --write`)"
        case .dfuErrCheckErased: "erase before writing; run again without --erase none"
        case .dfuErrProg: "the flash was not erased or is protected: erase it and run again"
        case .dfuErrVerify: "the device's own check failed: erase and flash again"
        case .dfuErrAddress: "the address is outside the part's memory: check the image's address"
        case .dfuErrNotDone: "the device expected more data: run the whole download again"
        case .dfuErrFirmware: "the device's firmware is corrupt or blocked: reset into the ROM bootloader and retry"
        case .dfuErrVendor: "a vendor-specific error: readout protection is the usual cause (`bootwire info`)"
        case .dfuErrUSBR: "the device saw an unexpected USB reset: replug and retry"
        case .dfuErrPOR: "the device saw an unexpected power-on reset: check the supply and retry"
        case .dfuErrUnknown: "run again with --trace FILE and report it if it repeats"
        case .dfuErrStalledPkt: "the device refused a request: replug it and run again"
        case .dfuWrongState: "replug the device (BOOT0 high) to restart its DFU state machine"
        case .dfuStuck: "replug the device and run again; if it repeats, power-cycle the board"
        case .dfuNotDfuSe: "this is not an STM32 ROM DFU device: check --port"
        case .dfuFileOtherDevice: "flash the .dfu built for this device; `bootwire list` shows its VID:PID"
        case .dfuFileOtherAlt:
            "rebuild the .dfu for alternate setting 0 (internal flash), or flash the image as HEX/BIN"
        case .fusInstallUnaligned: "give --address on a 4 KiB boundary, or let Bootwire compute it (--address auto)"
        case .fusInstallInSecureArea: "install below the secure area: delete the stack first (`bootwire fus delete`)"
        case .fusInstallOverApplication: "the stack would cover the application: move the application or pass --app-end"
        case .fusInstallAddressMismatch:
            "use the address Bootwire computes (--address auto), as ST's release notes give it"
        case .fusVersionUnsupported: "upgrade FUS first with ST's FUS image for this version, then the stack"
        case .fusUARTUnspecified: "use USB DFU for FUS operations (--dfu)"
        case .fusImageNotFound: "install a wireless stack (`bootwire fus upgrade FILE`)"
        case .fusImageCorrupt: "download the image again from ST's release and retry"
        case .fusImageNotAuthentic: "use ST's signed image for this part, not a rebuilt one"
        case .fusImageNotEnoughSpace: "delete the current stack (`bootwire fus delete`) or make room below it"
        case .fusImageUserAbort: "run the upgrade again without interrupting it"
        case .fusImageEraseError: "check the option bytes for write protection, then retry"
        case .fusImageWriteError: "check write protection and PCROP over the install area (`bootwire info`), then retry"
        case .fusAuthTagSTNotFound: "the image lacks ST's signature: use ST's release file"
        case .fusAuthTagCustomerNotFound: "the image lacks the customer signature the part requires"
        case .fusAuthKeyLocked: "the customer key is locked: only images signed with it install"
        case .fusRollbackError: "install a version newer than the one on the part"
        case .fusErrorUnknown: "run again; report the FUS state shown if it repeats"
        case .fusStuck: "power-cycle the board and run `bootwire fus info`"
        case .stlinkFirmwareTooOld: "update the probe firmware with STM32CubeProgrammer or ST-LinkUpgrade"
        case .stlinkError: "check the SWD wiring and ground; try a lower clock with --swd-khz 480"
        case .swdNoTarget: "check the target is powered (VDD to the probe's VREF) and SWDIO/SWCLK/GND are wired"
        case .swdConnectedUnderReset: "nothing to do: the core was reached with NRST held"
        case .swdClockReduced: "nothing to do; shorter SWD wires allow the full clock"
        case .rttNotFound:
            "link SEGGER RTT (or rtt-target, defmt-rtt) into the application and call SEGGER_RTT_Init early; or name the control block's address (nm app.elf | grep _SEGGER_RTT)"
        case .rttCorrupted:
            "the application overwrote its RTT control block (a stack or buffer overrun?), or another block matched: name the right address (nm app.elf | grep _SEGGER_RTT)"
        case .flashStaleErrors: "nothing to do: the stale flags were cleared before writing"
        case .flashLocked: "power-cycle the target: the flash controller stays locked until reset"
        case .flashProgramError: "erase the range and flash again; `bootwire option-bytes show` shows protections"
        case .flashWriteProtected:
            "remove write protection (`bootwire option-bytes set` or `bootwire unprotect --write`)"
        case .flashReadProtected:
            "`bootwire option-bytes set rdp=0 --yes` removes RDP level 1 (the flash is mass-erased)"
        case .flashPermanentlyLocked: "RDP level 2 cannot be removed: the part can no longer be reprogrammed"
        case .flashPCROP: "PCROP areas cannot be read or written; move the image outside them"
        case .flashBankMismatch: "power-cycle the target so the option bytes load, then flash again"
        case .flashFamilyUnsupported: "use the UART or DFU route for this part (--dfu, or --chip stm32 on its UART)"
        case .flashTrustZoneEnabled: "program it with STM32CubeProgrammer's secure path, or regress TrustZone first"
        case .flashSecureArea: "keep images below the secure area; `bootwire option-bytes show` gives SFSA"
        case .st67PackageInvalid:
            "name the Binaries folder of X-CUBE-ST67W61 (it holds NCP_Binaries and <BOARD>_Binaries)"
        case .st67BoardUnknown: "pass --board with one of the <BOARD>_Binaries folder names"
        case .st67BoardUnsupported: "use ST's own script for this board (its host flash needs ST's external loader)"
        case .optionBytesNeedPowerCycle: "power-cycle the target (remove and restore its supply)"
        case .optionBytesRefused: "the part kept its option bytes: change one field at a time"
        case .optionBytesUnreadable: "nothing to do for a flash; `bootwire info` over another route (SWD) shows them"
        case .checksumLayoutMismatch: "nothing to do: the read-back proved the flash"
        case .virtualUnproven: "trust its answers only as far as the reference manual was read right; prove on silicon"
        case .wrongChipName: "pass --chipname qcc743 (or bl616); another chip needs another tool"
        case .oldDataOutsideImages:
            "nothing to do: it is erased, as after the vendor's chip erase; if the application keeps data "
                + "there, flash it as an image or use --erase sections"
        case .internalError: "please report this with the --trace FILE output"
        }
    }
}
