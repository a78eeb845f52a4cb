import BootwireCore
import Foundation
import STM32

/// The STM32CubeProgrammer `-fwupgrade` sequence (spec 8.5) over a `DFUFUSTransport`: checks
/// first, then start FUS, delete, download, upgrade, and follow the states through reboots.
public final class FUSUpdater: @unchecked Sendable {
    public let transport: DFUFUSTransport
    let events: EventSink
    /// Between two FUS_GET_STATE polls: qFlipper's 1 s (`wirelessstackdownloadoperation.cpp`).
    public var pollInterval: Duration = .seconds(1)
    /// The whole of one FUS operation (an upgrade with its reboots takes tens of seconds).
    public var operationLimit: Duration = .seconds(300)

    /// What CPU2 runs and the versions FUS reported, as the last upgrade left them.
    public struct Versions: Sendable, Equatable {
        public var fus: String?
        public var stack: String?
        public var stackRunning = false
    }

    public private(set) var versions = Versions()

    public init(transport: DFUFUSTransport, events: @escaping EventSink) {
        self.transport = transport
        self.events = events
    }

    var session: DfuSeSession { transport.session }

    /// SFSA from the option bytes read at connect.
    public func secureStartPage() throws -> Int {
        guard let options = session.identity.optionBytes, options.layout == .wb,
            let sfsa = options.secureFlashStartPage
        else {
            throw BootwireError(
                .unexpectedChip, "this device is not an STM32WB with a secure area (no SFSA in its option bytes)",
                hint: "FUS exists only on STM32WB parts")
        }
        return sfsa
    }

    /// FUS_GET_STATE until FUS answers: on a chip running its stack the first read says
    /// `FF FE` and a second one starts FUS (the chip reboots).
    public func startFUS() throws -> FUSState {
        var state = try transport.state()
        events(.stage("fus", detail: "\(state)"))
        if state.isStackRunning {
            events(.stage("fus", detail: "starting FUS (second FUS_GET_STATE; the chip reboots)"))
            state = try transport.state()
            if state.isStackRunning {
                state = try waitWhile("starting FUS") { $0.isStackRunning || $0.isOngoing }
            }
        }
        if state.isOngoing { state = try waitWhile("FUS to finish its current work") { $0.isOngoing } }
        try failIfError(state, during: "starting FUS", plan: nil)
        return state
    }

    /// Polls FUS_GET_STATE (through reboots) while `busy` holds, showing each new state by name.
    func waitWhile(_ what: String, _ busy: (FUSState) -> Bool) throws -> FUSState {
        // The bus's clock: a virtual bus in simulated time reboots and polls in no wall-clock time.
        let clock = session.client.handle.clock
        let deadline = clock.instant(after: operationLimit)
        var last: FUSState?
        while true {
            clock.sleep(for: pollInterval)
            let state: FUSState
            do {
                state = try transport.state()
            } catch let error where DeviceReset.isSymptom(error) && clock.now() < deadline {
                // qFlipper: a state that cannot be read means the chip is rebooting: wait.
                events(.note(.info("FUS state not readable (\(error)); the chip is rebooting, waiting")))
                continue
            }
            if state != last {
                events(.stage("fus", detail: "\(state)"))
                last = state
            }
            if state.isFailure || !busy(state) { return state }
            if clock.now() >= deadline {
                throw BootwireError(
                    .fusStuck, "FUS was still busy after \(operationLimit) waiting for \(what)",
                    hint: "power-cycle the board with BOOT0 high and run `bootwire fus info`",
                    evidence: ["fus-state": "\(state)"])
            }
        }
    }

    public func delete() throws {
        _ = try startFUS()
        events(.stage("fus delete", detail: "deleting the wireless stack"))
        try transport.delete()
        let state = try waitWhile("FW_DELETE") { $0.isOngoing || $0.isStackRunning }
        try failIfError(state, during: "FW_DELETE", plan: nil)
    }

    public func startStack() throws {
        _ = try startFUS()
        events(.stage("fus start-stack", detail: "START_WS"))
        try transport.startStack()
        let state = try waitWhile("START_WS") { !$0.isStackRunning }
        try failIfError(state, during: "START_WS", plan: nil)
    }

    /// Installs `image`: every check before anything changes, then spec 8.5 steps 2–5.
    /// `proceed` is asked once the plan is known, before the first change (the installed stack's
    /// delete cannot be undone): false stops there (a dry run), a throw refuses.
    public func upgrade(
        image: [UInt8], name: String, requestedAddress: UInt64?, applicationEnd: UInt64?, firstInstall: Bool,
        proceed: (FUSInstallPlan) throws -> Bool = { _ in true }
    ) throws -> FUSInstallPlan {
        let sfsa = try secureStartPage()
        let flashSize = session.identity.flash?.size ?? 0
        try FUSVersionRule.check(fusVersion: Self.versionInName(name), flashSize: flashSize)
        var plan = try FUSInstallPlan.plan(
            sfsa: sfsa, imageSize: image.count, requested: requestedAddress, applicationEnd: applicationEnd)
        if applicationEnd == nil {
            let end = try occupiedEnd(from: plan.address, to: plan.secureStart)
            plan = try FUSInstallPlan.plan(
                sfsa: sfsa, imageSize: image.count, requested: requestedAddress, applicationEnd: end)
        }
        events(
            .stage(
                "fus check",
                detail:
                    "SFSA 0x\(String(sfsa, radix: 16, uppercase: true)) (secure area from \(Hex.address(plan.secureStart, uppercase: true))), install at \(Hex.address(plan.address, uppercase: true))"
            ))
        guard try proceed(plan) else { return plan }
        _ = try startFUS()
        // While FUS runs its version reads; a stack upgrade ends with the stack running instead.
        versions.fus = try transport.fusVersion().map(Self.text)
        if !firstInstall {
            events(.stage("fus delete", detail: "Deleting firmware"))
            try transport.delete()
            let state = try waitWhile("FW_DELETE") { $0.isOngoing || $0.isStackRunning }
            try failIfError(state, during: "FW_DELETE", plan: plan)
            // Deleting the stack can move SFSA up (spec 8.5 computes the address after the
            // delete): plan again from the option bytes read after the reboots.
            if let fresh = try? secureStartPage(), fresh != sfsa {
                events(
                    .note(
                        .info(
                            "SFSA moved from 0x\(String(sfsa, radix: 16)) to 0x\(String(fresh, radix: 16)) after the delete"
                        )))
                plan = try FUSInstallPlan.plan(sfsa: fresh, imageSize: image.count, requested: nil, applicationEnd: nil)
                let end = try applicationEnd ?? occupiedEnd(from: plan.address, to: plan.secureStart)
                plan = try FUSInstallPlan.plan(
                    sfsa: fresh, imageSize: image.count, requested: nil, applicationEnd: end)
            }
        }
        events(
            .stage(
                "download", detail: "Download Stack/FUS image at address \(Hex.address(plan.address, uppercase: true))")
        )
        let address = plan.address
        // A FUS reboot may still be under way: the whole download is repeated on the new connection.
        try transport.onDevice {
            let pages = try session.pages(covering: UInt32(address), length: image.count)
            try session.erase(pages)
            try session.write(image, at: UInt32(address))
            let back = try session.read(address: UInt32(address), length: image.count)
            guard back == image else {
                throw BootwireError(
                    .verifyMismatch,
                    "the image read back from \(Hex.address(address, uppercase: true)) differs from \(name)",
                    evidence: ["address": Hex.address(address, uppercase: true)])
            }
        }
        events(.stage("fus upgrade", detail: "Firmware Upgrade process started"))
        try transport.upgrade()
        let state = try waitWhile("FW_UPGRADE") { $0.isOngoing }
        try failIfError(state, during: "FW_UPGRADE", plan: plan)
        try readVersions(after: state)
        return plan
    }

    /// The versions the table shows while FUS runs (after a FUS upgrade); after a stack upgrade
    /// CPU2 runs the new stack, whose version FUS no longer shows, and it is left running.
    func readVersions(after state: FUSState) throws {
        versions.stackRunning = state.isStackRunning
        guard !state.isStackRunning else { return }
        versions.fus = try transport.fusVersion().map(Self.text)
        versions.stack = try transport.stackVersion().map(Self.text)
    }

    static func text(_ version: (Int, Int, Int)) -> String { "\(version.0).\(version.1).\(version.2)" }

    /// The first address past non-erased bytes in [from, to): something already lives where
    /// the image would go. nil when it is all erased.
    func occupiedEnd(from: UInt64, to: UInt64) throws -> UInt64? {
        guard to > from else { return nil }
        let bytes = try session.read(address: UInt32(from), length: Int(to - from))
        guard let last = bytes.lastIndex(where: { $0 != 0xFF }) else { return nil }
        return from + UInt64(last) + 1
    }

    /// A failure FUS reported, named, with what it likely means and the protection that could
    /// cause it read from the part.
    func failIfError(_ state: FUSState, during step: String, plan: FUSInstallPlan?) throws {
        guard state.isFailure else { return }
        var evidence = ["fus-state": String(format: "0x%02X", state.state), "fus-error": state.errorName, "step": step]
        if let plan {
            evidence["install-address"] = Hex.address(plan.address, uppercase: true)
            evidence["secure-start"] = Hex.address(plan.secureStart, uppercase: true)
        }
        if let options = session.identity.optionBytes, options.layout == .wb {
            evidence["wrp1a"] = Hex.address(options.word(area: 0, offset: 0x18), uppercase: true)
            evidence["wrp1b"] = Hex.address(options.word(area: 0, offset: 0x20), uppercase: true)
            evidence["pcrop1a-start"] = Hex.address(options.word(area: 0, offset: 0x08), uppercase: true)
            evidence["pcrop1a-end"] = Hex.address(options.word(area: 0, offset: 0x10), uppercase: true)
            evidence["pcrop1b-start"] = Hex.address(options.word(area: 0, offset: 0x28), uppercase: true)
            evidence["pcrop1b-end"] = Hex.address(options.word(area: 0, offset: 0x30), uppercase: true)
            if let geometry = session.identity.geometry {
                let pages = options.writeProtectedPages(geometry)
                evidence["write-protected-pages"] =
                    pages.isEmpty ? "none" : pages.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
            }
        }
        let hint: String =
            switch state.error {
            case 0x07, 0x06:
                "FUS accepted the image but could not write it into the secure area. Likely causes: an unstable supply or USB link during the copy (use a powered port without hubs), an install address other than the computed one (Bootwire checks it), write protection (WRP) or PCROP on the target pages (shown in the evidence), or flash left damaged by an earlier partial install (run `bootwire fus delete`, then upgrade again). Also check that the FUS version is recent enough for this stack."
            case 0x01: "FUS found no image: check the install address and that the download completed"
            case 0x02, 0x03, 0x08, 0x09:
                "the image is damaged or not signed for this part: use the unmodified file from STM32CubeWB"
            case 0x04: "the image does not fit: delete the installed stack first (`bootwire fus delete`)"
            case 0x11: "anti-rollback refuses older images: use a newer release"
            default: "run `bootwire fus info`; power-cycle with BOOT0 high and try again"
            }
        throw BootwireError(
            state.errorCode,
            "\(step) failed: FUS state is \(state.cubeProgrammerName ?? state.stateName), FUS status is \(state.errorName)",
            hint: hint, evidence: evidence)
    }

    /// ST's FUS files have carried their version in the name (`…FUS_fw_1_0_1.bin`); the images
    /// carry no field we could confirm, so the name is all the version check has.
    public static func versionInName(_ name: String) -> (Int, Int, Int)? {
        let file = (name.split(separator: "/").last.map(String.init) ?? name).lowercased()
        guard file.contains("fus"), !file.contains("for_fus") else { return nil }
        guard let match = file.firstMatch(of: /fus_fw_v?(\d+)[._](\d+)[._](\d+)/) else { return nil }
        guard let a = Int(match.1), let b = Int(match.2), let c = Int(match.3) else { return nil }
        return (a, b, c)
    }
}
