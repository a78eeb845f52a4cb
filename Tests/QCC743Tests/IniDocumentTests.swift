import BootwireCore
import Testing

@testable import QCC743

@Suite struct IniDocumentTests {
    @Test func sectionsKeysCommentsAndLines() throws {
        let text =
            "# header comment\r\n[cfg]\r\n  ERASE = 2 \r\n; another\r\n\r\n[FW]\r\nfiledir = a = b.bin\r\naddress =\r\n"
        let document = try IniDocument.parse(text, file: "x.ini")
        #expect(document.sections.map(\.name) == ["cfg", "FW"])
        #expect(document.section(named: "cfg")?["erase"] == .init(text: "2", line: 3))
        #expect(document.section(named: "FW")?["filedir"]?.text == "a = b.bin")
        #expect(document.section(named: "FW")?["address"]?.text == "")
        #expect(document.section(named: "FW")?.line == 6)
        #expect(document.section(named: "fw") == nil)
    }

    /// Issue #23 item 10: a UTF-8 byte-order mark before `[cfg]` is not a syntax error.
    @Test func aByteOrderMarkIsAccepted() throws {
        let document = try IniDocument.parse("\u{FEFF}[cfg]\nerase = 1\n", file: "x.ini")
        #expect(document.sections.map(\.name) == ["cfg"])
        let folder = try TemporaryDirectory()
        try folder.write("fw.bin", [1, 2, 3])
        let ini = try folder.write(
            "bom.ini",
            [0xEF, 0xBB, 0xBF] + Array("[cfg]\r\nerase = 1\r\n[FW]\r\nfiledir = ./fw.bin\r\naddress = 0x10000\r\n".utf8)
        )
        #expect(try FlashManifest.load(path: ini).images.map(\.name) == ["FW"])
    }

    @Test func syntaxErrorsCarryFileAndLine() {
        let cases: [(String, String)] = [
            ("[cfg]\nerase = 1\njunk\n", "3"),
            ("erase = 1\n[cfg]\n", "1"),
            ("[cfg]\n[cfg]\n", "2"),
            ("[cfg]\nerase = 1\nerase = 2\n", "3"),
            ("[cfg\n", "1"),
            ("[]\n", "1"),
            ("[cfg]\n = 1\n", "2"),
        ]
        for (text, line) in cases {
            let error = expectError(.badConfig) { _ = try IniDocument.parse(text, file: "x.ini") }
            #expect(error?.evidence["line"] == line, "\(text)")
            #expect(error?.evidence["file"] == "x.ini")
        }
    }
}
