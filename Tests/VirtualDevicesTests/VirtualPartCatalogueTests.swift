import STM32
import Testing

@testable import VirtualDevices

// One catalogue of virtual parts: every `virtual:` name on every route resolves to a row, and the
// size each route's model holds is the row's.

@Test func everyListedVirtualNameIsACatalogueRow() {
    let listed = VirtualPort.names.filter { $0 != "qcc743" } + VirtualUSBPort.names
    for name in listed {
        #expect(VirtualPartCatalogue.part(portName: name) != nil, "\(name)")
    }
    #expect(Set(listed).count == listed.count)
    #expect(VirtualUSBPort.names.contains("stlink-f429") && VirtualPort.names.contains("stm32c031"))
}

@Test func swdTargetsTakeSizeAndIDCodeFromTheCatalogue() throws {
    for name in VirtualPartCatalogue.stlinkNames {
        let part = try #require(VirtualPartCatalogue.part(portName: name))
        let swd = try #require(part.swd)
        let target = try VirtualSTLinkPort.target(name, [])
        #expect(target.flash.flashSize == part.flashBytes, "\(name)")
        #expect(target.idcode == UInt32(swd.revision) << 16 | UInt32(part.devID), "\(name)")
    }
}

@Test func uartAndDFUModelsTakeSizeFromTheCatalogue() throws {
    for part in VirtualPartCatalogue.parts where part.uart || part.dfu != nil {
        let device = try #require(STM32DeviceTable.device(productID: part.devID), "\(part.name)")
        #expect(VirtualSTM32.Configuration(device: device).flashSize == part.flashBytes, "\(part.name)")
        // The product's table is judged by these models: the reference parts must agree.
        #expect(device.flashSize == part.flashBytes && device.pageSize == part.eraseUnit, "\(part.name)")
    }
}

@Test func dfuListingsAreBuiltFromTheCatalogueSizes() throws {
    let l476 = try #require(VirtualPartCatalogue.part(portName: "dfu-l476"))
    #expect(l476.dfuAltStrings.first == "@Internal Flash  /0x08000000/512*0002Kg")
    let l432 = try #require(VirtualPartCatalogue.part(portName: "dfu-l432"))
    #expect(l432.dfuAltStrings.first == "@Internal Flash  /0x08000000/0128*0002Kg")
    let wb55 = try #require(VirtualPartCatalogue.part(portName: "dfu-wb55"))
    #expect(wb55.dfuAltStrings.first == "@Internal Flash   /0x08000000/256*04Kg")
    #expect(VirtualPartCatalogue.part(portName: "dfu-h563") == nil)
    #expect(VirtualPartCatalogue.part(portName: "stm32u575") == nil)
}

@Test func everyJudgedNameIsAVirtualDevice() {
    let names = Set(VirtualPort.names + VirtualUSBPort.names)
    for name in VirtualPeerJudges.table.keys { #expect(names.contains(name), "\(name)") }
    #expect(VirtualPeerJudges.judges(of: "virtual:stlink-l476,state=/tmp/x") == ["OpenOCD", "st-flash", "pyOCD"])
    #expect(VirtualPeerJudges.judges(of: "virtual:stlink-c031").isEmpty)
}
