import BootwireCore
import Foundation
import Testing

@testable import QCC743

@Suite struct EfuseImageTests {
    /// ST's decoded content rebuilt by hand from spec 12.2, so the synthetic tests share it.
    static func stLikeImage() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes.replaceSubrange(0..<4, with: LE.u32(0x0C00_0000))
        bytes.replaceSubrange(0x1C..<0x3C, with: Hex.bytes(Fixtures.stKeyHash)!)
        bytes.replaceSubrange(0x5C..<0x60, with: LE.u32(0x80))
        bytes.replaceSubrange(0x7C..<0x80, with: LE.u32(0x0006_1000))
        bytes.replaceSubrange(0xDC..<0xE0, with: LE.u32(0x0400_0000))
        return bytes
    }

    /// A fresh module: nothing security-related, a MAC and some trim bits.
    static func factoryEfuse() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes.replaceSubrange(0x14..<0x1A, with: [0xDC, 0xD2, 0x03, 0x7B, 0x82, 0x40])
        bytes[0xC4] = 0x35
        return bytes
    }

    @Test(.enabled(if: Fixtures.available))
    func decryptsSTsContainer() throws {
        let file = try Fixtures.bytes("efusedata.bin")
        #expect(Array(file[0..<4]) == [0xD7, 0x62, 0xC0, 0x8A])
        let image = try EfuseImage.decode(file)
        #expect(image.wasEncrypted && image.dataLength == 512)
        #expect(CRC32.checksum(image.bytes) == 0x8AC0_62D7)
        #expect(LE.u32(image.bytes, at: 0x000) == 0x0C00_0000)
        #expect(LE.u32(image.bytes, at: 0x05C) == 0x0000_0080)
        #expect(LE.u32(image.bytes, at: 0x07C) == 0x0006_1000)
        #expect(LE.u32(image.bytes, at: 0x0DC) == 0x0400_0000)
        #expect(Hex.string(image.bytes[0x1C..<0x3C]) == Fixtures.stKeyHash)
        // Spec 12.2: everything else is zero.
        #expect(image.bytes == Self.stLikeImage())
        // Our encoder reproduces ST's file byte for byte.
        #expect(try image.encryptedContainer() == file)
    }

    @Test(.enabled(if: Fixtures.available))
    func loadsFromPathWithoutAMask() throws {
        let image = try EfuseImage.load(path: Fixtures.path("efusedata.bin"))
        #expect(!image.maskIsExplicit)
        #expect(image.mask[0x5C] == 0xFF && image.mask[0x5D] == 0x00)
    }

    @Test func summaryOfSTsImage() {
        let summary = EfuseSummary(Self.stLikeImage())
        #expect(summary.jtag0DisableField == 3 && summary.jtagDisabled)
        #expect(summary.keyHashPresent)
        #expect(summary.signatureRequired)
        #expect(summary.softwareUsage0Set == ["sign_cfg"])
        #expect(summary.antiRollbackEnabled)
        #expect(summary.keySlot0WriteLocked && summary.keySlot1WriteLocked)
        #expect(summary.isLockedToSigner)
        #expect(summary.defaultMAC == [0, 0, 0, 0, 0, 0])
    }

    @Test func summaryOfAFactoryModuleAndOfSeedASoftwareUsageWord() {
        var bytes = Self.factoryEfuse()
        var summary = EfuseSummary(bytes)
        #expect(!summary.jtagDisabled && !summary.keyHashPresent && !summary.signatureRequired)
        #expect(!summary.antiRollbackEnabled && !summary.isLockedToSigner)
        #expect(summary.defaultMAC == [0x40, 0x82, 0x7B, 0x03, 0xD2, 0xDC])  // printed reversed
        bytes.replaceSubrange(0x5C..<0x60, with: LE.u32(0x0182_12A7))  // boot info seed A (spec 12.5)
        summary = EfuseSummary(bytes)
        #expect(summary.flashPinConfig == 8)
        #expect(
            summary.softwareUsage0Set == [
                "bootrom_protect", "uart_log_disable", "boot_pin_cfg", "usbboot_enable", "sign_cfg", "jtag_cfg",
                "fix_key_sel", "sf_pin_cfg", "trim_enable", "flash_power_delay",
            ])
        bytes[0x03] = 0x04  // jtag_0_dis = 1: partly set, not "disabled" by ST's reading
        #expect(EfuseSummary(bytes).jtag0DisableField == 1 && !EfuseSummary(bytes).jtagDisabled)
    }

    @Test func stImageOnAFactoryModuleLocksIt() {
        let change = EfuseChange(current: Self.factoryEfuse(), target: Self.stLikeImage())
        #expect(change.locksModule)
        #expect(!change.isNoOp)
        #expect(!change.requiresClearing)
        #expect(
            Set(change.lockingFields) == [
                "ef_dbg_jtag_0_dis", "key_hash_slot_0", "key_hash_slot_1", "sign_cfg", "wr_lock_key_slot_0",
                "wr_lock_key_slot_1",
            ])
        let names = change.fields.map(\.name)
        #expect(names.contains("anti_rollback_enable") && names.contains("word_0xDC"))
        #expect(change.fields.first { $0.name == "sign_cfg" }?.newlySetBits == 1)
        #expect(change.fields.first { $0.name == "key_hash_slot_0" }?.current == String(repeating: "0", count: 32))
        #expect(change.result == zip(Self.factoryEfuse(), Self.stLikeImage()).map { $0 | $1 })
        #expect(change.newlySetBitCount == Self.stLikeImage().reduce(0) { $0 + $1.nonzeroBitCount })
    }

    @Test func stImageOnAModuleAlreadyLockedByItIsANoOp() {
        let locked = zip(Self.factoryEfuse(), Self.stLikeImage()).map { $0 | $1 }
        let change = EfuseChange(current: locked, target: Self.stLikeImage())
        #expect(change.isNoOp)
        #expect(!change.locksModule)
        #expect(change.fields.isEmpty)
        #expect(EfuseChange(current: Self.stLikeImage(), target: Self.stLikeImage()).isNoOp)
    }

    @Test func anotherKeyHashOverTheBurnedOneCannotBeReached() {
        var other = [UInt8](repeating: 0, count: 512)
        other.replaceSubrange(0x1C..<0x3C, with: SHA256Digest.of(Array("another signer".utf8)))
        let change = EfuseChange(current: Self.stLikeImage(), target: other)
        #expect(change.requiresClearing)
        #expect(Set(change.conflicts.map(\.name)) == ["key_hash_slot_0", "key_hash_slot_1"])
    }

    @Test func flagBitsTheDeviceAlreadyHasAreNotConflicts() {
        var device = Self.factoryEfuse()
        device.replaceSubrange(0x5C..<0x60, with: LE.u32(0x0182_12A7))  // sign_cfg and more already set
        var target = [UInt8](repeating: 0, count: 512)
        target[0x5C] = 0x80
        let change = EfuseChange(current: device, target: target)
        #expect(!change.requiresClearing)
        #expect(change.isNoOp)
        // Unnamed bits are independent flags too: the factory trim 0x35 at 0xC4 plus 0x02.
        target[0xC4] = 0x02
        let trim = EfuseChange(current: device, target: target)
        #expect(!trim.requiresClearing)
        #expect(trim.fields.map(\.name) == ["word_0xC4"])
        #expect(trim.fields.first?.newlySetBits == 1 && trim.fields.first?.result == "0x37")
        target[0xC4] = 0
        // A different flash pin (a 6-bit value) over the burned one is a conflict.
        target.replaceSubrange(0x5C..<0x60, with: LE.u32(0x04 << 14))
        let pin = EfuseChange(current: device, target: target)
        #expect(pin.conflicts.map(\.name) == ["sf_pin_cfg"])
    }

    @Test func writePlanForA512ByteImage() throws {
        let image = try EfuseImage(plain: Self.stLikeImage())
        let plan = image.writePlan
        #expect(plan.map(\.address) == [0x000, 0x070, 0x080, 0x0F0])
        #expect(plan.map(\.data.count) == [128, 16, 128, 16])
        #expect(plan[0].data == Array(image.bytes[0..<124]) + [0, 0, 0, 0])
        #expect(Array(plan[0].data[0..<4]) == [0, 0, 0, 0x0C])
        #expect(plan[1].data == [UInt8](repeating: 0, count: 12) + [0x00, 0x10, 0x06, 0x00])
        #expect(plan[2].data == Array(image.bytes[128..<252]) + [0, 0, 0, 0])
        #expect(plan[2].data[0xDF - 0x80] == 0x04)
        #expect(plan[3].data == [UInt8](repeating: 0, count: 12) + Array(image.bytes[252..<256]))
        #expect(image.offsetsBeyondWritePlan.isEmpty)
    }

    @Test func writePlanLengthFollowsTheData() throws {
        #expect(try EfuseImage(plain: [UInt8](repeating: 1, count: 128)).writePlan.map(\.address) == [0x000, 0x070])
        #expect(try EfuseImage(plain: [UInt8](repeating: 1, count: 129)).writePlan.count == 4)
        var high = [UInt8](repeating: 0, count: 512)
        high[0x100] = 0x55
        high[0x1FF] = 0x01
        #expect(try EfuseImage(plain: high).offsetsBeyondWritePlan == [0x100, 0x1FF])
    }

    @Test func containerRoundTripAndCRCMismatch() throws {
        let image = try EfuseImage(plain: Self.stLikeImage())
        var container = try image.encryptedContainer()
        #expect(container.count == 4608)
        #expect(try EfuseImage.decode(container).bytes == image.bytes)
        container[4096 + 100] ^= 0x01
        let error = expectError(.badImage) { _ = try EfuseImage.decode(container) }
        #expect(
            error?.evidence["expected_crc"] == "0x" + String(CRC32.checksum(image.bytes), radix: 16, uppercase: true))
    }

    @Test func sizesThatAreNeitherPlainNorEncryptedAreBadImage() {
        _ = expectError(.badImage) { _ = try EfuseImage.decode([UInt8](repeating: 0, count: 513)) }
        _ = expectError(.badImage) { _ = try EfuseImage.decode([UInt8](repeating: 0, count: 4096)) }
        _ = expectError(.badImage) { _ = try EfuseImage.decode([UInt8](repeating: 0, count: 4700)) }
        _ = expectError(.badImage) { _ = try EfuseImage.decode([1, 2], mask: [UInt8](repeating: 0xFF, count: 4608)) }
    }

    /// Issue #23 item 10: a container cut to 512 bytes or fewer is its CRC and zeros; read as a
    /// plain image, the CRC would be burned as eFuse word 0 (JTAG bits).
    @Test func aTruncatedContainerIsBadImageNotAPlainImage() throws {
        let container = try EfuseImage(plain: Self.stLikeImage()).encryptedContainer()
        for length in [512, 100, 8, 5] {
            let error = expectError(.badImage) { _ = try EfuseImage.decode(Array(container.prefix(length))) }
            #expect(error?.evidence["expected_length"] == "4608")
        }
        // A plain image that sets word 0 alone, as its 4 bytes, is still a plain image.
        #expect(try EfuseImage.decode([0, 0, 0, 0x0C]).bytes[3] == 0x0C)
        #expect(try EfuseImage.decode([UInt8](repeating: 0, count: 512)).bytes.allSatisfy { $0 == 0 })
    }

    @Test(.enabled(if: Fixtures.available))
    func stsContainerCutShortIsBadImage() throws {
        let file = try Fixtures.bytes("efusedata.bin")
        _ = expectError(.badImage) { _ = try EfuseImage.decode(Array(file.prefix(512))) }
    }

    @Test func maskFileNextToThePlainImageIsUsed() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("efuse.bin", [0x00, 0x0F, 0xF0])
        #expect(EfuseImage.maskPath(for: path) == folder.path + "/efuse_mask.bin")
        var image = try EfuseImage.load(path: path)
        #expect(!image.maskIsExplicit && Array(image.mask[0..<3]) == [0x00, 0xFF, 0xFF])
        try folder.write("efuse_mask.bin", [0xFF, 0x0F, 0x00])
        image = try EfuseImage.load(path: path)
        #expect(image.maskIsExplicit && Array(image.mask[0..<4]) == [0xFF, 0x0F, 0x00, 0x00])
        // The data bits 0xF0 at byte 2 are outside the mask: the vendor's read-back check fails.
        #expect(!image.readBackSatisfied(by: [0x00, 0x0F, 0xF0]))
    }

    @Test func readBackCheck() throws {
        let image = try EfuseImage(plain: [0x00, 0x81])
        #expect(image.readBackSatisfied(by: [0xFF, 0x81]))
        #expect(image.readBackSatisfied(by: [0x00, 0xFF, 0x12]))
        #expect(!image.readBackSatisfied(by: [0x00, 0x80]))
    }

    @Test func missingFileIsFileNotFound() throws {
        let folder = try TemporaryDirectory()
        let error = expectError(.fileNotFound) { _ = try EfuseImage.load(path: folder.path + "/none.bin") }
        #expect(error?.evidence["file"] == folder.path + "/none.bin")
    }
}
