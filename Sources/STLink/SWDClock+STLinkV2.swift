import ArmDebug

/// The ST-LINK's clocks: V2 takes a divisor from a fixed table; V3 lists its own frequencies
/// (GET_COM_FREQ) and takes kHz (spec 1.4).
extension SWDClock {
    /// (divisor, kHz) for V2's SWD_SET_FREQ, fastest first.
    public static let v2Divisors: [(divisor: UInt16, kHz: Int)] = [
        (0, 4000), (1, 1800), (2, 1200), (3, 950), (5, 650), (7, 480), (9, 400), (10, 360), (15, 240), (25, 150),
        (31, 125), (40, 100), (79, 50), (158, 25), (265, 15), (798, 5),
    ]

    /// The fastest V2 entry at or below `kHz` (the slowest when none is).
    public static func v2Divisor(atMost kHz: Int) -> (divisor: UInt16, kHz: Int) {
        v2Divisors.first { $0.kHz <= kHz } ?? v2Divisors[v2Divisors.count - 1]
    }

    /// The next lower step after `kHz` on V2's table: what a WAIT storm falls back to.
    public static func lower(than kHz: Int) -> Int? { v2Divisors.first { $0.kHz < kHz }?.kHz }
}
