import Foundation
import Testing

@testable import RollbookServer

@Suite("JSON bodies written without Codable") struct JSONBodyTests {
    @Test("strings with quotes, backslashes, control characters and non-ASCII names read back exactly as written")
    func escaping() throws {
        let names = ["Zoë \"Zo\" O'Neill", "back\\slash", "tab\tnew\nline\rret", "bell\u{07}nul\u{00}", "Łukasz 😀", ""]
        var json = JSONBody()
        json.raw(#"{"names":"#)
        json.array(names) { $0.string($1) }
        json.raw(#","count":"#)
        json.int(-42)
        json.raw("}")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(object["names"] as? [String] == names)
        #expect(object["count"] as? Int == -42)
    }

    @Test("an empty array is []")
    func empty() {
        var json = JSONBody()
        json.array([String]()) { $0.string($1) }
        #expect(String(decoding: json.bytes, as: UTF8.self) == "[]")
    }
}
