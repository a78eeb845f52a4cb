import BootwireCore
import DFU
import Testing

@Suite struct FUSInstallPlanTests {
    @Test func theAddressComesFromSFSAAndTheImageSize() throws {
        #expect(FUSInstallPlan.computedAddress(sfsa: 0xF4, imageSize: 0x8000) == 0x080E_C000)
        #expect(FUSInstallPlan.computedAddress(sfsa: 0xF4, imageSize: 0x8001) == 0x080E_B000)
        let plan = try FUSInstallPlan.plan(sfsa: 0xF4, imageSize: 0x8000, requested: nil, applicationEnd: 0x0801_0000)
        #expect(plan.address == 0x080E_C000 && plan.end <= plan.secureStart)
    }

    func code(_ requested: UInt64?, size: Int = 0x1_9000, appEnd: UInt64? = nil) -> String? {
        do {
            _ = try FUSInstallPlan.plan(sfsa: 0xF4, imageSize: size, requested: requested, applicationEnd: appEnd)
            return nil
        } catch let error as BootwireError {
            return error.code.rawValue
        } catch {
            return "\(error)"
        }
    }

    @Test func theFieldReportsAddressIsRefusedOnA1MBPart() {
        #expect(code(0x0805_3000) == "fus-install-address-mismatch")
    }

    @Test func eachWrongAddressHasItsOwnCode() {
        #expect(code(0x080D_B800) == "fus-install-unaligned")
        #expect(code(0x080E_0000) == "fus-install-in-secure-area")
        #expect(code(nil, appEnd: 0x080E_0000) == "fus-install-over-application")
        #expect(code(nil, appEnd: 0x0804_0000) == nil)
        #expect(code(0x080D_B000) == nil)
    }

    @Test func fus101IsRefusedOnSmallParts() throws {
        #expect(throws: BootwireError.self) { try FUSVersionRule.check(fusVersion: (1, 0, 1), flashSize: 512 * 1024) }
        try FUSVersionRule.check(fusVersion: (1, 0, 1), flashSize: 1 << 20)
        try FUSVersionRule.check(fusVersion: (1, 2, 0), flashSize: 256 * 1024)
        #expect(FUSUpdater.versionInName("dl/stm32wb5x_FUS_fw_1_0_1.bin")! == (1, 0, 1))
        #expect(FUSUpdater.versionInName("stm32wb5x_FUS_fw_for_fus_0_5_3.bin") == nil)
        #expect(FUSUpdater.versionInName("stm32wb5x_BLE_Stack_full_fw.bin") == nil)
    }
}
