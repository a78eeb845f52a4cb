import BootwireCore
import Foundation
import Testing

/// Issue 16 case 6: a part that resets after an option-byte write or a FUS command often fails
/// the request in flight with IO, PIPE or TIMEOUT rather than "no device", and may take seconds
/// to come back and be openable. Those failures mean "maybe done": the part is found again
/// and its own state decides (qFlipper's rules: 1 s polling, a failed read means wait). In
/// simulated time (`time=simulated`): the reboots, the unready re-attach and the host's polls are
/// the same steps on the bus's clock and cost no wall-clock time.
@Suite(.serialized) struct SiliconResetTests {
    func state() -> URL { Scratch.make().appendingPathComponent("chip.state") }

    @Test(arguments: ["io", "pipe", "timeout"])
    func anOptionByteWriteWhoseResetFailsTheRequestIsConfirmedFromTheOptionBytes(error: String) throws {
        let state = state()
        let port = "virtual:dfu-l476,time=simulated,state=\(state.path),reset-error=\(error),reattach-unready-ms=400"
        let file = try Scratch.file(firmwareLike(20_000), name: "app.bin").path + "@0x08000000"
        let refused = try Bootwire.run(["flash", "--port", port + ",wrp=4-7", "--json", file])
        #expect(refused.errorCode == "dfu-errerase", "\(refused.stdout)")
        let unprotect = try Bootwire.run(["unprotect", "--write", "--port", port, "--json"])
        #expect(unprotect.ok, "\(unprotect.stdout)")
        #expect(try Bootwire.run(["flash", "--port", port, "--json", file]).ok, "the pages take writes again")
    }

    /// A WB55 whose FUS reboots take 2 s, fail requests with IO meanwhile, and refuse to be
    /// opened for a while after coming back.
    @Test func aFUSUpgradeRidesOutSlowRebootsThatFailWithIO() throws {
        let state = state()
        let port =
            "virtual:dfu-wb55,time=simulated,state=\(state.path),reset-error=io,reboot-seconds=2,reattach-unready-ms=800"
        let run = try Bootwire.run(
            ["fus", "upgrade", try FUSTests.stackImage(), "--yes", "--port", port, "--json"], timeout: 120)
        #expect(run.ok, "\(run.stdout)")
        let info = try Bootwire.run(["fus", "info", "--port", port, "--json"])
        #expect(info.summary["cpu2"] == "wireless stack running", "\(info.stdout)")
    }
}
