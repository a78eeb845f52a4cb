import BootwireCore

/// The STM32 paths' image arguments (`app.hex`, `app.elf`, `app.bin@0x08000000`, `.dfu`) as one
/// plan, checked for overlaps before any port opens.
func loadPlan(_ images: [String]) throws -> FlashPlan {
    try FlashPlan.combining(
        images.map { argument in
            let (path, address) = try ImageLoader.parseArgument(argument)
            return try ImageLoader.load(path: path, address: address)
        })
}

/// The result line every STM32 path ends a verified flash with.
func flashSummary(_ plan: FlashPlan, bytes: Int, started: UInt64) -> [String: String] {
    [
        "segments": "\(plan.segments.count)", "bytes": "\(bytes)", "verified": "yes",
        "seconds": String(format: "%.2f", Double(MonotonicClock.now() - started) / 1e9),
    ]
}
