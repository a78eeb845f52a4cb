import BootwireCore
import Foundation
import QCC743

/// The steps of ST's module update (the profile's NCP_update_*.sh, `ST67Profile`), as Bootwire runs them:
/// put back-up of the host flash Bootloader.bin replaces (when the package has no host
/// application), Bootloader.bin to the host over SWD and run, the module's images (and eFuse)
/// through the ST-LINK's virtual COM port, the host application back over SWD and run.
public struct ST67UpdateStep: Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case saveHost = "save-host"
        case bootloader = "flash-bootloader"
        case module = "flash-module"
        case application = "flash-application"
    }
    /// Which side of the board a step talks to: the host over SWD, the module over the VCP.
    public enum Side: Sendable { case host, module }

    public var kind: Kind
    public var title: String
    public var side: Side
    /// Images to flash (empty for save-host and for an application restored from the saved copy,
    /// which is read when the step runs).
    public var images: [FlashImage]
    public var erase: EraseMode
    /// Reset and run the host afterwards.
    public var run: Bool
    public var efuse: EfuseImage?
    /// The ini's skip_mode regions (`FlashOptions.keepOut`).
    public var keepOut: [Range<Int>] = []
    /// The package's files the step writes or follows (relative to the package; an `--app`
    /// outside it is absolute): what ST's script for the profile names for the same step.
    public var files: [String] = []
}

public struct ST67UpdatePlan: Sendable {
    public var package: ST67Package
    public var board: String
    public var profile: ST67Profile
    public var steps: [ST67UpdateStep]
    /// What the eFuse image burns, for the one question asked before anything changes.
    public var efusePreview: String?
    /// Notes for the user: version choices, where the application comes from.
    public var notes: [String]
    /// Where the host flash that Bootloader.bin overwrites is kept when there is no application.
    public var savedHostRange: Range<Int>?

    /// The flash base of every ST67 host (STM32 main flash).
    public static let hostFlashBase = 0x0800_0000

    /// Reads the package for `board` (refusing boards whose host flash Bootwire cannot reach)
    /// and lays out the steps. `hostUnits`
    /// are the host's erase units: what Bootloader.bin's erase takes is what must be saved.
    public static func make(
        package: ST67Package, board: String, profile: ST67Profile, application explicit: String?,
        environment: [String: String], hostUnits: [Range<Int>] = []
    ) throws -> ST67UpdatePlan {
        try refuseUnsupported(board: board)
        let iniPath = try package.iniPath(profile: profile)
        var notes = [
            "profile \(profile.rawValue)\(profile == .standard ? " (the default; --profile mfg|t01|t02)" : ""): "
                + "the steps of ST's \(profile.script), module ini \(profile.ini)"
        ]
        let bootloaderPath = try package.bootloader(board: board)
        let bootloader = try FlashImage.load(path: bootloaderPath, address: UInt64(hostFlashBase))
        let applicationPath = try explicit ?? package.application(board: board, profile: profile)
        var steps: [ST67UpdateStep] = []
        var savedRange: Range<Int>?
        if applicationPath == nil {
            var end = bootloader.map { $0.address + $0.data.count }.max() ?? hostFlashBase
            end = hostUnits.filter { $0.overlaps(hostFlashBase..<end) }.map(\.upperBound).max() ?? end
            savedRange = hostFlashBase..<end
            notes.append(
                "the package has no host application for \(board): the host flash Bootloader.bin overwrites "
                    + "(\(Hex.address(hostFlashBase))..\(Hex.address(end))) is saved first and put back at the end")
            steps.append(
                ST67UpdateStep(
                    kind: .saveHost, title: "save the host flash that Bootloader.bin replaces", side: .host, images: [],
                    erase: .none, run: false, efuse: nil))
        } else if let applicationPath {
            notes.append("host application: \(applicationPath)")
        }
        steps.append(
            ST67UpdateStep(
                kind: .bootloader, title: "flash \(board)/Bootloader.bin (UART bypass) to the host over SWD and run it",
                side: .host, images: try FlashImage.validated(bootloader, flash: nil), erase: .sections, run: true,
                efuse: nil, files: [package.relative(bootloaderPath)]))

        // ST's `…_vxxx.bin` names resolve to the newest version beside the ini (FlashManifest).
        let manifest = try FlashManifest.load(
            path: iniPath, flashSize: BouffaloChip.qcc743.flashSize, environment: environment)
        notes += manifest.versionChoices.map { "newest version: \($0.message)" }
        let moduleImages = try manifest.flashImages()
        let efuse = try package.efusePath.map { try EfuseImage.load(path: $0) }
        // A skip_mode region the module step could not spare is refused now, before the host
        // steps change anything.
        var moduleOptions = FlashOptions()
        moduleOptions.erase = manifest.erase
        moduleOptions.keepOut = manifest.keepOut
        try FlashPipeline.refuseUnkeepable(
            moduleImages, options: moduleOptions,
            memory: BouffaloChip.qcc743.memory, literalChipErase: false)
        steps.append(
            ST67UpdateStep(
                kind: .module,
                title: "flash the module (\(moduleImages.map(\.name).joined(separator: ", "))"
                    + (efuse != nil ? ", eFuse" : "") + ") through the ST-LINK's virtual COM port",
                side: .module, images: try FlashImage.validated(moduleImages, flash: 0..<BouffaloChip.qcc743.flashSize),
                erase: manifest.erase, run: false, efuse: efuse, keepOut: manifest.keepOut,
                files: [iniPath, package.efusePath].compactMap { $0 }.map(package.relative)))

        let application = try applicationPath.map { try FlashImage.load(path: $0, address: UInt64(hostFlashBase)) }
        steps.append(
            ST67UpdateStep(
                kind: .application,
                title: applicationPath.map {
                    "flash the host application \(($0 as NSString).lastPathComponent) and run it"
                }
                    ?? "put the saved host flash back and run it",
                side: .host, images: try application.map { try FlashImage.validated($0, flash: nil) } ?? [],
                erase: .sections, run: true, efuse: nil, files: applicationPath.map { [package.relative($0)] } ?? []))
        return ST67UpdatePlan(
            package: package, board: board, profile: profile, steps: steps, efusePreview: efuse.map(Self.describe),
            notes: notes,
            savedHostRange: savedRange)
    }

    /// Boards whose host flash Bootwire cannot reach are refused by name, before any port opens.
    public static func refuseUnsupported(board: String) throws {
        guard let row = ST67Board.named(board), let refusal = row.refusal else { return }
        throw BootwireError(
            .st67BoardUnsupported, "\(row.name): \(refusal)",
            hint: "update this board with ST's NCP_update script (STM32CubeProgrammer with its external loader)",
            evidence: ["board": row.name, "host": row.host, "external-flash": row.externalFlash ?? "none"])
    }

    /// What an eFuse image sets, from its own fields (the device's current eFuse is read only
    /// when the module is reached, and the pipeline shows the exact change then).
    public static func describe(_ image: EfuseImage) -> String {
        let summary = EfuseSummary(image)
        var parts: [String] = []
        if summary.keyHashPresent {
            parts.append(
                "image-signing key hash " + summary.keyHash.prefix(8).map { String(format: "%02x", $0) }.joined() + "…")
        }
        if summary.signatureRequired { parts.append("signed boot required") }
        if summary.jtagDisabled { parts.append("JTAG disabled") }
        return "the module's eFuse will be burned (irreversible): "
            + (parts.isEmpty ? "the bits set in efusedata.bin" : parts.joined(separator: ", "))
            + "; unsigned firmware will no longer boot"
    }
}
