/// SWD clock choices any probe shares: where a connect starts, where a retry at a reduced clock
/// starts, and the pick from a probe's own list. A probe's own steps (the ST-LINK V2's divisor
/// table) live with that probe.
public enum SWDClock {
    public static let defaultKHz = 1800
    /// Where a connect at a reduced clock starts when the set clock failed.
    public static let safeKHz = 480

    /// The fastest of `choices` at or below `kHz`.
    public static func pick(_ choices: [Int], atMost kHz: Int) -> Int? {
        choices.filter { $0 <= kHz }.max() ?? choices.min()
    }
}
