import Testing

@testable import VirtualDevices

// The mechanics every virtual flash model shares (`VirtualFlashMechanics.swift`).

@Test func unlockSequenceNeedsBothKeysInOrder() {
    var step = 0
    #expect(VirtualFlashKeys.advance(&step, VirtualFlashKeys.flash.0, VirtualFlashKeys.flash) == .first)
    #expect(VirtualFlashKeys.advance(&step, VirtualFlashKeys.flash.1, VirtualFlashKeys.flash) == .unlocked)
    #expect(VirtualFlashKeys.advance(&step, VirtualFlashKeys.flash.1, VirtualFlashKeys.flash) == .wrong)
    #expect(VirtualFlashKeys.advance(&step, VirtualFlashKeys.flash.0, VirtualFlashKeys.option) == .wrong)
    #expect(step == 0)
}

@Test func programmingIsOnceOverErasedFlashOrAllZeros() {
    var array = [UInt8](repeating: 0xFF, count: 16)
    let first = array.programFlash([1, 2, 3, 4, 5, 6, 7, 8], at: 0)
    #expect(first && array.flashWord(at: 0) == 0x0403_0201)
    let over = array.programFlash([9, 9, 9, 9, 9, 9, 9, 9], at: 0)
    #expect(!over && array.flashWord(at: 0) == 0x0403_0201)
    let zeros = array.programFlash([0, 0, 0, 0, 0, 0, 0, 0], at: 0)
    #expect(zeros)
    array.eraseFlash(0, count: 8)
    #expect(array.allSatisfy { $0 == 0xFF })
    #expect(VirtualWRPArea.pages(0xFF0F_FF00) == 0...15)
    #expect(VirtualWRPArea.pages(0xFF00_FFFF) == nil)
}

@Test func everyFlashModelRestoresItsOwnState() throws {
    for name in VirtualPartCatalogue.stlinkNames {
        let flash = try VirtualSTLinkPort.target(name, []).flash
        let state = flash.state
        #expect(flash.restore(state), "\(name)")
    }
}
