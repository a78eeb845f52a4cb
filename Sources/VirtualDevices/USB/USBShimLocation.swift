import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where the libusb-1.0 stand-in (`libusb-1.0.so`, product `usb-1.0`, `Sources/CUSBShim`) is, as
/// a folder a program's loader searches (`LD_LIBRARY_PATH`): it asks for `libusb-1.0.so.0`.
/// A development build has the library beside the `bootwire` executable; the release tarball
/// and `install.sh` put it in `lib/bootwire` beside `bin` — a folder of its own, so the stand-in
/// never shadows the system's libusb — with the loader name already linked to it.
public enum USBShimLocation {
    public static let libraryName = "libusb-1.0.so"
    public static let loaderName = "libusb-1.0.so.0"
    /// The installed folder, relative to the executable's.
    public static let installedFolder = "../lib/bootwire"

    /// The folder to put on `LD_LIBRARY_PATH`. Where no `libusb-1.0.so.0` sits beside the library
    /// (a development build), a link is made in `usb-shim` next to it, or in the temp folder
    /// where that folder is read-only.
    public static func directory(
        executableFolder: String? = nil, temporary: String = NSTemporaryDirectory()
    ) throws -> String {
        let own = executableFolder ?? Self.executableFolder
        let places = [own, own + "/" + installedFolder].map { URL(fileURLWithPath: $0).standardized.path }
        let fm = FileManager.default
        guard let home = places.first(where: { fm.fileExists(atPath: $0 + "/" + libraryName) }) else {
            throw BootwireError(
                .usbLibraryMissing, "the libusb stand-in is not beside bootwire (\(places[0]))",
                hint: "build the whole package (`swift build`, which builds the usb-1.0 product), or install "
                    + "from the release tarball (its install.sh puts \(libraryName) in lib/bootwire)",
                evidence: ["looked in": places.joined(separator: ", ")])
        }
        let library = home + "/" + libraryName
        if sameFile(home + "/" + loaderName, library) { return home }
        let candidates = [home + "/usb-shim", temporary + "/bootwire-usb-shim-\(getuid())"]
        for candidate in candidates {
            let link = candidate + "/" + loaderName
            if sameFile(link, library) { return candidate }
            try? fm.createDirectory(atPath: candidate, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: link)
            if (try? fm.createSymbolicLink(atPath: link, withDestinationPath: library)) != nil { return candidate }
        }
        throw BootwireError(
            .usbLibraryMissing, "cannot make a folder holding \(loaderName)",
            hint: "make one yourself: a link named \(loaderName) to \(library)", evidence: ["library": library])
    }

    /// The running executable's folder, symbolic links resolved (a `bootwire` linked into
    /// /usr/local/bin still finds the library installed with its target).
    static var executableFolder: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let own = Bundle.main.executableURL?.resolvingSymlinksInPath() ?? executable
        return own.deletingLastPathComponent().path
    }

    /// Both paths reach one file, links followed.
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat()
        var second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
