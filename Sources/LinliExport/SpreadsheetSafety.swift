/// Makes exported cells safe to open in Excel, WPS or LibreOffice (CSV/formula injection).
///
/// A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return may be run as a formula
/// (`=HYPERLINK(...)`, `+cmd|...`). `neutralise` puts an apostrophe in front of such a cell, which the
/// spreadsheet shows as text. Plain numbers such as `-12` or `-3.5` are left alone (they are harmless
/// and stay numbers); everything else that starts with those characters is prefixed, including
/// `+8613812345678`, which then shows as text (no digits are lost).
public enum SpreadsheetSafety {
    /// The cell, with a leading `'` if a spreadsheet could read it as a formula.
    public static func neutralise(_ cell: String) -> String {
        mayRunAsFormula(cell) ? "'" + cell : cell
    }

    /// Whether a spreadsheet could read the text as a formula: it starts with `=`, `+`, `@`, a
    /// tab, a carriage return, or `-` without being a plain negative number. In XLSX such text
    /// is stored unchanged in a cell marked `quotePrefix`, as Excel marks text typed after `'`,
    /// so editing the cell does not turn it into a formula either.
    public static func mayRunAsFormula(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        switch first {
        case "=", "+", "@", "\t", "\r": return true
        case "-": return !isPlainNegativeNumber(cell)
        default: return false
        }
    }

    /// One neutralised CSV field, quoted per RFC 4180 when it holds the delimiter, a quote or a line break.
    public static func csvField(_ cell: String, delimiter: Character = ",") -> String {
        let safe = neutralise(cell)
        guard safe.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        else { return safe }
        var quoted = "\""
        for character in safe {
            if character == "\"" { quoted.append("\"") }
            quoted.append(character)
        }
        quoted.append("\"")
        return quoted
    }

    /// One CSV line (without the line end) of neutralised, quoted fields.
    public static func csvLine(_ cells: [String], delimiter: Character = ",") -> String {
        cells.map { csvField($0, delimiter: delimiter) }.joined(separator: String(delimiter))
    }

    /// `-` followed by digits with at most one decimal point, nothing else.
    private static func isPlainNegativeNumber(_ cell: String) -> Bool {
        let body = cell.utf8.dropFirst()
        guard !body.isEmpty else { return false }
        var sawDigit = false
        var sawDot = false
        for byte in body {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: ".") where !sawDot: sawDot = true
            default: return false
            }
        }
        return sawDigit
    }
}
