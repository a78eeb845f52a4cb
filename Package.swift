// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Bootwire",
    products: [
        .library(
            name: "BootwireKit",
            targets: ["BootwireCore", "DFU", "QCC743", "STM32", "STLink", "USB", "VirtualDevices", "ST67"]),
        .executable(name: "bootwire", targets: ["bootwire"]),
        // libusb-1.0's ABI over a socket to `bootwire emulate usb`: unmodified dfu-util, stlink
        // and OpenOCD binaries load it (LD_LIBRARY_PATH) and meet a virtual device.
        .library(name: "usb-1.0", type: .dynamic, targets: ["CUSBShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
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
        .target(name: "STLink", dependencies: ["BootwireCore", "USB", "STM32"]),
        // ST's module-update flow: the package folder, the boards, the steps and their resume state.
        .target(name: "ST67", dependencies: ["BootwireCore", "QCC743", "STM32"]),
        .target(
            name: "VirtualDevices", dependencies: ["BootwireCore", "DFU", "QCC743", "STM32", "USB", "CSerial"]),
        .executableTarget(
            name: "bootwire",
            dependencies: [
                "BootwireCore", "DFU", "QCC743", "STM32", "STLink", "USB", "VirtualDevices", "ST67",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "BootwireCoreTests", dependencies: ["BootwireCore", "CSerial"]),
        .testTarget(
            name: "QCC743Tests",
            dependencies: ["QCC743", "BootwireCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "STM32Tests", dependencies: ["STM32", "VirtualDevices", "BootwireCore"]),
        .testTarget(name: "VirtualDevicesTests", dependencies: ["VirtualDevices", "QCC743", "STM32", "BootwireCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["BootwireCore", "QCC743", "VirtualDevices", "ST67"]),
        .testTarget(name: "ImageFormatTests", dependencies: ["BootwireCore"]),
        .testTarget(name: "USBTests", dependencies: ["USB", "BootwireCore"]),
        .testTarget(name: "DFUTests", dependencies: ["DFU", "USB", "STM32", "VirtualDevices", "BootwireCore"]),
        .testTarget(name: "STLinkTests", dependencies: ["STLink", "VirtualDevices", "USB", "STM32", "BootwireCore"]),
    ]
)
