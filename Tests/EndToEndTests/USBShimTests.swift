import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The libusb-1.0 stand-in as a program loads it: `emulate usb-shim-path` names its folder, the
/// library is opened by its loader name and called through libusb's own entry points against a
/// running `emulate usb`. The peers (dfu-util, stlink-tools, OpenOCD) are run by
/// scripts/usb-peer-interop.sh; this proves the same ABI with no Debian package present.
@Suite(.serialized) struct USBShimTests {
    /// `bootwire emulate usb DEVICE --socket …` as a separate process.
    final class Server {
        let process = Process()
        let socket: String
        let state: String

        init(_ device: String) throws {
            let folder = Scratch.make()
            socket = "/tmp/bw-shim-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            state = folder.appendingPathComponent("device.state").path
            process.executableURL = Bootwire.executable
            process.arguments = ["emulate", "usb", device, "--socket", socket, "--state", state]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while !FileManager.default.fileExists(atPath: socket) && Date() < deadline { usleep(10_000) }
            try #require(FileManager.default.fileExists(atPath: socket), "emulate usb made no socket")
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// libusb's entry points, looked up by name in the stand-in.
    struct LibUSB {
        typealias Init = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
        typealias List =
            @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>?)
            -> Int
        typealias FreeList = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Void
        typealias Descriptor = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
        typealias Config = @convention(c) (OpaquePointer?, UInt8, UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int32
        typealias FreeConfig = @convention(c) (UnsafeRawPointer?) -> Void
        typealias Open = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
        typealias Close = @convention(c) (OpaquePointer?) -> Void
        typealias StringASCII = @convention(c) (OpaquePointer?, UInt8, UnsafeMutablePointer<UInt8>?, Int32) -> Int32
        typealias Control =
            @convention(c) (
                OpaquePointer?, UInt8, UInt8, UInt16, UInt16, UnsafeMutablePointer<UInt8>?, UInt16, UInt32
            ) -> Int32
        typealias Claim = @convention(c) (OpaquePointer?, Int32) -> Int32
        typealias ErrorName = @convention(c) (Int32) -> UnsafePointer<CChar>?

        let library: UnsafeMutableRawPointer
        func symbol<T>(_ name: String, _: T.Type) throws -> T {
            let found = try #require(dlsym(library, name), "the stand-in exports \(name)")
            return unsafeBitCast(found, to: T.self)
        }
    }

    static func load() throws -> LibUSB {
        let run = try Bootwire.run(["emulate", "usb-shim-path"])
        #expect(run.status == 0)
        let folder = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = folder + "/libusb-1.0.so.0"
        #expect(FileManager.default.fileExists(atPath: path), "usb-shim-path holds libusb-1.0.so.0")
        let library = dlopen(path, RTLD_NOW | RTLD_LOCAL)
        let why = library == nil ? String(cString: dlerror()) : ""
        return LibUSB(library: try #require(library, "dlopen: \(why)"))
    }

    @Test func aLibusbProgramSeesTheVirtualDFUDevice() throws {
        let server = try Server("dfu-l476")
        defer { server.stop() }
        setenv("BOOTWIRE_USB_SOCKET", server.socket, 1)
        let usb = try Self.load()
        var context: OpaquePointer?
        #expect(try usb.symbol("libusb_init", LibUSB.Init.self)(&context) == 0)
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = try usb.symbol("libusb_get_device_list", LibUSB.List.self)(context, &list)
        try #require(count == 1)
        let device = list![0]

        var descriptor = [UInt8](repeating: 0, count: 18)
        #expect(try usb.symbol("libusb_get_device_descriptor", LibUSB.Descriptor.self)(device, &descriptor) == 0)
        #expect(descriptor[8] == 0x83 && descriptor[9] == 0x04 && descriptor[10] == 0x11 && descriptor[11] == 0xDF)

        // The configuration tree: one interface, three alternates, the DFU functional
        // descriptor in the extra bytes of each (libusb's x86-64/aarch64 layout).
        var config: UnsafeRawPointer?
        #expect(try usb.symbol("libusb_get_config_descriptor", LibUSB.Config.self)(device, 0, &config) == 0)
        let tree = try #require(config)
        #expect(tree.load(fromByteOffset: 4, as: UInt8.self) == 1, "bNumInterfaces")
        let interface = tree.load(fromByteOffset: 16, as: UnsafeRawPointer.self)
        let alternates = interface.load(fromByteOffset: 8, as: Int32.self)
        #expect(alternates == 3)
        let first = interface.load(fromByteOffset: 0, as: UnsafeRawPointer.self)
        let extra = first.load(fromByteOffset: 24, as: UnsafePointer<UInt8>.self)
        #expect(first.load(fromByteOffset: 32, as: Int32.self) == 9 && extra[0] == 9 && extra[1] == 0x21)
        let transferSize = UInt16(extra[5]) | UInt16(extra[6]) << 8
        #expect(transferSize == 2048)
        try usb.symbol("libusb_free_config_descriptor", LibUSB.FreeConfig.self)(config)

        var handle: OpaquePointer?
        #expect(try usb.symbol("libusb_open", LibUSB.Open.self)(device, &handle) == 0)
        try usb.symbol("libusb_free_device_list", LibUSB.FreeList.self)(list, 1)
        var text = [UInt8](repeating: 0, count: 128)
        let n = try usb.symbol("libusb_get_string_descriptor_ascii", LibUSB.StringASCII.self)(handle, 4, &text, 128)
        #expect(n > 0 && String(decoding: text.prefix(Int(max(n, 0))), as: UTF8.self).hasPrefix("@Internal Flash"))
        #expect(try usb.symbol("libusb_claim_interface", LibUSB.Claim.self)(handle, 0) == 0)

        // DFU GETSTATUS (class, interface, IN): dfuIDLE, status OK.
        var status = [UInt8](repeating: 0xEE, count: 6)
        let control = try usb.symbol("libusb_control_transfer", LibUSB.Control.self)
        #expect(control(handle, 0xA1, 3, 0, 0, &status, 6, 1000) == 6)
        #expect(status[0] == 0 && status[4] == 2)
        // A class request DFU does not define: the device STALLs it, which libusb reports as
        // LIBUSB_ERROR_PIPE.
        let errorName = try usb.symbol("libusb_error_name", LibUSB.ErrorName.self)
        var none: UInt8 = 0
        let stalled = control(handle, 0x21, 0xFF, 0, 0, &none, 0, 1000)
        #expect(stalled == -9 && String(cString: errorName(stalled)!) == "LIBUSB_ERROR_PIPE")
        try usb.symbol("libusb_close", LibUSB.Close.self)(handle)
    }
}
