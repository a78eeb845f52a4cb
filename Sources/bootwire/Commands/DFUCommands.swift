import ArgumentParser
import BootwireCore
import Foundation
import QCC743

/// The verbs (`flash`, `info`, `read`, `erase`) on the STM32 ROM bootloader over USB DFU (DfuSe).
enum DFUCommands {
    static func flash(
        images: [String], erase: EraseMode, go: String?, connection: ConnectionOptions, port: String, renderer: Renderer
    ) async throws -> Never {
        throw BootwireError(.usage, "not built yet")
    }

    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never {
        throw BootwireError(.usage, "not built yet")
    }

    static func read(connection: ConnectionOptions, port: String, start: Int, count: Int, renderer: Renderer)
        async throws -> [UInt8]
    {
        throw BootwireError(.usage, "not built yet")
    }

    static func erase(connection: ConnectionOptions, port: String, range: Range<Int>?, renderer: Renderer) async throws {
        throw BootwireError(.usage, "not built yet")
    }

    static func erase(connection: ConnectionOptions, port: String, pages: [Int], renderer: Renderer) async throws {
        throw BootwireError(.usage, "not built yet")
    }
}
