import Foundation
import RollbookCore

/// Small inline SVG charts rendered on the server: no script, colours from the stylesheet's classes
/// (root: chart plus chart-line-chart or chart-bar-chart; inside: chart-axis, chart-grid, chart-tick-label, chart-x-label,
/// chart-line, chart-point, chart-target, chart-target-label, chart-bar, chart-bar-label, chart-empty).
/// Sized by viewBox with width="100%", so they scale to the container; output is deterministic.
public enum SVGChart {
    static let width = 400.0, height = 220.0
    static let left = 44.0, right = 20.0, top = 28.0, bottom = 34.0
    static var plotLeft: Double { left }
    static var plotRight: Double { width - right }
    static var plotTop: Double { top }
    static var plotBottom: Double { height - bottom }
    /// At most this many x labels, evenly spread.
    static let maxXLabels = 6

    /// A line chart with a marker on every value, a gap wherever a value is nil, y ticks labelled with `unit`,
    /// and an optional dashed target line labelled in text. `id` must be unique on the page (it names the title and desc).
    public static func line(
        points: [(label: String, value: Double?)], yRange: ClosedRange<Double>, target: Double?,
        title: String, description: String? = nil, id: String = "trend-chart",
        unit: String = "%", targetLabel: String = "Target"
    ) -> String {
        let id = safeID(id)
        let values = points.compactMap(\.value)
        let lower = yRange.lowerBound
        let upper = yRange.upperBound > yRange.lowerBound ? yRange.upperBound : yRange.lowerBound + 1
        func y(_ v: Double) -> Double {
            let c = min(max(v, lower), upper)
            return plotBottom - (c - lower) / (upper - lower) * (plotBottom - plotTop)
        }
        func x(_ i: Int) -> Double {
            points.count == 1 ? (plotLeft + plotRight) / 2 : plotLeft + Double(i) * (plotRight - plotLeft) / Double(points.count - 1)
        }
        func value(_ v: Double) -> String { "\(num(v))\(unit)" }

        var desc = description ?? ""
        if description == nil {
            if let first = points.first, let last = points.last, !values.isEmpty {
                let valued = points.enumerated().compactMap { i, p in p.value.map { (i, p.label, $0) } }
                let lo = valued.min { $0.2 < $1.2 }!
                let hi = valued.max { $0.2 < $1.2 }!
                let latest = valued.last!
                desc =
                    "\(first.label) to \(last.label): latest \(latest.1) \(value(latest.2)), lowest \(value(lo.2)) (\(lo.1)), highest \(value(hi.2)) (\(hi.1))."
            } else {
                desc = "No data."
            }
            if let target { desc += " \(targetLabel) \(value(target))." }
        }
        var out = open(id: id, kind: "line-chart", title: title, description: desc)
        guard !values.isEmpty else { return out + empty() + "</svg>" }

        out += yAxis(ticks: ticks(lower, upper), y: y, unit: unit)
        for i in xLabelIndices(points.count) {
            out +=
                #"<text class="chart-x-label" x="\#(num(x(i)))" y="\#(num(plotBottom + 18))" text-anchor="middle">\#(xmlEscaped(points[i].label))</text>"#
                + "\n"
        }
        if let target {
            let ty = num(y(target))
            out +=
                #"<line class="chart-target" x1="\#(num(plotLeft))" y1="\#(ty)" x2="\#(num(plotRight))" y2="\#(ty)" stroke="currentColor" stroke-dasharray="6 4"/>"#
                + "\n"
            // The label sits above the plot with a dashed sample, so it never covers the data.
            out +=
                #"<line class="chart-target" x1="\#(num(plotRight - 20))" y1="\#(num(plotTop - 12))" x2="\#(num(plotRight))" y2="\#(num(plotTop - 12))" stroke="currentColor" stroke-dasharray="6 4"/>"#
                + "\n"
            out +=
                #"<text class="chart-target-label" x="\#(num(plotRight - 26))" y="\#(num(plotTop - 12))" dy="0.32em" text-anchor="end">\#(xmlEscaped("\(targetLabel) \(value(target))"))</text>"#
                + "\n"
        }
        // One polyline per run of consecutive values, so nil leaves a gap.
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                out +=
                    #"<polyline class="chart-line" points="\#(run.joined(separator: " "))" fill="none" stroke="currentColor" stroke-width="2"/>"#
                    + "\n"
            }
            run = []
        }
        for (i, p) in points.enumerated() {
            if let v = p.value { run.append("\(num(x(i))),\(num(y(v)))") } else { flush() }
        }
        flush()
        for (i, p) in points.enumerated() {
            guard let v = p.value else { continue }
            out +=
                #"<circle class="chart-point" cx="\#(num(x(i)))" cy="\#(num(y(v)))" r="3"><title>\#(xmlEscaped("\(p.label): \(value(v))"))</title></circle>"#
                + "\n"
        }
        return out + "</svg>"
    }

    /// A bar chart from zero, e.g. minutes late per week; `unit` follows each value (" min").
    public static func bars(
        bars: [(label: String, value: Double)], title: String, description: String? = nil,
        id: String = "bar-chart", unit: String = " min"
    ) -> String {
        let id = safeID(id)
        func number(_ v: Double) -> String { v == v.rounded() ? String(format: "%.0f", v) : num(v) }
        func value(_ v: Double) -> String { number(v) + unit }
        var desc = description ?? ""
        if description == nil {
            if let first = bars.first, let last = bars.last {
                let hi = bars.max { $0.value < $1.value }!
                desc =
                    "\(first.label) to \(last.label): total \(value(bars.reduce(0) { $0 + max(0, $1.value) })), highest \(value(hi.value)) (\(hi.label))."
            } else {
                desc = "No data."
            }
        }
        var out = open(id: id, kind: "bar-chart", title: title, description: desc)
        guard !bars.isEmpty else { return out + empty() + "</svg>" }

        // Whole-number ticks from 0, at least up to 4.
        let scaleMax = max(bars.map(\.value).max() ?? 0, 4)
        let step = max(1, niceStep(scaleMax / 4))
        let top = (scaleMax / step).rounded(.up) * step
        func y(_ v: Double) -> Double { plotBottom - min(max(v, 0), top) / top * (plotBottom - plotTop) }
        let ticks = (0...Int((top / step).rounded())).map { Double($0) * step }
        out += yAxis(ticks: ticks, y: y, unit: "")
        let band = (plotRight - plotLeft) / Double(bars.count)
        for i in xLabelIndices(bars.count) {
            out +=
                #"<text class="chart-x-label" x="\#(num(plotLeft + (Double(i) + 0.5) * band))" y="\#(num(plotBottom + 18))" text-anchor="middle">\#(xmlEscaped(bars[i].label))</text>"#
                + "\n"
        }
        let showValues = bars.count <= 12
        for (i, b) in bars.enumerated() where b.value > 0 {
            let bx = plotLeft + (Double(i) + 0.15) * band
            let by = y(b.value)
            out +=
                #"<rect class="chart-bar" x="\#(num(bx))" y="\#(num(by))" width="\#(num(band * 0.7))" height="\#(num(plotBottom - by))"><title>\#(xmlEscaped("\(b.label): \(value(b.value))"))</title></rect>"#
                + "\n"
            if showValues {
                out +=
                    #"<text class="chart-bar-label" x="\#(num(bx + band * 0.35))" y="\#(num(by - 3))" text-anchor="middle">\#(xmlEscaped(number(b.value)))</text>"#
                    + "\n"
            }
        }
        return out + "</svg>"
    }

    // MARK: - Pieces

    static func open(id: String, kind: String, title: String, description: String) -> String {
        #"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-\#(kind)" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="100%" role="img" aria-labelledby="\#(id)-title" aria-describedby="\#(id)-desc" font-size="12">"#
            + "\n"
            + #"<title id="\#(id)-title">\#(xmlEscaped(title))</title>"# + "\n"
            + #"<desc id="\#(id)-desc">\#(xmlEscaped(description))</desc>"# + "\n"
    }

    static func empty() -> String {
        #"<text class="chart-empty" x="\#(num(width / 2))" y="\#(num(height / 2))" text-anchor="middle">No data</text>"# + "\n"
    }

    /// The y axis and baseline, a grid line and a label per tick.
    static func yAxis(ticks: [Double], y: (Double) -> Double, unit: String) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let whole = step == step.rounded()
        var out = #"<g class="chart-axis" stroke="currentColor">"# + "\n"
        out += #"<line x1="\#(num(plotLeft))" y1="\#(num(plotTop))" x2="\#(num(plotLeft))" y2="\#(num(plotBottom))"/>"# + "\n"
        out += #"<line x1="\#(num(plotLeft))" y1="\#(num(plotBottom))" x2="\#(num(plotRight))" y2="\#(num(plotBottom))"/>"# + "\n"
        out += "</g>\n"
        for t in ticks {
            let ty = num(y(t))
            let label = (whole ? String(format: "%.0f", t) : num(t)) + unit
            out +=
                #"<line class="chart-grid" x1="\#(num(plotLeft))" y1="\#(ty)" x2="\#(num(plotRight))" y2="\#(ty)" stroke="currentColor" stroke-opacity="0.15"/>"#
                + "\n"
            out +=
                #"<text class="chart-tick-label" x="\#(num(plotLeft - 6))" y="\#(ty)" dy="0.32em" text-anchor="end">\#(xmlEscaped(label))</text>"#
                + "\n"
        }
        return out
    }

    /// Evenly spaced ticks from `lower` to `upper` at a step of 1, 2, 2.5 or 5 times a power of ten (about four steps).
    static func ticks(_ lower: Double, _ upper: Double) -> [Double] {
        let step = niceStep((upper - lower) / 4)
        let first = (lower / step - 1e-9).rounded(.up)
        var out: [Double] = []
        var k = first
        while k * step <= upper + 1e-9 * step {
            out.append(k * step + 0)
            k += 1
        }  // + 0 turns -0 into 0
        return out
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let mag = pow(10, (log10(raw)).rounded(.down))
        return [1, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * mag
    }

    /// Up to `maxXLabels` indices: every k-th from the first.
    static func xLabelIndices(_ n: Int) -> [Int] {
        guard n > 0 else { return [] }
        let stride = max(1, (n + maxXLabels - 1) / maxXLabels)
        return Array(Swift.stride(from: 0, to: n, by: stride))
    }

    /// One decimal place, never "-0.0".
    static func num(_ v: Double) -> String {
        let s = String(format: "%.1f", v)
        return s == "-0.0" ? "0.0" : s
    }

    /// Letters, digits, - and _ only, starting with a letter, so the id is safe in attributes and aria references.
    static func safeID(_ s: String) -> String {
        let kept = String(
            s.unicodeScalars.filter { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" })
        guard let f = kept.unicodeScalars.first, f.properties.isAlphabetic else { return "chart-" + kept }
        return kept
    }
}
