import Foundation
import Testing

/// Bootwire as a real USB client: its own libusb path (`LibUSBBus`: enumeration through libusb
/// where sysfs shows nothing, or when `BOOTWIRE_LIBUSB` names the library, then libusb
/// transfers) against a device served by `bootwire emulate usb` through the libusb-1.0
/// stand-in, as dfu-util, st-flash and OpenOCD reach it in scripts/usb-peer-interop.sh.
@Suite(.serialized) struct LibUSBClientTests {
    /// `BOOTWIRE_LIBUSB` (the stand-in) and `BOOTWIRE_USB_SOCKET` (the server) for a bootwire run.
    func environment(_ server: USBShimTests.Server) throws -> [String: String] {
        let run = try Bootwire.run(["emulate", "usb-shim-path"])
        let folder = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return ["BOOTWIRE_LIBUSB": folder + "/libusb-1.0.so.0", "BOOTWIRE_USB_SOCKET": server.socket]
    }

    /// The flash a served device keeps in its state file, written when the server stops
    /// (ST-LINK: "BWL4" then the flash; DFU: a u32 length, that much JSON, then the flash).
    func flash(state: String, count: Int) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: state)))
        let start =
            bytes.starts(with: Array("BWL4".utf8))
            ? 4 : 4 + (Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24)
        return Array(bytes[start..<start + count])
    }

    @Test(arguments: [("stlink-l476", "stlink"), ("dfu-l476", "usb:0483:df11")])
    func bootwireFlashesAServedDeviceThroughTheStandIn(device: String, port: String) throws {
        let server = try USBShimTests.Server(device)
        let image = firmwareLike(10_000, seed: 28)
        let file = try Scratch.file(image, name: "app.bin").path
        let trace = Scratch.make().appendingPathComponent("usb.trace").path
        let run = try Bootwire.run(
            ["flash", "--port", port, file + "@0x08000000", "--trace", trace, "--json"],
            environment: try environment(server))
        server.stop()
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes" || run.summary["written"] == "1", "\(run.summary)")
        #expect(try flash(state: server.state, count: image.count) == image)
        // The trace is of the wire libusb carried: the device opened by its bus and address.
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(text.contains("open bus"), "the trace shows the libusb session")
    }

    @Test func aLibraryNamedExplicitlyThatIsMissingIsNamed() throws {
        let file = try Scratch.file([1, 2, 3, 4], name: "a.bin").path + "@0x08000000"
        let run = try Bootwire.run(
            ["flash", "--port", "stlink", "--json", file],
            environment: ["BOOTWIRE_LIBUSB": "/nonexistent/libusb-1.0.so.0"])
        #expect(run.errorCode == "usb-library-missing", "\(run.stdout)")
    }
}
