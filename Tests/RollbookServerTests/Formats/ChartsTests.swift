import Foundation
import Testing

@testable import RollbookServer

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An element parsed from the SVG: name, attributes and its own text.
private struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
}

/// Parses with XMLParser (XMLDocument is not on Linux); nil when the document is not well-formed.
private final class SVGReader: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ svg: String) -> [Element]? {
        let reader = SVGReader()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = reader
        return parser.parse() ? reader.elements : nil
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }
}

private func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Element] {
    try #require(SVGReader.parse(svg), "not well-formed XML:\n\(svg)", sourceLocation: sourceLocation)
}

private func withClass(_ els: [Element], _ c: String) -> [Element] {
    els.filter { ($0.attributes["class"] ?? "").split(separator: " ").contains(Substring(c)) }
}

private let weeks: [(label: String, value: Double?)] = [
    ("1 Sep", 100), ("8 Sep", 62.5), ("15 Sep", 100), ("22 Sep", nil), ("29 Sep", 90), ("6 Oct", 95),
    ("13 Oct", nil), ("20 Oct", 80), ("3 Nov", 100), ("10 Nov", 97.5), ("24 Nov", 92.25), ("1 Dec", 100), ("8 Dec", 88),
]

@Suite("SVG charts") struct ChartsTests {
    @Test("a line chart is well-formed, labelled for screen readers and scales by viewBox")
    func lineIsAccessible() throws {
        let svg = SVGChart.line(points: weeks, yRange: 0...100, target: 96, title: "Attendance each week", id: "pupil-trend")
        let els = try parse(svg)
        let root = try #require(els.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["width"] == "100%" && root.attributes["height"] == nil)
        #expect(root.attributes["viewBox"] == "0 0 400 220")
        #expect(root.attributes["aria-labelledby"] == "pupil-trend-title")
        #expect(root.attributes["aria-describedby"] == "pupil-trend-desc")
        #expect(els[1].name == "title" && els[1].attributes["id"] == "pupil-trend-title" && els[1].text == "Attendance each week")
        let desc = try #require(els.first { $0.name == "desc" })
        #expect(desc.attributes["id"] == "pupil-trend-desc")
        #expect(desc.text == "1 Sep to 8 Dec: latest 8 Dec 88.0%, lowest 62.5% (8 Sep), highest 100.0% (1 Sep). Target 96.0%.")
        // No colours in the markup: the stylesheet colours the classes.
        #expect(!svg.contains("#") && !svg.contains("rgb") && !svg.contains("style="))
    }

    @Test("y ticks carry % labels and at most six x labels are shown")
    func axes() throws {
        let els = try parse(SVGChart.line(points: weeks, yRange: 0...100, target: nil, title: "t"))
        #expect(withClass(els, "chart-tick-label").map(\.text) == ["0%", "25%", "50%", "75%", "100%"])
        #expect(withClass(els, "chart-grid").count == 5)
        // 13 points, every third labelled.
        #expect(withClass(els, "chart-x-label").map(\.text) == ["1 Sep", "22 Sep", "13 Oct", "10 Nov", "8 Dec"])
        let narrow = try parse(SVGChart.line(points: weeks, yRange: 80...100, target: nil, title: "t"))
        #expect(withClass(narrow, "chart-tick-label").map(\.text) == ["80%", "85%", "90%", "95%", "100%"])
    }

    @Test("labels and titles are XML-escaped")
    func escaping() throws {
        let points: [(label: String, value: Double?)] = [("<b>&", 50), ("\"quoted\" 'x'", 60), ("bell\u{7}", 70)]
        let svg = SVGChart.line(
            points: points, yRange: 0...100, target: 90, title: "<b>& title", description: "a < b & c > d",
            id: "x\" onload=\"alert(1)", targetLabel: "<Goal>")
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;b&gt;&amp;"))
        #expect(!svg.contains("onload=\""))
        let els = try parse(svg)
        #expect(els.first { $0.name == "title" }?.text == "<b>& title")
        #expect(els.first { $0.name == "desc" }?.text == "a < b & c > d")
        #expect(withClass(els, "chart-x-label").map(\.text) == ["<b>&", "\"quoted\" 'x'", "bell"])
        #expect(withClass(els, "chart-target-label").first?.text == "<Goal> 90.0%")
        #expect(els.first?.attributes["aria-labelledby"] == "xonloadalert1-title")
        let bars = try parse(SVGChart.bars(bars: [("<b>&", 3)], title: "<b>&"))
        #expect(bars.first { $0.name == "title" }?.text == "<b>&")
        #expect(bars.contains { $0.name == "title" && $0.text == "<b>&: 3 min" })
    }

    @Test("nil values split the line; every value has a marker")
    func gaps() throws {
        let els = try parse(SVGChart.line(points: weeks, yRange: 0...100, target: nil, title: "t"))
        let lines = withClass(els, "chart-line")
        #expect(lines.count == 3)
        #expect(lines.map { $0.attributes["points"]!.split(separator: " ").count } == [3, 2, 6])
        #expect(lines.allSatisfy { $0.name == "polyline" && $0.attributes["fill"] == "none" })
        let points = withClass(els, "chart-point")
        #expect(points.count == weeks.compactMap(\.value).count)
        #expect(els.contains { $0.name == "title" && $0.text == "8 Sep: 62.5%" })
        // A lone value between gaps is a marker with no line.
        let lone = try parse(SVGChart.line(points: [("a", nil), ("b", 50), ("c", nil)], yRange: 0...100, target: nil, title: "t"))
        #expect(withClass(lone, "chart-line").isEmpty && withClass(lone, "chart-point").count == 1)
    }

    @Test("the target line is dashed and labelled in text")
    func target() throws {
        let els = try parse(SVGChart.line(points: weeks, yRange: 0...100, target: 96, title: "t"))
        // The line across the plot, and a dashed sample beside the label above it.
        let lines = withClass(els, "chart-target")
        #expect(lines.count == 2 && lines.allSatisfy { $0.name == "line" && $0.attributes["stroke-dasharray"] == "6 4" })
        let line = try #require(lines.first)
        #expect(line.attributes["y1"] == line.attributes["y2"])
        // 96% of the plot from bottom 186 to top 28: 186 - 0.96 * 158 = 34.3.
        #expect(line.attributes["y1"] == "34.3")
        #expect(line.attributes["x1"] == "44.0" && line.attributes["x2"] == "380.0")
        #expect(withClass(els, "chart-target-label").map(\.text) == ["Target 96.0%"])
        let none = try parse(SVGChart.line(points: weeks, yRange: 0...100, target: nil, title: "t"))
        #expect(withClass(none, "chart-target").isEmpty && withClass(none, "chart-target-label").isEmpty)
    }

    @Test("an empty series says No data")
    func empty() throws {
        for svg in [
            SVGChart.line(points: [], yRange: 0...100, target: 96, title: "Attendance"),
            SVGChart.line(points: [("1 Sep", nil), ("8 Sep", nil)], yRange: 0...100, target: nil, title: "Attendance"),
            SVGChart.bars(bars: [], title: "Minutes late"),
        ] {
            let els = try parse(svg)
            #expect(withClass(els, "chart-empty").map(\.text) == ["No data"])
            #expect(withClass(els, "chart-line").isEmpty && withClass(els, "chart-bar").isEmpty && withClass(els, "chart-point").isEmpty)
            #expect(els.first?.attributes["role"] == "img")
        }
        let desc = try parse(SVGChart.bars(bars: [], title: "Minutes late")).first { $0.name == "desc" }
        #expect(desc?.text == "No data.")
    }

    @Test("bars: one per week with minutes, ticks from zero, values labelled")
    func bars() throws {
        let data: [(label: String, value: Double)] = [("1 Sep", 0), ("8 Sep", 53), ("15 Sep", 0), ("22 Sep", 5), ("29 Sep", 12)]
        let svg = SVGChart.bars(bars: data, title: "Minutes late each week", id: "late")
        let els = try parse(svg)
        #expect(els.first?.attributes["aria-labelledby"] == "late-title")
        let bars = withClass(els, "chart-bar")
        #expect(bars.count == 3 && bars.allSatisfy { $0.name == "rect" })
        #expect(withClass(els, "chart-bar-label").map(\.text) == ["53", "5", "12"])
        #expect(withClass(els, "chart-tick-label").map(\.text) == ["0", "20", "40", "60"])
        #expect(els.contains { $0.name == "title" && $0.text == "8 Sep: 53 min" })
        #expect(els.first { $0.name == "desc" }?.text == "1 Sep to 29 Sep: total 70 min, highest 53 min (8 Sep).")
        // The tallest bar reaches 53/60 of the plot height (158).
        #expect(bars[0].attributes["height"] == String(format: "%.1f", 53.0 / 60 * 158))
        let zeros = try parse(SVGChart.bars(bars: [("a", 0), ("b", 0)], title: "t"))
        #expect(withClass(zeros, "chart-tick-label").map(\.text) == ["0", "1", "2", "3", "4"])
        #expect(withClass(zeros, "chart-bar").isEmpty)
    }

    @Test("output is deterministic, with one decimal place in every coordinate")
    func deterministic() throws {
        let a = SVGChart.line(points: weeks, yRange: 0...100, target: 96, title: "t")
        #expect(a == SVGChart.line(points: weeks, yRange: 0...100, target: 96, title: "t"))
        let els = try parse(a) + parse(SVGChart.bars(bars: [("a", 7), ("b", 1.25)], title: "t"))
        let numeric = ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"]
        for e in els where e.name != "svg" {
            for k in numeric {
                if let v = e.attributes[k] {
                    #expect(v.range(of: #"^-?[0-9]+\.[0-9]$"#, options: .regularExpression) != nil, "\(e.name) \(k)=\(v)")
                }
            }
            if let p = e.attributes["points"] {
                #expect(p.range(of: #"^([0-9]+\.[0-9],[0-9]+\.[0-9] ?)+$"#, options: .regularExpression) != nil, "points=\(p)")
            }
        }
    }
}
