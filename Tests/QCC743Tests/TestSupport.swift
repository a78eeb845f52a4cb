import BootwireCore
import Foundation
import Testing

/// ST's real files, next to the repository (never copied into it). Tests that need them are
/// `.enabled(if: Fixtures.available)` and skip cleanly on machines without the folder.
enum Fixtures {
    /// <package root>/../shared/fixtures/st67w61, derived from this file's location.
    static let directory: String = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // QCC743Tests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent("../shared/fixtures/st67w61").standardizedFileURL.path
    }()

    static let available = FileManager.default.fileExists(atPath: directory + "/partition.bin")

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    static let imageNames = [
        "st67w611m_boot2_v8.1.9.bin", "st67w611m_mfg_v2.0.106.bin", "st67w611m_mission_t02_v2.0.106.bin",
    ]

    /// SHA-256 of ST's image-signing public key, as burned at eFuse 0x1C (spec 12.2).
    static let stKeyHash = "9e0cb12265b514e65071743555e9c9d1937d1287a7ff63aa5add5d76c08b35eb"
}

/// A scratch folder for synthetic files, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("bootwire-qcc743-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
}

/// Runs `body`, expects a BootwireError, returns it so the test can check its code and evidence.
func expectError(
    _ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> BootwireError? {
    do {
        try body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as BootwireError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected BootwireError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
