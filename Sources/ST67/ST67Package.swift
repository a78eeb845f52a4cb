import BootwireCore
import Foundation
import QCC743

/// ST's module-update folder as X-CUBE-ST67W61 ships it (Projects/ST67W6X_Scripts/Binaries):
/// `NCP_Binaries/` with the module's inis (one per `ST67Profile`), images and efusedata.bin,
/// and one `<BOARD>_Binaries/` per host board with its Bootloader.bin (the UART bypass that
/// drives the module's BOOT and CHIP_EN) and the host applications of the profiles.
public struct ST67Package: Sendable {
    public var root: String
    public var ncp: String
    /// Board folder names (without `_Binaries`) → their paths.
    public var boards: [String: String]

    public static let ncpFolder = "NCP_Binaries"
    public static let boardSuffix = "_Binaries"
    public static let bootloaderName = "Bootloader.bin"

    public static func load(path: String) throws -> ST67Package {
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard !entries.isEmpty else {
            throw BootwireError(
                .st67PackageInvalid, "\(path) is not a folder, or is empty", evidence: ["path": root])
        }
        guard entries.contains(ncpFolder) else {
            throw BootwireError(
                .st67PackageInvalid, "\(path) has no \(ncpFolder)/ folder",
                evidence: ["path": root, "entries": entries.sorted().joined(separator: ",")])
        }
        var boards: [String: String] = [:]
        for entry in entries where entry.hasSuffix(boardSuffix) && entry != ncpFolder {
            boards[String(entry.dropLast(boardSuffix.count))] = root + "/" + entry
        }
        guard !boards.isEmpty else {
            throw BootwireError(
                .st67PackageInvalid, "\(path) has no <BOARD>_Binaries/ folder",
                evidence: ["path": root, "entries": entries.sorted().joined(separator: ",")])
        }
        return ST67Package(root: root, ncp: root + "/" + ncpFolder, boards: boards)
    }

    /// The module's ini for a profile, by the name ST's script for it uses.
    public func iniPath(profile: ST67Profile) throws -> String {
        let path = ncp + "/" + profile.ini
        guard FileManager.default.fileExists(atPath: path) else {
            let present = ST67Profile.allCases.filter { FileManager.default.fileExists(atPath: ncp + "/" + $0.ini) }
            throw BootwireError(
                .st67PackageInvalid, "\(Self.ncpFolder)/ has no \(profile.ini) (profile \(profile.rawValue))",
                hint: present.isEmpty
                    ? "use the Binaries folder of X-CUBE-ST67W61 as shipped"
                    : "pass --profile " + present.map(\.rawValue).joined(separator: "|"),
                evidence: ["folder": ncp])
        }
        return path
    }

    /// A path inside the package as the scripts name it (`NCP_Binaries/…`); others unchanged.
    public func relative(_ path: String) -> String {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        return standard.hasPrefix(root + "/") ? String(standard.dropFirst(root.count + 1)) : path
    }

    public var efusePath: String? {
        let path = ncp + "/efusedata.bin"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public func folder(board: String) throws -> String {
        guard let folder = boards.first(where: { $0.key.lowercased() == board.lowercased() })?.value else {
            throw BootwireError(
                .st67BoardUnknown, "the package has no \(board)\(Self.boardSuffix)/ folder",
                hint: "boards in this package: " + boards.keys.sorted().joined(separator: ", "))
        }
        return folder
    }

    public func bootloader(board: String) throws -> String {
        let path = try folder(board: board) + "/" + Self.bootloaderName
        guard FileManager.default.fileExists(atPath: path) else {
            throw BootwireError(
                .st67PackageInvalid, "\(board)\(Self.boardSuffix)/ has no \(Self.bootloaderName)",
                evidence: ["path": path])
        }
        return path
    }

    /// The host application ST's script for `profile` flashes after the module
    /// (`ST67Profile.application`); for a folder without it (a custom board), the one image
    /// file besides Bootloader.bin. Nil when there is none (the update then puts back what the
    /// host held); several are a usage error unless one is named.
    public func application(board: String, profile: ST67Profile) throws -> String? {
        let folder = try folder(board: board)
        let named = folder + "/" + profile.application
        if FileManager.default.fileExists(atPath: named) { return named }
        let images = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { name in
            name != Self.bootloaderName
                && [".bin", ".hex", ".elf", ".srec"].contains { name.lowercased().hasSuffix($0) }
        }.sorted()
        guard images.count <= 1 else {
            throw BootwireError(
                .usage,
                "\(board)\(Self.boardSuffix)/ has no \(profile.application) (profile \(profile.rawValue)) "
                    + "and holds several host images: \(images.joined(separator: ", "))",
                hint: "name the application with --app FILE")
        }
        return images.first.map { folder + "/" + $0 }
    }

    /// The boards of this package whose host matches a DEV_ID and flash size.
    public func boards(deviceID: UInt16, flashKiB: Int) -> [String] {
        boards.keys.filter { name in
            guard let row = ST67Board.named(name) else { return false }
            return row.deviceID == deviceID && (row.flashKiB == flashKiB || flashKiB == 0)
        }.sorted()
    }
}
