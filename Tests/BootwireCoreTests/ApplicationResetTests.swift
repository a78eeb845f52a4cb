import BootwireCore
import Testing

/// The reset into the application is the boot-entry wiring with BOOT (DTR) never asserted.
@Suite struct ApplicationResetTests {
    @Test(arguments: ["qconn", "dtr-boot-rts-en", "stm32-rts-reset", "rts=1 dtr=1 wait=10ms rts=0"])
    func theApplicationResetPulsesENWithBOOTLow(wiring: String) throws {
        let entry = try BootSequence.parse(wiring)
        let reset = try #require(entry.applicationReset)
        #expect(!reset.steps.contains(.set(.dtr, asserted: true)))
        // The EN (RTS) pulses and the waits are the boot entry's, in order.
        let keep: (BootSequence.Step) -> Bool = { if case .set(.dtr, _) = $0 { false } else { true } }
        #expect(reset.steps.filter(keep) == entry.steps.filter(keep))
        #expect(reset.steps.count == entry.steps.count)
    }

    @Test(arguments: ["none", "manual", "host-mcu"])
    func wiringThatDrivesNoLineHasNoApplicationReset(wiring: String) throws {
        #expect(try BootSequence.parse(wiring).applicationReset == nil)
    }
}
