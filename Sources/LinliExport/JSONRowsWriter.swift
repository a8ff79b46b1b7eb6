import Foundation
import LinliDomain

/// Writes one table as a JSON array of objects keyed by the columns' keys, one object per
/// line, streaming: numbers are JSON numbers, dates "2026-11-23", date-times ISO 8601 with
/// their offset, empty cells null. For scripts that read an export.
///
/// By hand because `JSONEncoder` encodes a whole value at once and cannot stream an array.
public final class JSONRowsWriter: TableWriter {
    private let output: BufferedOutput
    private let timeZone: TimeZone
    private var keys: [String]?
    private var rows = 0
    private var finished = false

    public init(sink: ExportSink, timeZone: TimeZone = .shanghai) {
        self.output = BufferedOutput(sink)
        self.timeZone = timeZone
    }

    public func begin(_ table: ExportTable) throws(ExportError) {
        guard keys == nil else {
            throw ExportError(
                code: .unsupported, zh: "JSON 输出只能包含一张表", en: "JSON output holds one table")
        }
        keys = table.columns.map { Self.quote($0.key) }
        try output.append("[")
    }

    public func write(_ row: [ExportCell]) throws(ExportError) {
        guard let keys, !finished else {
            throw ExportError(code: .misuse, zh: "写入行之前需先开始一张表", en: "begin a table before writing rows")
        }
        guard row.count == keys.count else {
            throw ExportError(
                code: .misuse, zh: "该行有 \(row.count) 个单元格，表头有 \(keys.count) 列",
                en: "the row has \(row.count) cells for \(keys.count) columns")
        }
        var line = rows == 0 ? "\n{" : ",\n{"
        for (index, cell) in row.enumerated() {
            if index > 0 { line += "," }
            line += keys[index] + ":" + value(cell)
        }
        line += "}"
        rows += 1
        try output.append(line)
    }

    public func finish() throws(ExportError) {
        guard !finished else { return }
        finished = true
        if keys == nil { try output.append("[") }
        try output.append(rows == 0 ? "]\n" : "\n]\n")
        try output.flush()
    }

    private func value(_ cell: ExportCell) -> String {
        switch cell {
        case .text(let value): Self.quote(value)
        case .integer(let value): String(value)
        case .decimal(let value): value.isFinite ? CellText.decimal(value) : "null"
        case .date(let value): Self.quote(value.description)
        case .dateTime(let value): Self.quote(CellText.iso8601(value, in: timeZone))
        case .empty: "null"
        }
    }

    /// A JSON string literal (RFC 8259 escaping).
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
