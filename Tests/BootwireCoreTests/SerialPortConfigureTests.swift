import BootwireCore
import Foundation
import Testing

/// Line settings on a pty: every rate reads back exactly; parity is refused with a warning.
@MainActor @Suite struct SerialPortConfigureTests {
    @Test(
        "a rate reads back exactly, and the master sees the rate the client chose",
        arguments: [1_234_567, 2_000_000, 500_000, 74_880, 115_200, 921_600, 3_000_000])
    func rateReadsBack(baud: Int) throws {
        try withPort(baud: 9600) { pty, port in
            let notes = try port.configure(baud: baud, parity: .none)
            #expect(notes.isEmpty)
            #expect(port.settings.baud == baud)
            #expect(port.settings.parity == .none)
            #expect(pty.clientBaud == baud)
        }
    }

    @Test("switching between standard and custom rates on one port reads back each time")
    func switchingRates() throws {
        try withPort { pty, port in
            for baud in [1_234_567, 115_200, 74_880, 2_000_000, 76_800, 9600, 1_234_567] {
                try port.configure(baud: baud, parity: .none)
                #expect(port.settings.baud == baud)
                #expect(pty.clientBaud == baud)
            }
        }
    }

    @Test("bytes still flow after a change to a custom rate")
    func bytesFlowAtCustomRate() throws {
        try withPort { pty, port in
            try port.configure(baud: 1_234_567, parity: .none)
            pty.write([0xDE, 0xAD])
            #expect(try port.read(exactly: 2, deadline: .after(milliseconds: 500)) == [0xDE, 0xAD])
            try port.write([0xBE, 0xEF])
            #expect(pty.readBytes(2) == [0xBE, 0xEF])
        }
    }

    @Test(
        "even parity on a pty is not an error but one pty-no-parity warning, and the line stays 8N1"
    )
    func parityOnPtyWarns() throws {
        try withPort { pty, port in
            // A parity-only change: the kernel refuses it outright on a pty.
            let notes = try port.configure(baud: 115_200, parity: .even)
            #expect(notes.map(\.code) == [.ptyNoParity])
            #expect(notes.map(\.level) == [.warning])
            #expect(port.settings.baud == 115_200)
            #expect(port.settings.parity == .none)
            #expect(pty.clientBaud == 115_200)
        }
    }

    @Test("even parity together with a custom rate still sets the rate and warns once")
    func parityWithCustomRate() throws {
        try withPort { pty, port in
            let notes = try port.configure(baud: 2_000_000, parity: .even)
            #expect(notes.map(\.code) == [.ptyNoParity])
            #expect(port.settings.baud == 2_000_000)
            #expect(pty.clientBaud == 2_000_000)

            let custom = try port.configure(baud: 1_234_567, parity: .even)
            #expect(custom.map(\.code) == [.ptyNoParity])
            #expect(port.settings.baud == 1_234_567)
            #expect(pty.clientBaud == 1_234_567)
        }
    }

    @Test("a pty reports no modem lines and no parity")
    func ptyCapabilities() throws {
        try withPort { _, port in
            #expect(port.capabilities.isPseudoTerminal == true)
            #expect(port.capabilities.modemLines == false)
            #expect(port.capabilities.parity == false)
        }
    }

    @Test(
        "setModemLine on a pty throws pty-no-modem-lines", arguments: [ModemLine.dtr, .rts],
        [true, false])
    func modemLinesOnPty(line: ModemLine, asserted: Bool) throws {
        try withPort { _, port in
            let error = #expect(throws: BootwireError.self) {
                try port.setModemLine(line, asserted: asserted)
            }
            #expect(error?.code == .ptyNoModemLines)
        }
    }
}
