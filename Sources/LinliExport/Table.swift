import Foundation
import LinliDomain

/// Why an export could not be written, in zh-CN and English.
public struct ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case writeFailed, tooLarge, misuse, unsupported
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The destination refused the bytes (disk full, closed pipe, no permission).
        public static let writeFailed = Code(.writeFailed)
        /// More rows or columns than the format holds.
        public static let tooLarge = Code(.tooLarge)
        /// The writer was used out of order (a row before its table, a row of the wrong width).
        public static let misuse = Code(.misuse)
        /// The format cannot hold what was asked (two tables in one CSV, a zone with summer time).
        public static let unsupported = Code(.unsupported)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// Message in Simplified Chinese.
    public let zh: String
    /// Message in English.
    public let en: String

    public init(code: Code, zh: String, en: String) {
        self.code = code
        self.zh = zh
        self.en = en
    }

    /// Both languages, Chinese first.
    public var description: String { "\(zh)（\(en)）" }

    static func writeFailed(_ error: any Error) -> ExportError {
        ExportError(code: .writeFailed, zh: "无法写出导出文件：\(error)", en: "cannot write the export: \(error)")
    }
}

/// Where an export's bytes go: a file, standard output, an HTTP response body later. Writers
/// buffer and hand over chunks of about 64 KiB, so nothing holds a whole export.
public struct ExportSink {
    let write: (Data) throws -> Void

    /// A sink that calls `write` with each chunk.
    public init(_ write: @escaping (Data) throws -> Void) { self.write = write }

    /// A sink writing to an open file handle (a file, or `FileHandle.standardOutput`).
    public static func fileHandle(_ handle: FileHandle) -> ExportSink {
        ExportSink { data in try handle.write(contentsOf: data) }
    }
}

/// Collects small writes and passes them to a sink in large chunks.
final class BufferedOutput {
    private let sink: ExportSink
    private var buffer = Data()
    private let chunkSize: Int

    init(_ sink: ExportSink, chunkSize: Int = 64 * 1024) {
        self.sink = sink
        self.chunkSize = chunkSize
        buffer.reserveCapacity(chunkSize + 4096)
    }

    func append(_ text: String) throws(ExportError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunkSize { try flush() }
    }

    func append(_ bytes: [UInt8]) throws(ExportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= chunkSize { try flush() }
    }

    func flush() throws(ExportError) {
        guard !buffer.isEmpty else { return }
        do {
            try sink.write(buffer)
        } catch {
            throw ExportError.writeFailed(error)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// One column of an exported table.
public struct ExportColumn: Sendable, Hashable {
    /// The key in JSON output (`start`, `volunteer_name`).
    public var key: String
    /// The header a spreadsheet shows, Chinese first with the English in brackets:
    /// "姓名 (Name)". The importer reads such headers by their Chinese part.
    public var title: String
    /// Width in characters in XLSX.
    public var width: Double

    public init(key: String, zh: String, en: String, width: Double = 12) {
        self.key = key
        self.title = "\(zh) (\(en))"
        self.width = width
    }
}

/// A named table: a CSV file, a JSON array, or one worksheet of an XLSX workbook.
public struct ExportTable: Sendable, Hashable {
    /// The worksheet's name (at most 31 characters are kept).
    public var name: String
    public var columns: [ExportColumn]
    public init(name: String, columns: [ExportColumn]) {
        self.name = name
        self.columns = columns
    }
}

/// One cell value, typed so each format can write it properly: numbers stay numbers in XLSX
/// and JSON, dates become real spreadsheet dates.
public enum ExportCell: Sendable, Hashable {
    case text(String)
    case integer(Int)
    case decimal(Double)
    /// A calendar day.
    case date(LocalDate)
    /// An instant, shown as the wall-clock time of the writer's time zone.
    case dateTime(Date)
    case empty

    /// `.text`, or `.empty` for nil or "".
    public static func text(_ value: String?) -> ExportCell {
        guard let value, !value.isEmpty else { return .empty }
        return .text(value)
    }
}

/// Writes tables row by row. Call `begin` for each table, `write` for each of its rows, then
/// `finish` once. CSV and JSON hold one table; XLSX holds one worksheet per table.
public protocol TableWriter: AnyObject {
    func begin(_ table: ExportTable) throws(ExportError)
    func write(_ row: [ExportCell]) throws(ExportError)
    func finish() throws(ExportError)
}

/// Text forms of cell values shared by the text formats (CSV, JSON).
enum CellText {
    /// "1.5", "2", "0.25": at most two decimals, no trailing zeros.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// The wall-clock parts of `date` in `zone`.
    static func components(_ date: Date, in zone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }

    /// "2026-11-23 08:00" in `zone`.
    static func dateTime(_ date: Date, in zone: TimeZone) -> String {
        let c = components(date, in: zone)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0)
    }

    /// "2026-11-23T08:00:00+08:00" in `zone`.
    static func iso8601(_ date: Date, in zone: TimeZone) -> String {
        let c = components(date, in: zone)
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        let local = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
        return local + sign + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
