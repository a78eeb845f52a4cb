import BootwireCore
import Testing
import VirtualDevices

/// The one parser of `virtual:NAME,options` (issue #23 item 13): malformed options and numbers
/// a later conversion would trap on are usage errors, for every virtual kind.
@Suite struct VirtualOptionTests {
    static func code(_ body: () throws -> Void) -> ErrorCode? {
        do { try body() } catch let error as BootwireError { return error.code } catch { return .internalError }
        return nil
    }

    @Test func malformedOptionsAreUsageErrors() throws {
        for spec in [
            "virtual:qcc743,=", "virtual:qcc743,=1", "virtual:qcc743,a=", "virtual:qcc743,,wire=instant",
            "virtual:qcc743,",
        ] {
            #expect(Self.code { _ = try VirtualPortSpec.parse(spec) } == .usage, "\(spec)")
        }
        #expect(
            try VirtualPortSpec.parse("virtual:dfu-l476,rdp1,state=/a=b").options == [
                try VirtualOption(parsing: "rdp1"), try VirtualOption(parsing: "state=/a=b"),
            ])
        #expect(try VirtualOption(parsing: "state=/a=b").value == "/a=b")
    }

    @Test func numbersAreFiniteAndInRange() throws {
        for text in ["n=inf", "n=nan", "n=-1", "n=1e400", "n=99999999999999999999", "n=x"] {
            let option = try VirtualOption(parsing: text)
            #expect(Self.code { _ = try option.real(in: 0...100, "n=N") } == .usage, "\(text)")
            #expect(Self.code { _ = try option.integer(in: 0...100, "n=N") } == .usage, "\(text)")
        }
        #expect(try VirtualOption(parsing: "n=2.5").real(in: 0...100, "n=N") == 2.5)
        #expect(try VirtualOption(parsing: "n=0x10").integer(in: 0...100, "n=N") == 16)
        #expect(Self.code { try VirtualOption(parsing: "rdp1=2").flag() } == .usage)
    }

    @Test func everyKindRejectsMalformedOptionsBeforeStarting() {
        for spec in [
            "virtual:dfu-l476,usb-latency-ms=inf", "virtual:dfu-l476,usb-bytes-per-second=0",
            "virtual:stlink-l476,mass-erase-seconds=nan", "virtual:stlink-f4,mass-erase-seconds=inf",
            "virtual:dfu-wb55,reboot-seconds=1e300", "virtual:stlink-h563,sfsa=x", "virtual:stlink-l476,=",
            "virtual:dfu-l476,=", "virtual:stlink-l476,rdp1=1", "virtual:dfu-l476,reattach-unready-ms=-1",
        ] {
            #expect(Self.code { _ = try VirtualUSBPort.start(spec) } == .usage, "\(spec)")
        }
        for spec in [
            "virtual:qcc743,=", "virtual:stm32l476,=", "virtual:qcc743,latency-ms=inf",
            "virtual:qcc743,fault=silent=1", "virtual:stm32l476,corrupt=0",
        ] {
            #expect(Self.code { _ = try VirtualPort.start(spec) } == .usage, "\(spec)")
        }
    }
}
