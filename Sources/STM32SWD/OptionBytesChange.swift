import BootwireCore
import STM32

/// What `option-bytes set` did: the fields changed, the option bytes as the part loaded them,
/// and whether a power cycle is still needed. Nil `loaded` is a change previewed and declined
/// (a dry run) or one that changed nothing.
public struct OptionBytesChange: Sendable {
    public var changes: [String]
    /// The option bytes before the change, and what was asked for: the old → new table.
    public var before: SWDOptionBytes?
    public var wanted: SWDOptionBytes?
    public var loaded: SWDOptionBytes?
    /// Fields the part has not loaded yet (they load at the next power-on reset).
    public var notLoaded: [SWDOptionField]
    /// Readout protection raised with the debugger attached takes full effect only after a
    /// power-on reset.
    public var protectionRaised: Bool

    public var needsPowerCycle: Bool { protectionRaised || !notLoaded.isEmpty }
}

extension STM32SWDSession {
    /// Changes option-byte fields (`rdp=1`, `wrp1a=none`, …): previews the change (an RDP
    /// level change is named as the mass erase or the permanent lock it is), asks `confirm`,
    /// programs, reloads them (OBL_LAUNCH; the part resets and the session reconnects) and
    /// reads back what the part loaded.
    public func changeOptionBytes(
        _ assignments: [(field: String, value: String)], confirm: (String) throws -> Bool
    ) throws -> OptionBytesChange {
        let controller = try flash()
        let current = try controller.optionBytes()
        var wanted = current
        for (field, value) in assignments { try wanted.set(field, to: value) }
        let changes = wanted.changes(from: current)
        var outcome = OptionBytesChange(
            changes: changes, before: current, wanted: wanted, loaded: nil, notLoaded: [], protectionRaised: false)
        guard !changes.isEmpty else { return outcome }
        let before = current.readoutProtection
        let after = wanted.readoutProtection
        var preview = "option bytes: " + changes.joined(separator: "; ")
        if before > .level0 && after == .level0 {
            preview += " — RDP level \(before.rawValue) → 0 is a MASS ERASE of the whole flash"
        } else if after == .level2 {
            preview += " — RDP level 2 is PERMANENT: the debug port closes for good"
        } else if after == .level1 && before == .level0 {
            preview += " — flash becomes unreadable over SWD; removing it later erases the flash"
        }
        guard try confirm(preview) else { return outcome }
        try controller.program(options: wanted)
        let loaded = try reloadOptionBytes()
        outcome.loaded = loaded
        outcome.notLoaded = wanted.fields.filter { loaded.raw($0) != wanted.raw($0) }
        outcome.protectionRaised = after > before
        if outcome.needsPowerCycle {
            events(
                .note(
                    .warning(
                        .optionBytesNeedPowerCycle,
                        "power-cycle the target: "
                            + (outcome.protectionRaised
                                ? "readout protection set with the debugger attached takes full effect only after a power-on reset"
                                : "fields not loaded yet: " + outcome.notLoaded.map(\.name).joined(separator: ", ")))))
        }
        return outcome
    }

    /// Loads the programmed option bytes now (OBL_LAUNCH: the part resets), reconnects and
    /// reads what it loaded.
    public func reloadOptionBytes() throws -> SWDOptionBytes {
        _ = try flash().launchOptionBytes()
        try reconnect()
        return try flash().optionBytes()
    }
}
