/// Every failure a user can meet has one of these codes. Tests assert on codes, never on prose;
/// the README's table is generated from `ErrorCode.allCases` (`bootwire codes`).
public enum ErrorCode: String, CaseIterable, Sendable, Codable {
    // usage
    case usage = "usage"
    case badBootSequence = "bad-boot-sequence"
    case unknownVirtualDevice = "unknown-virtual-device"
    case routeUnsupported = "route-unsupported"
    case wrongChipName = "wrong-chip-name"
    case confirmationRequired = "confirmation-required"
    // input files and configuration
    case fileNotFound = "file-not-found"
    case badConfig = "bad-config"
    case badImage = "bad-image"
    case badBootHeader = "bad-boot-header"
    case imageTooLarge = "image-too-large"
    case imageOverlap = "image-overlap"
    case addressOutOfRange = "address-out-of-range"
    // output files and paths Bootwire makes
    case diskFull = "disk-full"
    case outputWriteFailed = "output-write-failed"
    case pathInUse = "path-in-use"
    // port and environment
    case portNotFound = "port-not-found"
    case portAmbiguous = "port-ambiguous"
    case portBusy = "port-busy"
    case portPermission = "port-permission"
    case portNotATerminal = "port-not-a-terminal"
    case portSettings = "port-settings"
    case baudUnsupported = "baud-unsupported"
    case portIO = "port-io"
    case noModemLines = "no-modem-lines"
    case ptyNoParity = "pty-no-parity"
    case ptyNoModemLines = "pty-no-modem-lines"
    case bridgeLatencyHigh = "bridge-latency-high"
    // USB
    case usbLibraryMissing = "usb-library-missing"
    case usbNotFound = "usb-not-found"
    case usbPermission = "usb-permission"
    case usbBusy = "usb-busy"
    case usbTransferFailed = "usb-transfer-failed"
    // connection
    case noResponse = "no-response"
    case echoOnly = "echo-only"
    case applicationRunning = "application-running"
    case baudMismatch = "baud-mismatch"
    case linkLostAfterBaudChange = "link-lost-after-baud-change"
    case adapterBaudLimit = "adapter-baud-limit"
    case deviceDisconnected = "device-disconnected"
    case deviceReset = "device-reset"
    case lineNoise = "line-noise"
    case interruptedSession = "interrupted-session"
    case oldDataOutsideImages = "old-data-outside-images"
    case factoryDataErased = "factory-data-erased"
    case timeout = "timeout"
    case monitorTimeout = "monitor-timeout"
    // protocol
    case deviceError = "device-error"
    case protocolError = "protocol-error"
    case unexpectedChip = "unexpected-chip"
    // verification
    case verifyMismatch = "verify-mismatch"
    // protection
    case imageNotSignedForDevice = "image-not-signed-for-device"
    case deviceProtected = "device-protected"
    // several devices
    case someDevicesFailed = "some-devices-failed"
    // USB DFU and STM32WB FUS
    case dfuErrTarget = "dfu-errtarget"
    case dfuErrFile = "dfu-errfile"
    case dfuErrWrite = "dfu-errwrite"
    case dfuErrErase = "dfu-errerase"
    case dfuErrCheckErased = "dfu-errcheck-erased"
    case dfuErrProg = "dfu-errprog"
    case dfuErrVerify = "dfu-errverify"
    case dfuErrAddress = "dfu-erraddress"
    case dfuErrNotDone = "dfu-errnotdone"
    case dfuErrFirmware = "dfu-errfirmware"
    case dfuErrVendor = "dfu-errvendor"
    case dfuErrUSBR = "dfu-errusbr"
    case dfuErrPOR = "dfu-errpor"
    case dfuErrUnknown = "dfu-errunknown"
    case dfuErrStalledPkt = "dfu-errstalledpkt"
    case dfuWrongState = "dfu-wrong-state"
    case dfuStuck = "dfu-stuck"
    case dfuNotDfuSe = "dfu-not-dfuse"
    case dfuFileOtherAlt = "dfu-file-other-alt"
    case dfuFileOtherDevice = "dfu-file-other-device"
    case fusInstallUnaligned = "fus-install-unaligned"
    case fusInstallInSecureArea = "fus-install-in-secure-area"
    case fusInstallOverApplication = "fus-install-over-application"
    case fusInstallAddressMismatch = "fus-install-address-mismatch"
    case fusVersionUnsupported = "fus-version-unsupported"
    case fusUARTUnspecified = "fus-uart-unspecified"
    case fusImageNotFound = "fus-image-not-found"
    case fusImageCorrupt = "fus-image-corrupt"
    case fusImageNotAuthentic = "fus-image-not-authentic"
    case fusImageNotEnoughSpace = "fus-image-not-enough-space"
    case fusImageUserAbort = "fus-image-usrabort"
    case fusImageEraseError = "fus-image-erserror"
    case fusImageWriteError = "fus-image-wrterror"
    case fusAuthTagSTNotFound = "fus-auth-tag-st-notfound"
    case fusAuthTagCustomerNotFound = "fus-auth-tag-cust-notfound"
    case fusAuthKeyLocked = "fus-auth-key-locked"
    case fusRollbackError = "fus-fw-rollback-error"
    case fusErrorUnknown = "fus-err-unknown"
    case fusStuck = "fus-stuck"
    // ST-LINK and SWD
    case stlinkFirmwareTooOld = "stlink-firmware-too-old"
    case stlinkError = "stlink-error"
    case swdNoTarget = "swd-no-target"
    case swdConnectedUnderReset = "swd-connected-under-reset"
    case swdClockReduced = "swd-clock-reduced"
    case rttNotFound = "rtt-not-found"
    case rttCorrupted = "rtt-corrupted"
    case flashStaleErrors = "flash-stale-errors"
    case flashLocked = "flash-locked"
    case flashProgramError = "flash-program-error"
    case flashWriteProtected = "flash-write-protected"
    case flashReadProtected = "flash-read-protected"
    case flashPermanentlyLocked = "flash-permanently-locked"
    case flashPCROP = "flash-pcrop"
    case flashBankMismatch = "flash-bank-mismatch"
    case flashFamilyUnsupported = "flash-family-unsupported"
    case flashTrustZoneEnabled = "flash-trustzone-enabled"
    case flashSecureArea = "flash-secure-area"
    // ST's module update (st67 update)
    case st67PackageInvalid = "update-package-invalid"
    case st67BoardUnknown = "update-board-unknown"
    case st67BoardUnsupported = "update-board-unsupported"
    case optionBytesNeedPowerCycle = "option-bytes-need-power-cycle"
    case optionBytesUnreadable = "option-bytes-unreadable"
    case optionBytesRefused = "option-bytes-refused"
    case checksumLayoutMismatch = "checksum-layout-mismatch"
    case virtualUnproven = "virtual-unproven"
    // anything else
    case internalError = "internal-error"

    public var category: ErrorCategory {
        switch self {
        case .usage, .badBootSequence, .unknownVirtualDevice, .routeUnsupported, .wrongChipName, .portAmbiguous: .usage
        case .fileNotFound, .badConfig, .badImage, .badBootHeader, .imageTooLarge, .imageOverlap, .addressOutOfRange,
            .diskFull, .outputWriteFailed:
            .input
        case .pathInUse: .usage
        case .portNotFound, .portBusy, .portPermission, .portNotATerminal, .portSettings, .baudUnsupported,
            .portIO, .noModemLines, .ptyNoParity, .ptyNoModemLines, .bridgeLatencyHigh, .usbLibraryMissing,
            .usbNotFound, .usbPermission,
            .usbBusy:
            .port
        case .noResponse, .echoOnly, .applicationRunning, .baudMismatch, .linkLostAfterBaudChange,
            .adapterBaudLimit, .deviceDisconnected, .deviceReset, .lineNoise, .interruptedSession, .timeout,
            .monitorTimeout, .usbTransferFailed:
            .connection
        case .deviceError, .protocolError, .unexpectedChip: .protocol
        case .verifyMismatch: .verification
        case .imageNotSignedForDevice, .deviceProtected, .confirmationRequired: .protection
        case .dfuErrTarget, .dfuErrFile, .dfuErrWrite, .dfuErrErase, .dfuErrCheckErased, .dfuErrProg, .dfuErrVerify,
            .dfuErrAddress, .dfuErrNotDone, .dfuErrFirmware, .dfuErrVendor, .dfuErrUSBR, .dfuErrPOR, .dfuErrUnknown,
            .dfuErrStalledPkt, .dfuWrongState, .dfuNotDfuSe, .fusImageNotFound, .fusImageCorrupt, .fusImageNotAuthentic,
            .fusImageNotEnoughSpace, .fusImageUserAbort, .fusImageEraseError, .fusImageWriteError,
            .fusAuthTagSTNotFound, .fusAuthTagCustomerNotFound, .fusAuthKeyLocked, .fusRollbackError,
            .fusErrorUnknown:
            .protocol
        case .dfuStuck, .fusStuck: .connection
        case .dfuFileOtherAlt, .dfuFileOtherDevice, .fusInstallUnaligned, .fusInstallInSecureArea,
            .fusInstallOverApplication,
            .fusInstallAddressMismatch, .fusVersionUnsupported:
            .input
        case .fusUARTUnspecified: .usage
        case .someDevicesFailed: .station
        case .stlinkFirmwareTooOld: .port
        case .swdNoTarget, .swdConnectedUnderReset, .swdClockReduced: .connection
        case .rttNotFound: .connection
        case .rttCorrupted: .protocol
        case .stlinkError, .flashStaleErrors, .flashLocked, .flashProgramError, .flashFamilyUnsupported: .protocol
        case .flashBankMismatch, .checksumLayoutMismatch, .oldDataOutsideImages, .factoryDataErased, .virtualUnproven:
            .verification
        case .optionBytesUnreadable, .optionBytesRefused: .protocol
        case .flashWriteProtected, .flashReadProtected, .flashPermanentlyLocked, .flashPCROP,
            .optionBytesNeedPowerCycle, .flashTrustZoneEnabled, .flashSecureArea:
            .protection
        case .st67PackageInvalid, .st67BoardUnknown: .input
        case .st67BoardUnsupported: .usage
        case .internalError: .internal
        }
    }

    /// One line on what the code means, for the catalogue (`bootwire codes`, README).
    public var summary: String {
        switch self {
        case .usage: "the command line is not valid"
        case .badBootSequence: "a boot-entry sequence could not be parsed"
        case .unknownVirtualDevice: "a virtual:NAME port names no built-in virtual device"
        case .routeUnsupported: "the part has no bootloader on this route (an STM32 without USB has no DFU)"
        case .wrongChipName: "--chipname names a chip other than the ST67W611M1's (qcc743, bl616)"
        case .confirmationRequired: "an irreversible step needs --yes or an interactive confirmation"
        case .fileNotFound: "an input file does not exist or cannot be read"
        case .badConfig: "a configuration file (ini, bootwire.toml) is malformed"
        case .badImage: "an image file is malformed"
        case .badBootHeader:
            "a Bouffalo image's boot header (magic, CRCs, image length or hash) does not match the file"
        case .imageTooLarge: "an image does not fit its partition or the flash"
        case .imageOverlap: "two images overlap"
        case .addressOutOfRange: "an address lies outside the device's memory"
        case .diskFull: "the disk filled up while writing an output file; nothing was written, an older file is kept"
        case .outputWriteFailed: "an output file could not be written; an older file at the path is kept"
        case .pathInUse: "a path the emulator would make (--link, --socket) holds something that is not its own"
        case .portNotFound: "the serial port does not exist"
        case .portAmbiguous: "no --port was given and several adapters, probes or DFU devices are attached"
        case .portBusy: "another process holds the serial port"
        case .portPermission: "the user may not open the serial port"
        case .portNotATerminal: "the path is not a serial port"
        case .portSettings: "the port did not accept the line settings"
        case .baudUnsupported: "the adapter cannot run at the requested rate"
        case .portIO: "a read or write on the port failed"
        case .noModemLines: "the adapter has no DTR/RTS lines: boot entry cannot be driven"
        case .ptyNoParity: "a pseudo-terminal carries no parity (warning)"
        case .ptyNoModemLines: "a pseudo-terminal has no DTR/RTS lines (warning)"
        case .bridgeLatencyHigh:
            "the USB-serial bridge keeps a latency timer above 1 ms: each turnaround waits for it (warning)"
        case .usbLibraryMissing: "libusb-1.0 is not installed; only USB commands need it"
        case .usbNotFound: "no USB device matches the port"
        case .usbPermission: "a USB device is present but this user may not open it"
        case .usbBusy: "another program or kernel driver holds the USB interface"
        case .usbTransferFailed: "a USB transfer failed"
        case .noResponse: "nothing answered on the line"
        case .echoOnly: "only our own bytes came back (TX looped to RX)"
        case .applicationRunning: "the application, not the boot ROM, is talking"
        case .baudMismatch: "framing junk: the two sides use different rates"
        case .linkLostAfterBaudChange: "the device went silent right after the baud change"
        case .adapterBaudLimit: "the link only works at a lower rate (warning)"
        case .deviceDisconnected: "the device or adapter went away"
        case .deviceReset: "the device reset during the session"
        case .lineNoise: "frames were corrupted on the line and sent again (warning)"
        case .interruptedSession:
            "an earlier session on this device was cut short; its ranges stay recorded until a run proves them (warning)"
        case .timeout: "the device did not finish in time"
        case .monitorTimeout: "the application's output never showed the text `--until` waited for"
        case .deviceError: "the device answered with an error code"
        case .protocolError: "the device answered something the protocol does not allow"
        case .unexpectedChip: "the device is not the chip this command is for"
        case .verifyMismatch: "flash contents differ from the image"
        case .imageNotSignedForDevice: "the device requires signed images and this one would not boot"
        case .deviceProtected: "the device's protection refused the operation"
        case .dfuErrTarget: "DfuSe errTARGET: the address is outside what this memory accepts (or protected)"
        case .dfuErrFile: "DfuSe errFILE: the device rejected the downloaded data"
        case .dfuErrWrite: "DfuSe errWRITE: the device could not write the memory"
        case .dfuErrErase: "DfuSe errERASE: the erase failed (write-protected page?)"
        case .dfuErrCheckErased: "DfuSe errCHECK_ERASED: the memory was not erased"
        case .dfuErrProg: "DfuSe errPROG: programming failed (flash not erased?)"
        case .dfuErrVerify: "DfuSe errVERIFY: the device's own check after programming failed"
        case .dfuErrAddress: "DfuSe errADDRESS: the address is out of range"
        case .dfuErrNotDone: "DfuSe errNOTDONE: the download ended early"
        case .dfuErrFirmware: "DfuSe errFIRMWARE: the firmware is corrupt"
        case .dfuErrVendor: "DfuSe errVENDOR: a vendor-specific error"
        case .dfuErrUSBR: "DfuSe errUSBR: an unexpected USB reset"
        case .dfuErrPOR: "DfuSe errPOR: an unexpected power-on reset"
        case .dfuErrUnknown: "DfuSe errUNKNOWN: the device refused the request"
        case .dfuErrStalledPkt: "DfuSe errSTALLEDPKT: the device stalled an unexpected request"
        case .dfuWrongState: "a DFU device reported a state the protocol does not allow at that point"
        case .dfuStuck: "a DFU device stayed busy past its poll limit"
        case .dfuNotDfuSe: "the USB device is not an ST DfuSe (DFU 1.1a) bootloader"
        case .dfuFileOtherAlt: "a .dfu file holds images for an alternate setting other than internal flash"
        case .dfuFileOtherDevice: "a .dfu file's suffix names another USB device (VID:PID) than the one connected"
        case .fusInstallUnaligned: "a FUS/stack install address is not 4 KB aligned"
        case .fusInstallInSecureArea: "a FUS/stack image would reach into the secure area (SFSA)"
        case .fusInstallOverApplication: "a FUS/stack image would overwrite the application"
        case .fusInstallAddressMismatch: "a FUS/stack install address differs from the one SFSA and the image size give"
        case .fusVersionUnsupported: "this FUS image cannot be installed on this part"
        case .fusUARTUnspecified: "FUS over the UART bootloader is not publicly specified"
        case .fusImageNotFound: "FUS_IMAGE_NOT_FOUND: FUS found no image below the secure area"
        case .fusImageCorrupt: "FUS_IMAGE_CORRUPT: the image failed FUS's integrity check"
        case .fusImageNotAuthentic: "FUS_IMAGE_NOT_AUTHENTIC: the image's signature was refused"
        case .fusImageNotEnoughSpace: "FUS_IMAGE_NOT_ENOUGH_SPACE: the image does not fit the secure area"
        case .fusImageUserAbort: "FUS_IMAGE_USRABORT: the upgrade was aborted"
        case .fusImageEraseError: "FUS_IMAGE_ERSERROR: FUS could not erase flash"
        case .fusImageWriteError: "FUS_IMAGE_WRTERROR: FUS could not write the image into the secure area"
        case .fusAuthTagSTNotFound: "FUS_AUTH_TAG_ST_NOTFOUND: the image lacks ST's signature"
        case .fusAuthTagCustomerNotFound: "FUS_AUTH_TAG_CUST_NOTFOUND: the image lacks the customer signature"
        case .fusAuthKeyLocked: "FUS_AUTH_KEY_LOCKED: the customer key is locked"
        case .fusRollbackError: "FUS_FW_ROLLBACK_ERROR: anti-rollback refused an older image"
        case .fusErrorUnknown: "FUS reported an unknown error"
        case .fusStuck: "FUS did not reach a final state in time"
        case .someDevicesFailed:
            "a station run where at least one device failed (each device's code is in its own result)"
        case .stlinkFirmwareTooOld: "the ST-LINK firmware lacks a command Bootwire needs; update it"
        case .stlinkError: "the ST-LINK answered a command with an error status"
        case .swdNoTarget: "the probe reached no core over SWD, not even under reset or at a low clock"
        case .swdConnectedUnderReset: "the core answered only with NRST held low (warning)"
        case .swdClockReduced: "SWD transfers failed at the set clock and worked at a lower one (warning)"
        case .rttNotFound:
            "no SEGGER RTT control block in the target's RAM: the application does not use RTT, or has not started"
        case .rttCorrupted:
            "the RTT control block's buffer descriptors point outside RAM or hold offsets past their buffer"
        case .flashStaleErrors: "the flash controller held error flags from an earlier operation; cleared (warning)"
        case .flashLocked: "the flash controller stayed locked after the unlock keys"
        case .flashProgramError: "the flash controller refused an erase or a write (SR error flags in the evidence)"
        case .flashWriteProtected: "the pages are write-protected (WRP) in the option bytes"
        case .flashReadProtected: "readout protection (RDP level 1) blocks debug access to flash"
        case .flashPermanentlyLocked: "readout protection level 2: the debug port is closed for good"
        case .flashPCROP: "the range is proprietary-code protected (PCROP): not readable, not verifiable"
        case .flashBankMismatch: "the controller's bank layout differs from what OPTR says: the wrong page was erased"
        case .flashFamilyUnsupported: "no register-level flash controller for this STM32 family yet"
        case .flashTrustZoneEnabled: "TrustZone is on: the non-secure flash registers cannot reach the flash"
        case .flashSecureArea: "the range lies in flash owned by the secure side (STM32WB CPU2 area from SFSA)"
        case .st67PackageInvalid: "the folder is not laid out like ST's ST67W61 Binaries package"
        case .st67BoardUnknown: "the host MCU matches no board of the package (pass --board)"
        case .st67BoardUnsupported: "this board's host flash is not reachable by Bootwire (external flash)"
        case .optionBytesNeedPowerCycle: "new option bytes take effect only after a power cycle (warning)"
        case .optionBytesRefused:
            "the flash controller refused the option-byte change (H7 OPTCHANGEERR); nothing was loaded"
        case .optionBytesUnreadable:
            "the bootloader refused to read the option bytes; protection and banks are not known (warning)"
        case .checksumLayoutMismatch:
            "the device's checksum disagrees but the read-back matches: the checksum layout differs (warning)"
        case .virtualUnproven:
            "the virtual device is judged by no peer tool: it is this project's one reading of the manual (info)"
        case .oldDataOutsideImages:
            "flash outside the images held data (an older firmware's tail); erase = chip erased it (warning)"
        case .factoryDataErased:
            "erase = chip erases the module's manufacturing data (MFD), as the vendor's tool does (warning)"
        case .internalError: "a bug in Bootwire"
        }
    }
}

/// Groups of codes, each with its own process exit status.
public enum ErrorCategory: String, CaseIterable, Sendable {
    case usage, input, port, connection, `protocol`, verification, protection, station, `internal`

    public var exitStatus: Int32 {
        switch self {
        case .usage: 2
        case .input: 3
        case .port: 4
        case .connection: 5
        case .protocol: 6
        case .verification: 7
        case .protection: 8
        case .station: 9
        case .internal: 70
        }
    }
}
