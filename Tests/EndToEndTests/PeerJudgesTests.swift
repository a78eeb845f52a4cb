import Foundation
import Testing

/// A virtual device no peer tool judges says so when a verb opens it (`virtual-unproven`, an
/// info note); one that peers judge says nothing.
@Suite struct PeerJudgesTests {
    func noteCodes(_ port: String) throws -> [String] {
        let run = try Bootwire.run(["info", "--port", port, "--json"])
        #expect(run.ok, "\(run.stdout)")
        return run.events.filter { $0["event"] as? String == "note" }.compactMap { $0["code"] as? String }
    }

    @Test(arguments: ["virtual:stlink-c031", "virtual:stlink-g491,time=simulated", "virtual:stm32c031"])
    func anUnjudgedVirtualDeviceSaysSo(port: String) throws {
        #expect(try noteCodes(port).contains("virtual-unproven"))
    }

    @Test(arguments: ["virtual:stlink-l476", "virtual:dfu-l476", "virtual:stm32l476,wire=instant"])
    func aJudgedVirtualDeviceSaysNothing(port: String) throws {
        #expect(!(try noteCodes(port).contains("virtual-unproven")))
    }
}
