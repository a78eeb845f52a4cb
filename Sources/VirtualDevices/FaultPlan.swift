import BootwireCore

/// Field failures a virtual device reproduces on demand (`--fault NAME[=VALUE]`). Wire-level
/// faults act in the runner, between the pty and the device model; device-level ones
/// (`application`, `locked`) change the model itself.
public enum Fault: Sendable, Equatable, CustomStringConvertible {
    /// No boot loader listening: nothing ever comes back.
    case silent
    /// The firmware runs instead of the boot ROM and prints its log.
    case application
    /// TX looped back to RX (a jumper, or a half-duplex bridge): the host hears itself only.
    case echo
    /// The adapter cannot carry rates above this: nothing gets through at a higher rate.
    case baudLimit(Int)
    /// One bit flipped in every Nth byte from the host.
    case corrupt(every: Int)
    /// The cable is pulled after this many bytes from the host.
    case disconnectAfter(bytes: Int)
    /// The chip resets (brown-out, watchdog) after this many bytes from the host.
    case resetAfter(bytes: Int)
    /// Signed boot is on and eFuse holds this public-key hash (ST's by default). On an STM32:
    /// readout protection level 1.
    case locked(keyHash: [UInt8]?)
    /// STM32: the TX pin glitches when the bootloader turns it on, so a 0x00 comes before the
    /// ACK to the first 0x7F after each reset.
    case syncGlitch
    /// STM32: Read Memory of the option bytes is refused (NACK after the length), as a ROM may
    /// do for a range it does not accept (silicon notes: which reads a ROM accepts is unknown).
    case optionReadRefused
    /// STM32: Get Checksum with another word layout than stm32flash's (the layout is known only
    /// from stm32flash): the CRC disagrees while the bytes are right.
    case checksumLayout

    public static let names = [
        "silent", "application", "echo", "baud-limit=N", "corrupt=N", "disconnect-after=BYTES",
        "reset-after=BYTES", "locked[=KEYHASH]",
        "sync-glitch", "option-read-refused", "checksum-layout",
    ]

    public static func parse(_ text: String) throws -> Fault {
        try parse(VirtualOption(parsing: text))
    }

    public static func parse(_ option: VirtualOption) throws -> Fault {
        let name = option.key
        let value = option.value
        func number() throws -> Int { try option.integer(in: 1...Int.max, "\(name)=N, a positive number") }
        func flag(_ fault: Fault) throws -> Fault {
            try option.flag()
            return fault
        }
        switch name {
        case "silent": return try flag(.silent)
        case "application": return try flag(.application)
        case "echo": return try flag(.echo)
        case "baud-limit": return .baudLimit(try number())
        case "corrupt": return .corrupt(every: try number())
        case "disconnect-after": return .disconnectAfter(bytes: try number())
        case "reset-after": return .resetAfter(bytes: try number())
        case "sync-glitch": return try flag(.syncGlitch)
        case "option-read-refused": return try flag(.optionReadRefused)
        case "checksum-layout": return try flag(.checksumLayout)
        case "locked":
            guard let value else { return .locked(keyHash: nil) }
            guard let hash = Hex.bytes(value), hash.count == 32 else {
                throw option.bad("locked=KEYHASH with 64 hex digits (a SHA-256)")
            }
            return .locked(keyHash: hash)
        default:
            throw BootwireError(.usage, "unknown fault `\(name)`", hint: "faults: " + names.joined(separator: ", "))
        }
    }

    public var description: String {
        switch self {
        case .silent: "silent"
        case .application: "application"
        case .echo: "echo"
        case .baudLimit(let n): "baud-limit=\(n)"
        case .corrupt(let n): "corrupt=\(n)"
        case .disconnectAfter(let n): "disconnect-after=\(n)"
        case .resetAfter(let n): "reset-after=\(n)"
        case .locked(let hash): hash.map { "locked=\(Hex.string($0))" } ?? "locked"
        case .syncGlitch: "sync-glitch"
        case .optionReadRefused: "option-read-refused"
        case .checksumLayout: "checksum-layout"
        }
    }
}
