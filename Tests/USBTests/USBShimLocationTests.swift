import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// Where `emulate usb-shim-path` finds the libusb stand-in: beside a development build's
/// executable, or in `lib/bootwire` beside `bin` where the release tarball and install.sh put it.
@Suite struct USBShimLocationTests {
    /// A fresh folder tree standing in for an install prefix.
    func prefix() throws -> String {
        let root = NSTemporaryDirectory() + "bw-shim-loc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        return root
    }

    @Test func theInstalledLayoutIsFoundWithItsLoaderName() throws {
        let root = try prefix()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lib = root + "/lib/bootwire"
        try FileManager.default.createDirectory(atPath: lib, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: lib + "/" + USBShimLocation.libraryName, contents: Data()))
        try FileManager.default.createSymbolicLink(
            atPath: lib + "/" + USBShimLocation.loaderName, withDestinationPath: USBShimLocation.libraryName)
        let found = try USBShimLocation.directory(executableFolder: root + "/bin", temporary: root + "/tmp")
        #expect(found == lib)
    }

    @Test func aDevelopmentBuildGetsALinkBesideTheLibrary() throws {
        let root = try prefix()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let library = root + "/bin/" + USBShimLocation.libraryName
        #expect(FileManager.default.createFile(atPath: library, contents: Data()))
        let found = try USBShimLocation.directory(executableFolder: root + "/bin", temporary: root + "/tmp")
        #expect(found == root + "/bin/usb-shim")
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: found + "/" + USBShimLocation.loaderName)
        #expect(link == library)
    }

    @Test func noLibraryIsUSBLibraryMissing() throws {
        let root = try prefix()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = #expect(throws: BootwireError.self) {
            try USBShimLocation.directory(executableFolder: root + "/bin", temporary: root + "/tmp")
        }
        #expect(error?.code == .usbLibraryMissing)
    }
}
