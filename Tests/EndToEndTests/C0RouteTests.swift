import Foundation
import Testing

/// STM32C031 on every route it has: the UART bootloader (`virtual:stm32c031`), SWD
/// (`virtual:stlink-c031`), and the USB DFU route it does not have (AN2606: no USB on the
/// C031), refused with a code before anything is opened.
@Suite(.serialized) struct C0RouteTests {
    func state() -> String { Scratch.make().appendingPathComponent("chip.state").path }

    @Test func theUARTBootloaderFlashesAndReadsBack() throws {
        let data = firmwareLike(20_000, seed: 31)
        let file = try Scratch.file(data, name: "app.bin").path + "@0x08000000"
        let port = "virtual:stm32c031,wire=instant,state=\(state())"
        let run = try Bootwire.run(["flash", "--port", port, file, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
    }

    @Test func swdFlashesAndChangesOptionBytesOnlyWithConfirmation() throws {
        let data = firmwareLike(20_000, seed: 32)
        let file = try Scratch.file(data, name: "app.bin").path + "@0x08000000"
        let port = "virtual:stlink-c031,state=\(state())"
        let run = try Bootwire.run(["flash", "--port", port, file, "--go", "0x08000000", "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
        let show = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(show.summary["rdp"] == "level 0 (0xAA)" && show.summary["wrp1a"] == "none", "\(show.stdout)")
        let refused = try Bootwire.run(["option-bytes", "set", "wrp1a=2-3", "--port", port, "--json"])
        #expect(refused.errorCode == "confirmation-required", "\(refused.stdout)")
        let set = try Bootwire.run(["option-bytes", "set", "wrp1a=2-3", "--yes", "--port", port, "--json"])
        #expect(set.ok, "\(set.stdout)")
        let after = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(after.summary["wrp1a"] == "pages 2-3 of bank 1", "\(after.stdout)")
    }

    @Test func anImageBeyondThe32KiBIsRefusedBeforeAnyWrite() throws {
        let file = try Scratch.file(firmwareLike(40_000, seed: 33), name: "big.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-c031", file, "--json"])
        #expect(run.errorCode == "image-too-large", "\(run.stdout)")
    }

    @Test func theDFURouteIsRefusedWithACode() throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:dfu-c031", file, "--json"])
        #expect(run.errorCode == "route-unsupported", "\(run.stdout)")
    }
}
