import Foundation
import Testing

@testable import BootwireCore

#if canImport(Glibc)
    import Glibc
#endif

/// The one output-file writer: all of the bytes or the old file, never something in between.
@Suite struct OutputFileTests {
    func folder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bootwire-out-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The disk fills after the first 1000 bytes: the old file stays, no temporary file is left.
    @Test func aDiskThatFillsUpLeavesTheOldFileAndNothingElse() throws {
        let dir = folder()
        let path = dir.appendingPathComponent("keep.bin").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        var written = 0
        #expect {
            try OutputFile.write([UInt8](repeating: 7, count: 5000), to: path) { fd, buffer in
                guard written < 1000 else {
                    errno = ENOSPC
                    return -1
                }
                let n = Glibc.write(fd, buffer.baseAddress, min(buffer.count, 1000 - written))
                written += n
                return n
            }
        } throws: { ($0 as? BootwireError)?.code == .diskFull }
        #expect(FileManager.default.contents(atPath: path) == Data("precious".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep.bin"])
    }

    @Test func aNewFileGetsEveryByteAndTheUmasksMode() throws {
        let path = folder().appendingPathComponent("new.bin").path
        try OutputFile.write([1, 2, 3], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        let mask = umask(0)
        umask(mask)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == Int(0o666 & ~mask))
    }

    @Test func aFolderAndAMissingFolderAreRefusedWithTheirCode() throws {
        let dir = folder()
        for path in [dir.path, dir.appendingPathComponent("no/such/folder.bin").path] {
            #expect { try OutputFile.check(path) } throws: { ($0 as? BootwireError)?.code == .outputWriteFailed }
        }
    }

    /// A FIFO nobody reads is refused at once (before, the open blocked the session forever);
    /// one with a reader gets every byte, in place.
    @Test func aFIFOWithoutAReaderIsRefusedAndOneWithAReaderIsWritten() throws {
        let path = folder().appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect { try OutputFile.write([1, 2, 3], to: path) } throws: {
            ($0 as? BootwireError)?.code == .outputWriteFailed
        }
        #expect { _ = try OutputFile.openForStreaming(path) } throws: {
            ($0 as? BootwireError)?.code == .outputWriteFailed
        }
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        try OutputFile.write([1, 2, 3], to: path)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(read(reader, &buffer, 8) == 3 && Array(buffer[0..<3]) == [1, 2, 3])
        let type = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        #expect(type != .typeRegular && type != nil, "still a FIFO")
    }

    /// dirname(1)'s answers; Foundation's NSString version traps on one-character paths.
    @Test(arguments: [
        ("a", "."), ("=", "."), ("ab", "."), ("a/b", "a"), ("/a", "/"), ("/", "/"), ("a/b/", "a"), ("//x", "/"),
        ("dir//x", "dir"), ("./x.bin", "."), ("/tmp/y/z.bin", "/tmp/y"),
    ])
    func pathFolders(path: String, folder: String) {
        #expect(PathName.folder(of: path) == folder)
    }

    @Test func appendKeepsWhatWasThere() throws {
        let path = folder().appendingPathComponent("log.jsonl").path
        try OutputFile.append(Array("a\n".utf8), to: path)
        try OutputFile.append(Array("b\n".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("a\nb\n".utf8))
    }
}
