// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Bootwire",
    products: [
        // The embeddable library: flashing over every route, no emulator inside.
        .library(
            name: "BootwireKit",
            targets: [
                "BootwireCore", "DFU", "QCC743", "STM32", "ArmDebug", "STM32SWD", "STLink", "USB", "Targets", "ST67",
                "Project",
            ]),
        // The virtual devices (module ROM, STM32 bootloader, DfuSe ROM, ST-LINK + targets), the
        // in-process USB bus they sit on and the socket server that lends it to the libusb
        // stand-in. The CLI (`virtual:` ports, `emulate`) and the tests link it; BootwireKit does not.
        .library(name: "BootwireVirtualDevices", targets: ["VirtualDevices"]),
        .executable(name: "bootwire", targets: ["bootwire"]),
        // libusb-1.0's ABI over a socket to `bootwire emulate usb`: unmodified dfu-util, stlink
        // and OpenOCD binaries load it (LD_LIBRARY_PATH) and meet a virtual device.
        .library(name: "usb-1.0", type: .dynamic, targets: ["CUSBShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // bootwire.toml (the project file): toml++ behind a Swift API, line numbers on errors.
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .target(name: "CSerial"),
        .target(name: "CUSB", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CUSBShim"),
        .systemLibrary(
            name: "CLZMA",
            pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]
        ),
        .target(
            name: "BootwireCore",
            dependencies: [
                "CSerial", "CLZMA",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "QCC743",
            dependencies: [
                "BootwireCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(name: "STM32", dependencies: ["BootwireCore"]),
        .target(name: "USB", dependencies: ["BootwireCore", "CUSB"]),
        .target(name: "DFU", dependencies: ["BootwireCore", "USB", "STM32"]),
        // The debug-probe seam: what SWD flash code needs from any probe, and Cortex-M debug on it.
        .target(name: "ArmDebug", dependencies: ["BootwireCore"]),
        // STM32 flash over SWD (controllers, identification, the flash target), probe-neutral.
        .target(name: "STM32SWD", dependencies: ["BootwireCore", "STM32", "ArmDebug"]),
        // The ST-LINK: its USB protocol, one DebugProbe.
        .target(name: "STLink", dependencies: ["BootwireCore", "USB", "ArmDebug", "STM32SWD"]),
        // Ports parsed once, routes decided and targets opened: what every verb (and a library
        // user) goes through.
        .target(
            name: "Targets",
            dependencies: ["BootwireCore", "QCC743", "STM32", "DFU", "ArmDebug", "STM32SWD", "STLink", "USB"]),
        // ST's module-update flow: the package folder, the boards, the steps and their resume state.
        .target(name: "ST67", dependencies: ["BootwireCore", "QCC743", "STM32", "STM32SWD", "Targets"]),
        // bootwire.toml: named targets and their defaults, found upward from the current folder.
        .target(
            name: "Project",
            dependencies: ["BootwireCore", "Targets", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "VirtualDevices",
            dependencies: ["BootwireCore", "ArmDebug", "DFU", "QCC743", "STM32", "USB", "CSerial", "Targets"]),
        .executableTarget(
            name: "bootwire",
            dependencies: [
                "BootwireCore", "DFU", "QCC743", "STM32", "STM32SWD", "STLink", "USB", "Targets", "VirtualDevices",
                "ST67", "Project",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The library alone flashing an STM32 and a module (docs/architecture.md); CI builds and runs it.
        .executableTarget(
            name: "library-flash", dependencies: ["BootwireCore", "Targets", "VirtualDevices"],
            path: "Examples/library-flash"),
        .testTarget(name: "BootwireCoreTests", dependencies: ["BootwireCore", "CSerial"]),
        .testTarget(
            name: "QCC743Tests",
            dependencies: ["QCC743", "BootwireCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "STM32Tests", dependencies: ["STM32", "VirtualDevices", "BootwireCore"]),
        .testTarget(
            name: "VirtualDevicesTests", dependencies: ["VirtualDevices", "QCC743", "STM32", "BootwireCore", "Targets"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["BootwireCore", "QCC743", "STM32", "Targets", "VirtualDevices", "ST67"]),
        .testTarget(name: "ImageFormatTests", dependencies: ["BootwireCore"]),
        .testTarget(name: "ProjectTests", dependencies: ["Project", "Targets", "BootwireCore"]),
        // The seam's tests run through the virtual bus (VirtualDevices) and the socket server.
        .testTarget(name: "USBTests", dependencies: ["USB", "VirtualDevices", "BootwireCore"]),
        .testTarget(name: "DFUTests", dependencies: ["DFU", "USB", "STM32", "VirtualDevices", "BootwireCore"]),
        .testTarget(
            name: "STLinkTests",
            dependencies: ["STLink", "ArmDebug", "STM32SWD", "VirtualDevices", "USB", "STM32", "BootwireCore"]),
    ]
)
