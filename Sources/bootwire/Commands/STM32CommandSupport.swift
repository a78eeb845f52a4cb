import ArgumentParser
import BootwireCore
import Foundation

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

/// `info` on an STM32 path: the facts as a two-column table, or as one JSON object.
func finishFacts(_ facts: [(String, String)], json: Bool, renderer: Renderer) throws -> Never {
    if json {
        let object = Dictionary(facts, uniquingKeysWith: { first, _ in first })
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try renderer.finish(JobResult(attachments: ["info": String(decoding: data, as: UTF8.self)]))
    }
    for (name, value) in facts { print("\(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(value)") }
    throw ExitCode.success
}
