import ArgumentParser
import BootwireCore
import Foundation

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
