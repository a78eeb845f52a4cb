import Foundation
import Targets
import Testing

extension BootwireRun {
    /// `info --json` on an STM32 route: the result's `info` object decoded as the library's
    /// `STM32Info`, so a renamed key or a changed type fails here, not in a string comparison.
    func stm32Info() throws -> STM32Info {
        let object = try #require(result?["info"], "\(stdout)")
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(STM32Info.self, from: data)
    }
}

extension STM32Info {
    /// The option field named `name`, as the part's table names it.
    func option(_ name: String) -> OptionValue? { options.first { $0.name == name } }
}
