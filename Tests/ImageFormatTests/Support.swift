import BootwireCore
import Foundation
import Testing

/// Runs `body`, expects a BootwireError with `code`, and returns it so that a test can check
/// its evidence. Records an issue for anything else.
@discardableResult
func expectError(
    _ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> BootwireError? {
    do {
        try body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as BootwireError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected BootwireError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Intel HEX records written from the specification, independently of `IntelHex.write`:
/// count, 16-bit offset, type, data, then the two's complement of the sum of them all.
func hexRecord(_ type: UInt8, _ offset: UInt16, _ data: [UInt8] = []) -> String {
    let fields = [UInt8(data.count), UInt8(offset >> 8), UInt8(offset & 0xFF), type] + data
    let checksum = 0 &- fields.reduce(UInt8(0), &+)
    return ":" + (fields + [checksum]).map { String(format: "%02X", $0) }.joined()
}

/// S-records from srec(5): count (address + data + checksum), address of the type's width, data,
/// then the ones' complement of the sum of count, address and data.
func srecRecord(_ type: Int, _ address: UInt64, _ data: [UInt8] = []) -> String {
    let width = [0: 2, 1: 2, 2: 3, 3: 4, 5: 2, 6: 3, 7: 4, 8: 3, 9: 2][type]!
    let addressBytes = (0..<width).reversed().map { UInt8(address >> (8 * UInt64($0)) & 0xFF) }
    let fields = [UInt8(width + data.count + 1)] + addressBytes + data
    return "S\(type)" + (fields + [~fields.reduce(UInt8(0), &+)]).map { String(format: "%02X", $0) }.joined()
}

/// A tiny ELF executable assembled byte by byte from the System V gABI tables: the header, the
/// program header table right after it, then each program's bytes in order.
struct ELFBuilder {
    struct Program {
        var type: UInt32 = 1  // PT_LOAD
        var vaddr: UInt64
        var paddr: UInt64
        var data: [UInt8]
        var memsz: UInt64? = nil
    }

    var is64Bit = false
    var bigEndian = false
    var machine: UInt16 = 40  // EM_ARM
    var entry: UInt64 = 0
    var programs: [Program] = []

    var headerSize: Int { is64Bit ? 64 : 52 }
    var phentsize: Int { is64Bit ? 56 : 32 }
    var phoff: Int { headerSize }
    func programHeaderOffset(_ index: Int) -> Int { phoff + index * phentsize }
    /// Offsets of fields, for tests that corrupt one.
    var phnumField: Int { is64Bit ? 56 : 44 }
    var phentsizeField: Int { is64Bit ? 54 : 42 }
    var phoffField: Int { is64Bit ? 32 : 28 }
    func pOffsetField(_ index: Int) -> Int { programHeaderOffset(index) + (is64Bit ? 8 : 4) }
    func pFileszField(_ index: Int) -> Int { programHeaderOffset(index) + (is64Bit ? 32 : 16) }
    func pMemszField(_ index: Int) -> Int { programHeaderOffset(index) + (is64Bit ? 40 : 20) }
    func pPaddrField(_ index: Int) -> Int { programHeaderOffset(index) + (is64Bit ? 24 : 12) }

    func dataOffset(_ index: Int) -> Int {
        programHeaderOffset(programs.count) + programs[..<index].reduce(0) { $0 + $1.data.count }
    }

    func build() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: programHeaderOffset(programs.count))
        out.replaceSubrange(0..<4, with: [0x7F, 0x45, 0x4C, 0x46])
        out[4] = is64Bit ? 2 : 1
        out[5] = bigEndian ? 2 : 1
        out[6] = 1
        put(&out, 2, at: 16, 2)  // ET_EXEC
        put(&out, UInt64(machine), at: 18, 2)
        put(&out, 1, at: 20, 4)  // e_version
        let word = is64Bit ? 8 : 4
        put(&out, entry, at: 24, word)
        put(&out, UInt64(phoff), at: phoffField, word)
        put(&out, UInt64(headerSize), at: is64Bit ? 52 : 40, 2)  // e_ehsize
        put(&out, UInt64(phentsize), at: phentsizeField, 2)
        put(&out, UInt64(programs.count), at: phnumField, 2)
        for (index, program) in programs.enumerated() {
            let at = programHeaderOffset(index)
            put(&out, UInt64(program.type), at: at, 4)
            put(&out, UInt64(dataOffset(index)), at: pOffsetField(index), word)
            put(&out, program.vaddr, at: at + (is64Bit ? 16 : 8), word)
            put(&out, program.paddr, at: pPaddrField(index), word)
            put(&out, UInt64(program.data.count), at: pFileszField(index), word)
            put(&out, program.memsz ?? UInt64(program.data.count), at: pMemszField(index), word)
            put(&out, 5, at: at + (is64Bit ? 4 : 24), 4)  // p_flags R+X
        }
        for program in programs { out += program.data }
        return out
    }

    /// Writes `value` as `size` bytes in this file's byte order (also used to corrupt fields).
    func put(_ out: inout [UInt8], _ value: UInt64, at offset: Int, _ size: Int) {
        for i in 0..<size {
            let byte = UInt8(value >> (8 * UInt64(i)) & 0xFF)
            out[bigEndian ? offset + size - 1 - i : offset + i] = byte
        }
    }
}

/// A scratch folder for image files, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("bootwire-images-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

func segment(_ address: UInt64, _ bytes: [UInt8], _ file: String = "a.bin", line: Int? = nil) -> Segment {
    Segment(
        address: address, bytes: bytes, origin: line.map { .line($0, in: file) } ?? Origin(file: file, location: .whole)
    )
}
