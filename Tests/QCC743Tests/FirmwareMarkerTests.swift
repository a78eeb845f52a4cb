import BootwireCore
import Foundation
import Testing

@testable import QCC743

/// The version text ST's NCP images carry, read from the images themselves.
struct FirmwareMarkerTests {
    @Test(.enabled(if: Fixtures.available)) func stsImagesNameTheirVersionAndProgram() throws {
        let mission = try Fixtures.bytes("st67w611m_mission_t02_v2.0.106.bin")
        #expect(
            FirmwareMarker.find(in: mission)
                == FirmwareMarker(version: "2.0.106", program: "spi_wifi_qcc74xdk_lwip_onhost"))
        let mfg = try Fixtures.bytes("st67w611m_mfg_v2.0.106.bin")
        #expect(FirmwareMarker.find(in: mfg) == FirmwareMarker(version: "2.0.106", program: "mfg_test_qcc74xdk"))
        // boot2 carries no marker: no version is made up for it.
        #expect(FirmwareMarker.find(in: try Fixtures.bytes("st67w611m_boot2_v8.1.9.bin")) == nil)
    }

    /// Chunks of any size find the marker, including one cut across two chunks.
    @Test(.enabled(if: Fixtures.available)) func aScanFindsAMarkerAcrossChunks() throws {
        let mission = try Fixtures.bytes("st67w611m_mission_t02_v2.0.106.bin")
        for chunk in [4096, 1000, 77] {
            var reads = 0
            let marker = try FirmwareMarker.scan(address: 0, length: mission.count, chunk: chunk) { at, count in
                reads += 1
                return Array(mission[at..<(at + count)])
            }
            #expect(marker?.version == "2.0.106", "chunk \(chunk)")
            #expect(reads < (mission.count + chunk - 1) / chunk, "it read past the marker")
        }
    }

    @Test func aMarkerWithoutItsEndIsNoVersion() {
        #expect(FirmwareMarker.find(in: Array("component_version_sdk_2.0.1".utf8)) == nil)
        #expect(FirmwareMarker.find(in: Array("component_version_sdk_2.0.1\0".utf8))?.version == "2.0.1")
        #expect(FirmwareMarker.find(in: Array("component_version_sdk_\0SW image:\0".utf8)) == nil)
    }
}
