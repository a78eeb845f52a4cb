import BootwireCore
import Foundation
import Testing

/// The ST67 host MCUs over SWD (STM32H5, U5, H7, G4, WB) against their virtual ST-LINK targets:
/// images run after proof, option bytes are decoded per family and change only with
/// confirmation, and a protected part ends with its code and the registers it was read from.
@Suite(.serialized) struct HostFamilyTests {
    static let targets = ["stlink-h563", "stlink-u575", "stlink-h723", "stlink-g474", "stlink-wb55"]

    func state() -> String { Scratch.make().appendingPathComponent("chip.state").path }

    func evidence(_ run: BootwireRun) -> [String: String] {
        ((run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]) ?? [:]
    }

    @Test(arguments: targets + ["stlink-h743", "stlink-g071"])
    func anELFIsProgrammedProvenAndRun(target: String) throws {
        let data = firmwareLike(40_000, seed: 11)
        let elf = try Scratch.file(STM32FlashTests.elf(data, at: 0x0800_0000), name: "app.elf").path
        let port = "virtual:\(target),state=\(state())"
        let run = try Bootwire.run(["flash", "--port", port, elf, "--go", "0x08000000", "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes", "\(run.summary)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
    }

    /// Per family: a field that decodes, and a change that needs --yes and then reads back.
    static let optionCases: [(target: String, shown: [String: String], set: String, after: [String: String])] = [
        (
            "stlink-h563", ["product_state": "open (0xED)", "tzen": "180", "wrpsg1": "none"], "wrpsg1=0",
            ["wrpsg1": "sectors 0-3", "WRP1R": "0xfffffffe"]
        ),
        (
            "stlink-u575", ["rdp": "level 0 (0xAA)", "dualbank": "1", "tzen": "0"], "wrp2a=2-5",
            ["wrp2a": "pages 2-5 of bank 2"]
        ),
        (
            "stlink-h723", ["rdp": "level 0 (0xAA)", "nwrp1": "none"], "nwrp1=7",
            ["nwrp1": "sectors 7", "WPSN1": "0x7f"]
        ),
        ("stlink-g474", ["dbank": "1", "rdp": "level 0 (0xAA)"], "wrp1a=0-1", ["wrp1a": "pages 0-1 of bank 1"]),
        ("stlink-wb55", ["sfsa": "244", "fsd": "0"], "nboot0=0", ["nboot0": "0"]),
        ("stlink-h743", ["nwrp2": "none"], "nwrp2=0", ["nwrp2": "sectors 0", "WPSN2": "0xfe"]),
        ("stlink-g071", ["rdp": "level 0 (0xAA)", "wrp1a": "none"], "wrp1a=4-5", ["wrp1a": "pages 4-5 of bank 1"]),
    ]

    @Test(arguments: 0..<optionCases.count)
    func optionBytesDecodeAndChangeOnlyWithConfirmation(index: Int) throws {
        let item = Self.optionCases[index]
        let port = "virtual:\(item.target),state=\(state())"
        let show = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(show.ok, "\(show.stdout)")
        for (field, value) in item.shown { #expect(show.summary[field] == value, "\(field): \(show.summary)") }
        let refused = try Bootwire.run(["option-bytes", "set", item.set, "--port", port, "--json"])
        #expect(refused.errorCode == "confirmation-required", "\(refused.stdout)")
        let set = try Bootwire.run(["option-bytes", "set", item.set, "--yes", "--port", port, "--json"])
        #expect(set.ok, "\(set.stdout)")
        let after = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        for (field, value) in item.after { #expect(after.summary[field] == value, "\(field): \(after.summary)") }
    }

    @Test func aClosedH5GivesItsProductStateFromOPTSR() throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-h563,rdp1", "--json", file])
        #expect(run.errorCode == "flash-read-protected", "\(run.stdout)")
        #expect(evidence(run)["OPTSR"] == "0x003072D8")
        #expect(evidence(run)["flash-read"] == "SWD_AP_FAULT (0x11)")
        let locked = try Bootwire.run(["flash", "--port", "virtual:stlink-h563,locked", "--json", file])
        #expect(locked.errorCode == "flash-permanently-locked", "\(locked.stdout)")
    }

    @Test(arguments: ["stlink-h563", "stlink-u575"])
    func trustZoneIsRefusedWithTheRegisterThatSaysSo(target: String) throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:\(target),trustzone", "--json", file])
        #expect(run.errorCode == "flash-trustzone-enabled", "\(run.stdout)")
        let register = target == "stlink-h563" ? "OPTSR2" : "OPTR"
        #expect(evidence(run)[register] == (target == "stlink-h563" ? "0xC30000F4" : "0x9FEFF8AA"))
    }

    @Test(arguments: ["stlink-u575", "stlink-h723", "stlink-g474", "stlink-wb55"])
    func readoutProtectionLevel1IsExplained(target: String) throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:\(target),rdp1", "--json", file])
        #expect(run.errorCode == "flash-read-protected", "\(run.stdout)")
        #expect(evidence(run)["flash-read"] == "SWD_AP_FAULT (0x11)", "\(evidence(run))")
    }

    @Test(arguments: ["stlink-h563", "stlink-u575", "stlink-h723", "stlink-g474", "stlink-wb55"])
    func writeProtectionNamesTheProtectedUnits(target: String) throws {
        let file = try Scratch.file(firmwareLike(6000), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:\(target),wrp=0-1", "--json", file])
        #expect(run.errorCode == "flash-write-protected", "\(run.stdout)")
        #expect(evidence(run)["FLASH_SR"] != nil)
    }

    /// H743: bank 2 has its own controller; an image across the banks goes through both.
    @Test func anImageAcrossTheH743BanksIsProgrammedThroughBothControllers() throws {
        let port = "virtual:stlink-h743,state=\(state())"
        let data = firmwareLike(64 * 1024, seed: 12)
        let file = try Scratch.file(data, name: "across.bin").path + "@0x080F8000"
        let run = try Bootwire.run(["flash", "--port", port, file, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x080F_8000, count: data.count) == data)
    }

    @Test func theWB55SecureAreaIsNeverTouched() throws {
        let port = "virtual:stlink-wb55,state=\(state())"
        let beyond = try Scratch.file(firmwareLike(8192), name: "stack.bin").path + "@0x080F3000"
        let run = try Bootwire.run(["flash", "--port", port, "--json", beyond])
        #expect(run.errorCode == "image-too-large", "the secure pages are outside the flash it offers: \(run.stdout)")
        // A chip erase is page erases below SFSA: CPU1's mass erase would fault.
        let erase = try Bootwire.run(["erase", "--mass", "--yes", "--port", port, "--json"])
        #expect(erase.ok, "\(erase.stdout)")
    }
}
