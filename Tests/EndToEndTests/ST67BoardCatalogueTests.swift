import ST67
import Testing

/// The ST67 board table takes each host's flash from the STM32 part catalogue, not from a copy.
@Suite struct ST67BoardCatalogueTests {
    @Test func hostFlashComesFromThePartCatalogue() {
        let sizes = Dictionary(uniqueKeysWithValues: ST67Board.all.map { ($0.name, $0.flashKiB) })
        #expect(sizes["NUCLEO-H563ZI"] == 2048)
        #expect(sizes["NUCLEO-U575ZI-Q"] == 2048)
        #expect(sizes["NUCLEO-H7S3L8"] == 64)
        #expect(sizes["NUCLEO-N657X0-Q"] == 0, "no internal flash, no catalogue row")
    }
}
