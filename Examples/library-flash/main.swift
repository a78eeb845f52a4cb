// Flashes an STM32 behind an ST-LINK and an ST67W611M1 module with the library alone (no CLI
// code), printing every event. On hardware, name `stlink` and `/dev/ttyUSB0` and drop the
// virtual ports; `swift run library-flash` runs it against Bootwire's virtual devices.
import BootwireCore
import Targets
import VirtualDevices

var settings = TargetSettings()
settings.virtualPorts = VirtualPortHost()
let opener = TargetOpener(settings: settings)
let events: EventSink = { print("  \($0)") }
let image = (0..<0x3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
let jobs = [
    ("virtual:stlink-l476", FlashImage(name: "application", address: 0x0800_0000, data: image)),
    ("virtual:qcc743,wire=instant", FlashImage(name: "firmware", address: 0x1_0000, data: image)),
]
for (name, image) in jobs {
    let port = try PortSpec.parse(name)
    let route = opener.route(for: port)
    print("\(name): \(route)")
    // Made once, above the session: a device that resets mid-write is resumed, not restarted.
    let pipeline = FlashPipeline(options: FlashOptions(), events: events, confirm: { _ in })
    let prepared = PreparedImage.prepare([image], compressAbove: route.compressAbove)
    let (outcome, _) = try await opener.withTarget(port, events: events) { target in
        try pipeline.run(prepared, on: target.flash)
    }
    print("\(name): \(outcome.written.count) of \(outcome.images.count) images written and proven by the device")
}
