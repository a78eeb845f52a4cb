import BootwireCore
import Foundation
import USB

/// Where the command keeps what outlives one run (the library reads no environment): the
/// adapter memory and the session journals, under XDG_CACHE_HOME or ~/.cache.
enum CacheFolder {
    static var root: String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"] ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        return "\(cache)/bootwire"
    }

    static var adapterMemory: AdapterMemory { AdapterMemory(path: "\(root)/adapters.json") }
    static var journals: JournalStore { JournalStore(folder: "\(root)/sessions") }
}

extension LibUSBBus {
    /// The system's libusb, or the file BOOTWIRE_LIBUSB names.
    static func configured() -> LibUSBBus {
        LibUSBBus(libraryPath: ProcessInfo.processInfo.environment[LibUSBBus.libraryOverride])
    }
}
