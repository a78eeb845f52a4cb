import DFU
import Testing

@Suite struct DFUWireTests {
    @Test func statusRepliesRoundTripWithTheirNames() throws {
        let reply = try #require(DFUStatusReply(bytes: [0x06, 0x10, 0x27, 0x00, 0x0A, 0x00]))
        #expect(reply.status == .errProg)
        #expect(reply.pollTimeout == 10_000)
        #expect(reply.state == .error)
        #expect(reply.bytes == [0x06, 0x10, 0x27, 0x00, 0x0A, 0x00])
        #expect("\(reply.status)" == "errPROG" && "\(reply.state)" == "dfuERROR")
        #expect(DFUStatusReply(bytes: [0, 0, 0, 0, 11, 0]) == nil, "state 11 does not exist")
        #expect(DFUStatus.errWrite.errorCode.rawValue == "dfu-errwrite")
        #expect(DFUStatus.errTarget.errorCode.rawValue == "dfu-errtarget")
        #expect(DFUState.allCases.map(\.description).contains("dfuDNBUSY"))
    }

    @Test func theFunctionalDescriptorSaysDfuSeAndTheTransferSize() throws {
        let bytes: [UInt8] = [9, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A, 0x01]
        let descriptor = try #require(DFUFunctionalDescriptor(bytes: bytes))
        #expect(descriptor.transferSize == 2048)
        #expect(descriptor.isDfuSe)
        #expect(descriptor.canDownload && descriptor.canUpload && descriptor.willDetach)
        #expect(!descriptor.manifestationTolerant)
        #expect(descriptor.bytes == bytes)
        #expect(DFUFunctionalDescriptor(bytes: [9, 0x04, 0, 0, 0, 0, 0, 0, 0]) == nil)
    }

    @Test func fusPairsAreNamedAsCubeProgrammerNamesThem() {
        let field = FUSState(state: 0x12, error: 0x07)
        #expect(field.isFailure)
        #expect(field.errorName == "FUS_IMAGE_WRTERROR")
        #expect(field.cubeProgrammerName == "WIRELESS_STACK_UPGRADE_ONGOING")
        #expect(field.errorCode.rawValue == "fus-image-wrterror")
        #expect(FUSState.stackRunning.isStackRunning && !FUSState.stackRunning.isFailure)
        #expect(FUSState(state: 0x30, error: 0).stateName == "SERVICE_ONGOING")
        #expect(FUSState(state: 0x21, error: 0).stateName == "FUS_UPGRD_ONGOING")
        #expect(FUSState(state: 0xFF, error: 0x11).errorName == "FUS_FW_ROLLBACK_ERROR")
    }
}
