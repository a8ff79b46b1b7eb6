import Foundation
import LinliDomain

/// Writes one table as CSV that Excel and WPS on Chinese Windows open correctly: UTF-8 with a
/// byte order mark (without it they read GBK), RFC 4180 quoting, CRLF line ends, and cells a
/// spreadsheet could run as a formula neutralised (`SpreadsheetSafety`).
///
/// Rows go to the sink as they are written, in chunks; nothing holds the whole file.
/// Written by hand: a CSV line is a few lines of code, and no maintained Swift CSV library
/// writes to a stream with formula neutralisation.
public final class CSVWriter: TableWriter {
    private let output: BufferedOutput
    private let timeZone: TimeZone
    private let byteOrderMark: Bool
    private var columnCount: Int?
    private var finished = false

    /// `timeZone` is the one date-times are shown in; `byteOrderMark` false writes plain UTF-8.
    public init(sink: ExportSink, timeZone: TimeZone = .shanghai, byteOrderMark: Bool = true) {
        self.output = BufferedOutput(sink)
        self.timeZone = timeZone
        self.byteOrderMark = byteOrderMark
    }

    /// Writes the byte order mark and the header line.
    public func begin(_ table: ExportTable) throws(ExportError) {
        guard columnCount == nil else {
            throw ExportError(
                code: .unsupported, zh: "CSV 文件只能包含一张表，请改用 XLSX",
                en: "a CSV file holds one table; use XLSX for several")
        }
        columnCount = table.columns.count
        if byteOrderMark { try output.append([0xEF, 0xBB, 0xBF]) }
        try output.append(SpreadsheetSafety.csvLine(table.columns.map(\.title)) + "\r\n")
    }

    public func write(_ row: [ExportCell]) throws(ExportError) {
        guard let columnCount, !finished else {
            throw ExportError(code: .misuse, zh: "写入行之前需先开始一张表", en: "begin a table before writing rows")
        }
        guard row.count == columnCount else {
            throw ExportError(
                code: .misuse, zh: "该行有 \(row.count) 个单元格，表头有 \(columnCount) 列",
                en: "the row has \(row.count) cells for \(columnCount) columns")
        }
        try output.append(SpreadsheetSafety.csvLine(row.map(text)) + "\r\n")
    }

    /// Hands the last buffered bytes to the sink.
    public func finish() throws(ExportError) {
        finished = true
        try output.flush()
    }

    private func text(_ cell: ExportCell) -> String {
        switch cell {
        case .text(let value): value
        case .integer(let value): String(value)
        case .decimal(let value): CellText.decimal(value)
        case .date(let value): value.description
        case .dateTime(let value): CellText.dateTime(value, in: timeZone)
        case .empty: ""
        }
    }
}
