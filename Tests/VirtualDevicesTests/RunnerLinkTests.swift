import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// `emulate --link PATH` never replaces or removes what it did not make (issue #23: a hostile
/// `--link /dev/null` deleted /dev/null).
@Suite struct RunnerLinkTests {
    @Test func aLinkNeverReplacesAFileOrAForeignLink() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("keep").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))
        let foreign = folder.appendingPathComponent("foreign").path
        try FileManager.default.createSymbolicLink(atPath: foreign, withDestinationPath: file)
        for path in [file, foreign] {
            #expect(throws: BootwireError.self) {
                _ = try VirtualDeviceRunner(device: VirtualQCC743(), linkPath: path)
            }
        }
        #expect(FileManager.default.contents(atPath: file) == Data([1, 2, 3]))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: foreign) == file)
        // A path of its own it makes, and removes when it stops.
        let own = folder.appendingPathComponent("port").path
        let runner = try VirtualDeviceRunner(device: VirtualQCC743(), linkPath: own)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: own) == runner.slavePath)
        runner.stop()
        #expect(!FileManager.default.fileExists(atPath: own))
    }
}
