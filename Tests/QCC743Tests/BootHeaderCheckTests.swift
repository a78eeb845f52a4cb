import BootwireCore
import Crypto
import Foundation
import Synchronization
import Testing

@testable import QCC743

/// Issue #23 item 7: a boot2 (or firmware) whose header was damaged is refused on a module
/// with signed boot on, before anything is erased, and warned about on an unlocked one.
@Suite struct BootHeaderCheckTests {
    /// The ways a header can disagree with its file, each applied to an intact image.
    enum Mutation: String, CaseIterable, CustomTestStringConvertible {
        case magic, imageHash, imageLength, flashConfig, clockConfig, truncated

        var testDescription: String { rawValue }

        func apply(_ image: [UInt8]) -> [UInt8] {
            var bytes = image
            switch self {
            case .magic: bytes[0] ^= 0x01  // BFNP → CFNP
            case .imageHash: bytes[136] ^= 0x01  // first byte of the SHA-256 field
            case .imageLength: bytes[132] &+= 0x10  // img_len_cnt, low byte
            case .flashConfig: bytes[12 + 13] = 0xEF  // mfg_id in the flash config block
            case .clockConfig: bytes[104] ^= 0x02  // xtal type in the clock config block
            case .truncated: bytes.removeLast(100)
            }
            return bytes
        }
    }

    /// Collects the warnings a check emits.
    final class Notes: Sendable {
        let codes = Mutex<[ErrorCode?]>([])
        var sink: EventSink {
            { event in
                if case .note(let note) = event, note.level == .warning { self.codes.withLock { $0.append(note.code) } }
            }
        }
        var all: [ErrorCode?] { codes.withLock { $0 } }
    }

    static func syntheticSigned() throws -> [UInt8] {
        try BootHeaderTests.signedImage(body: BootHeaderTests.body(6000), key: P256.Signing.PrivateKey())
    }

    @Test(arguments: Mutation.allCases)
    func damagedSyntheticBoot2IsRefusedOnSignedBootAndWarnedOnUnlocked(mutation: Mutation) throws {
        let image = FlashImage(name: "boot2", address: 0, data: mutation.apply(try Self.syntheticSigned()))
        let error = expectError(.badBootHeader) {
            try BootHeaderCheck.check([image], signedBoot: true, events: { _ in })
        }
        #expect(error?.evidence["image"] == "boot2")
        let notes = Notes()
        try BootHeaderCheck.check([image], signedBoot: false, events: notes.sink)
        #expect(notes.all == [.badBootHeader])
    }

    @Test func intactImagesPassSilently() throws {
        let images = [
            FlashImage(name: "boot2", address: 0, data: try Self.syntheticSigned()),
            FlashImage(name: "app", address: 0x10000, data: try UnsignedImageBuilder().image(body: [1, 2, 3])),
        ]
        let notes = Notes()
        try BootHeaderCheck.check(images, signedBoot: true, events: notes.sink)
        try BootHeaderCheck.check(images, signedBoot: false, events: notes.sink)
        #expect(notes.all.isEmpty)
    }

    @Test func onlyImagesThatShouldCarryAHeaderAreChecked() throws {
        let table = PartitionTableTests.sampleTable()
        let fw = try #require(table.entry(named: "FW"))
        let media = try #require(table.entry(named: "media"))
        let data = [UInt8](repeating: 0x5A, count: 8192)
        // littlefs in media and the table itself carry no header; FW (per the table) must.
        let images = [
            FlashImage(name: "partition", address: 0xE000, data: table.bytes),
            FlashImage(name: "FW", address: Int(fw.address), data: data),
            FlashImage(name: "littlefs", address: Int(media.address), data: data),
        ]
        #expect(BootHeaderCheck.findings(images).map(\.image) == ["FW"])
        #expect(BootHeaderCheck.findings(Array(images[1...])).isEmpty)  // no table: FW is unknown
        // Whatever sits at 0x0 is what the boot ROM boots.
        #expect(
            BootHeaderCheck.findings([FlashImage(name: "raw", address: 0, data: data)]).map(\.failedChecks) == [
                ["magic"]
            ])
    }

    @Test(.enabled(if: Fixtures.available), arguments: Mutation.allCases)
    func damagedSTBoot2IsRefusedOnSignedBoot(mutation: Mutation) throws {
        let boot2 = try Fixtures.bytes("st67w611m_boot2_v8.1.9.bin")
        try BootHeaderCheck.check(
            [FlashImage(name: "boot2", address: 0, data: boot2)], signedBoot: true, events: { _ in })
        let damaged = FlashImage(name: "boot2", address: 0, data: mutation.apply(boot2))
        _ = expectError(.badBootHeader) { try BootHeaderCheck.check([damaged], signedBoot: true, events: { _ in }) }
    }
}
