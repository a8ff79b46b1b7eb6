import Foundation

/// A horizontal bar chart drawn on the server as inline SVG, for the reports page: the pages run
/// no script (their Content-Security-Policy forbids it), so no browser chart library can draw
/// one, and no maintained Swift package renders charts to SVG; the few lines here write the
/// markup by hand. Every text is escaped; the chart is an image with a title and a description
/// for screen readers (`role="img"`, `aria-labelledby`), and the page shows the same numbers in a
/// table, so the chart is never the only carrier of a figure. Colours come from the stylesheet
/// (`.chart …`) and, for an SVG taken out of the page, from presentation attributes (which the
/// CSP's `style-src` does not govern).
public struct SVGBarChart: Sendable, Hashable {
    /// One bar: its label, its value (drawn to scale) and the value as the page writes it.
    public struct Bar: Sendable, Hashable {
        public var label: String
        public var value: Double
        public var valueText: String

        public init(label: String, value: Double, valueText: String) {
            self.label = label
            self.value = value
            self.valueText = valueText
        }
    }

    /// Unique on the page: the title's and description's element ids start with it.
    public var id: String
    public var title: String
    /// What the chart shows, in a sentence (the SVG's `<desc>`).
    public var summary: String
    public var bars: [Bar]

    public init(id: String, title: String, summary: String, bars: [Bar]) {
        self.id = id
        self.title = title
        self.summary = summary
        self.bars = bars
    }

    /// Geometry in SVG user units (the chart is drawn 1:1 at its full width of 720).
    static let width = 720
    static let labelWidth = 210
    static let valueWidth = 90
    static let rowHeight = 34
    static let barHeight = 22
    static let margin = 8
    /// Labels longer than this many characters are shortened with "…" (the table has them whole).
    static let labelLimit = 12

    /// The chart's `<svg>` element; nil when there are no bars (the page says so in words).
    public func svg() -> String? {
        guard !bars.isEmpty else { return nil }
        let height = bars.count * Self.rowHeight + 2 * Self.margin
        let area = Self.width - Self.labelWidth - Self.valueWidth - 2 * Self.margin
        let largest = bars.map(\.value).max() ?? 0
        let safeID = Self.identifier(id)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" id="\(safeID)" viewBox="0 0 \(Self.width) \(height)" \
            width="\(Self.width)" height="\(height)" role="img" aria-labelledby="\(safeID)-title \(safeID)-desc" \
            aria-label="\(Self.escape(title))" data-bars="\(bars.count)">
            <title id="\(safeID)-title">\(Self.escape(title))</title>
            <desc id="\(safeID)-desc">\(Self.escape(summary))</desc>

            """
        for (index, bar) in bars.enumerated() {
            let top = Self.margin + index * Self.rowHeight
            let barTop = top + (Self.rowHeight - Self.barHeight) / 2
            let baseline = top + Self.rowHeight / 2 + 6
            let length = largest > 0 ? max(0, bar.value) / largest * Double(area) : 0
            let barWidth = bar.value > 0 ? max(2, Int(length.rounded())) : 0
            let x = Self.margin + Self.labelWidth
            out += """
                <g class="bar-row"><text class="chart-label" x="\(x - 8)" y="\(baseline)" text-anchor="end" \
                font-size="16" fill="#111">\(Self.escape(Self.shorten(bar.label)))</text>\
                <rect class="bar" x="\(x)" y="\(barTop)" width="\(barWidth)" height="\(Self.barHeight)" fill="#0050b3">\
                <title>\(Self.escape("\(bar.label)：\(bar.valueText)"))</title></rect>\
                <text class="chart-value" x="\(x + barWidth + 6)" y="\(baseline)" font-size="16" \
                fill="#111">\(Self.escape(bar.valueText))</text></g>

                """
        }
        return out + "</svg>"
    }

    /// `label` cut to `labelLimit` characters.
    static func shorten(_ label: String) -> String {
        label.count <= labelLimit ? label : String(label.prefix(labelLimit - 1)) + "…"
    }

    /// Text made safe inside an element or a quoted attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An element id made of letters, digits and `-` only.
    static func identifier(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII ? Character(scalar) : "-"
        }
        return "chart-" + String(kept)
    }
}
