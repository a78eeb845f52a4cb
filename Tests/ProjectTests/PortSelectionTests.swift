import BootwireCore
import Targets
import Testing

@Suite struct PortSelectionTests {
    static let ftdi = PortCandidate(kind: .serialAdapter, port: "/dev/serial/by-id/usb-FTDI-A1", label: "FTDI FT232R")
    static let probe = PortCandidate(kind: .stlink, port: "stlink:066D", label: "STLINK-V3")
    static let dfu = PortCandidate(kind: .dfu, port: "usb:0483:df11", label: "STM32 BOOTLOADER")

    @Test func theOnlyDeviceOfTheWantedKindIsChosen() throws {
        let all = Set(PortCandidate.Kind.allCases)
        #expect(try PortSelection.choose([Self.probe], kinds: all) == Self.probe)
        // A named chip wants a serial adapter: the probe beside it does not count.
        #expect(try PortSelection.choose([Self.ftdi, Self.probe], kinds: [.serialAdapter]) == Self.ftdi)
        #expect(try PortSelection.choose([Self.ftdi, Self.dfu], kinds: [.dfu]) == Self.dfu)
    }

    @Test func severalAreAmbiguousAndNoneIsNotFound() throws {
        do {
            _ = try PortSelection.choose([Self.ftdi, Self.probe, Self.dfu], kinds: Set(PortCandidate.Kind.allCases))
            Issue.record("chose among several")
        } catch let error as BootwireError {
            #expect(error.code == .portAmbiguous)
            #expect(error.code.category == .usage)
            #expect(error.evidence.values.sorted() == [Self.dfu.port, Self.ftdi.port, Self.probe.port].sorted())
            #expect(error.hint?.contains("`--port stlink:066D`") == true)
        }
        do {
            _ = try PortSelection.choose([Self.probe], kinds: [.serialAdapter])
            Issue.record("chose what was not wanted")
        } catch let error as BootwireError {
            #expect(error.code == .portNotFound)
        }
    }

    @Test func candidatesComeFromAdaptersNotOnBoardUARTs() {
        var adapter = PortInfo(path: "/dev/ttyUSB0")
        adapter.vendorID = "0403"
        adapter.productID = "6001"
        adapter.byID = "/dev/serial/by-id/usb-FTDI_FT232R_A1-if00-port0"
        adapter.bridge = "FTDI FT232R"
        let onBoard = PortInfo(path: "/dev/ttyS0")
        let found = PortSelection.candidates(serial: [adapter, onBoard], usb: [])
        #expect(found.map(\.port) == ["/dev/serial/by-id/usb-FTDI_FT232R_A1-if00-port0"])
        #expect(found.first?.kind == .serialAdapter)
    }
}

@Suite struct NearestNamesTests {
    @Test func editDistance() {
        #expect(NearestNames.distance("flsh", "flash") == 1)
        #expect(NearestNames.distance("kitten", "sitting") == 3)
        #expect(NearestNames.distance("", "abc") == 3)
        #expect(NearestNames.distance("Port", "port") == 0)
    }

    @Test func nearestNamesWithinReach() {
        let verbs = ["flash", "info", "read", "erase", "efuse", "list", "codes"]
        #expect(NearestNames.nearest(to: "flsh", among: verbs) == ["flash"])
        #expect(NearestNames.nearest(to: "ifno", among: verbs).first == "info")
        #expect(NearestNames.nearest(to: "xyzzyplugh", among: verbs).isEmpty)
        // A prefix of a longer name counts (a board name typed short).
        #expect(
            NearestNames.nearest(to: "nucleo-h563", among: ["nucleo-h563zi", "stlink-h563"]).first == "nucleo-h563zi")
    }
}
