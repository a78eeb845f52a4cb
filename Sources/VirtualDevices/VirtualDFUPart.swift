import BootwireCore
import DFU
import Foundation
import STM32

/// What a virtual ROM DFU device holds: flash, option bytes, OTP, and (WB) the FUS model, with
/// the rules the ROM applies to each address. Optionally mirrored in a file (`state=PATH`) so
/// that separate processes see one chip.
final class VirtualDFUPart: @unchecked Sendable {
    let device: STM32Device
    let altStrings: [String]
    var flash: [UInt8]
    var options: STM32OptionBytes
    var otp: [UInt8]
    let otpBase: UInt32 = 0x1FFF_7000
    let fus: VirtualFUS?
    let statePath: String?
    /// UPLOAD of the option bytes is refused (a ROM that does not accept the read).
    var refusesOptionRead = false

    init(device: STM32Device, flashSize: Int, altStrings: [String], fus: VirtualFUS?, statePath: String?) {
        self.device = device
        self.altStrings = altStrings
        self.fus = fus
        self.statePath = statePath
        flash = [UInt8](repeating: 0xFF, count: flashSize)
        options = .factory(for: device)
        otp = [UInt8](repeating: 0xFF, count: 1024)
        if fus != nil {
            // The factory FUS and stack sit in the secure top; a CPU1 read never sees these bytes.
            let secure = secureStart - Int(device.flashBase)
            for i in secure..<flash.count { flash[i] = UInt8(truncatingIfNeeded: i * 7 + 3) }
        }
        load()
    }

    var geometry: STM32FlashGeometry { device.geometry(flashSize: flash.count, options: options) }

    /// The first secure byte's address (WB), or the end of flash.
    var secureStart: Int {
        options.secureFlashStartPage.map { Int(device.flashBase) + $0 * 4096 } ?? Int(device.flashBase)
            + flash.count
    }

    var readProtected: Bool { options.readoutProtection > .level0 }

    func flashOffset(_ address: UInt32, _ count: Int) -> Int? {
        let offset = Int(address) - Int(device.flashBase)
        guard offset >= 0, offset + count <= flash.count else { return nil }
        return offset
    }

    func isWriteProtected(offset: Int) -> Bool {
        let page = offset / device.pageSize
        return options.writeProtectedPages(geometry).contains { $0.contains(page) }
    }

    /// UPLOAD's view of memory: nil where the ROM refuses (read protection, the secure area,
    /// nothing mapped).
    func read(_ address: UInt32, _ count: Int) -> [UInt8]? {
        if let offset = flashOffset(address, count) {
            guard !readProtected, Int(address) + count <= secureStart else { return nil }
            return Array(flash[offset..<offset + count])
        }
        for (range, area) in zip(options.ranges, options.areas) where range.contains(address, count: count) {
            guard !refusesOptionRead else { return nil }
            let start = Int(address - range.start)
            return Array(area[start..<start + count])
        }
        if address >= otpBase, Int(address) + count <= Int(otpBase) + otp.count {
            let start = Int(address - otpBase)
            return Array(otp[start..<start + count])
        }
        return fus?.read(address, count)
    }

    /// Every page below the secure area that write protection leaves alone.
    func massErase() {
        let end = secureStart - Int(device.flashBase)
        let protected = options.writeProtectedPages(geometry)
        for page in 0..<(end / device.pageSize) where !protected.contains(where: { $0.contains(page) }) {
            let start = page * device.pageSize
            flash.eraseFlash(start, count: device.pageSize)
        }
    }

    // MARK: state file

    struct Saved: Codable {
        var options: [[UInt8]]
        var otp: [UInt8]
        var fus: VirtualFUS.Saved?
    }

    func save() {
        guard let statePath else { return }
        let saved = Saved(options: options.areas, otp: otp, fus: fus?.saved)
        guard let header = try? JSONEncoder().encode(saved) else { return }
        var data = Data()
        var length = UInt32(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(header)
        data.append(contentsOf: flash)
        try? OutputFile.write(data, to: statePath)
    }

    func load() {
        guard let statePath, let data = FileManager.default.contents(atPath: statePath), data.count > 4 else { return }
        let bytes = [UInt8](data)
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard 4 + length + flash.count == bytes.count,
            let saved = try? JSONDecoder().decode(Saved.self, from: Data(bytes[4..<4 + length]))
        else { return }
        options.areas = saved.options
        otp = saved.otp
        if let state = saved.fus { fus?.restore(state) }
        flash = Array(bytes[(4 + length)...])
    }
}
