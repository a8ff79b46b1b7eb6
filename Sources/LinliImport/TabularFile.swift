import Foundation

/// A spreadsheet read from an uploaded CSV or XLSX file: every row as a list of cell texts.
///
/// `lines[0]` is row 1 as Excel or WPS shows it, so `lines[i]` is row `i + 1`; empty rows are kept
/// (as empty or one-empty-cell rows) so numbering stays right, trailing empty rows are dropped.
public struct TabularFile: Sendable, Equatable {
    /// Which kind of file the bytes were.
    public enum Format: String, Sendable, Equatable {
        case csv
        case xlsx
    }

    public let format: Format
    /// "UTF-8", "UTF-8 BOM", "UTF-16LE", "UTF-16BE", "GB18030" or "XLSX".
    public let encoding: String
    /// The CSV delimiter (",", ";" or "\t"); nil for XLSX.
    public let delimiter: Character?
    /// Every row of the (first) sheet; index 0 is row 1.
    public let lines: [[String]]
    /// XLSX workbooks using the 1904 date system (old Mac Excel) count date serials differently.
    let date1904: Bool

    /// The first non-empty row.
    public var header: [String] { lines.first(where: { !Self.isBlank($0) }) ?? [] }

    /// The rows after `header`.
    public var rows: [[String]] {
        guard let headerIndex = lines.firstIndex(where: { !Self.isBlank($0) }) else { return [] }
        return Array(lines[(headerIndex + 1)...])
    }

    /// Largest upload accepted (a 10,000-row sheet is about 1 MB).
    public static let maxBytes = 50 * 1024 * 1024

    init(format: Format, encoding: String, delimiter: Character?, lines: [[String]], date1904: Bool = false) {
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.lines = lines
        self.date1904 = date1904
    }

    /// Reads an uploaded file. XLSX is recognised by its content (a ZIP archive), whatever its name;
    /// other bytes are CSV in UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"),
    /// or else GB18030 (what WPS and Excel on Chinese Windows write).
    ///
    /// - Parameter fileName: used only to recognise a mislabelled file; may be empty.
    /// - Throws: `ImportFileError` saying what is wrong and, for CSV, in which row.
    public static func read(_ data: Data, fileName: String) throws(ImportFileError) -> TabularFile {
        if data.isEmpty { throw .emptyFile }
        if data.count > maxBytes {
            throw .tooLarge("超过 \(maxBytes / 1_048_576) MB", "more than \(maxBytes / 1_048_576) MB")
        }
        let bytes = [UInt8](data)
        let lowerName = fileName.lowercased()

        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let workbook = try XLSXReader.read(data)
            if workbook.rows.allSatisfy(isBlank) { throw .emptyFile }
            return TabularFile(
                format: .xlsx, encoding: "XLSX", delimiter: nil, lines: workbook.rows,
                date1904: workbook.date1904)
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { throw .legacyXLS }
        if lowerName.hasSuffix(".xlsx") || lowerName.hasSuffix(".xlsm") {
            throw .invalidXLSX("文件内容不是 XLSX 格式", "the content is not in XLSX format")
        }

        // Decode to UTF-8 bytes.
        let utf8: [UInt8]
        let encoding: String
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = Array(bytes[3...])
            guard String(validating: body, as: UTF8.self) != nil else {
                throw .unknownEncoding(invalidByteOffset: invalidUTF8Offset(body) + 3)
            }
            utf8 = body
            encoding = "UTF-8 BOM"
        } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            let body = Array(bytes[2...])
            do {
                utf8 = try Iconv.convert(body, from: little ? "UTF-16LE" : "UTF-16BE", to: "UTF-8")
            } catch {
                throw .unknownEncoding(invalidByteOffset: offset(of: error) + 2)
            }
            encoding = little ? "UTF-16LE" : "UTF-16BE"
        } else if let nul = bytes.firstIndex(of: 0) {
            // Text files have no NUL bytes: this is some other binary file.
            throw .unknownEncoding(invalidByteOffset: nul)
        } else if String(validating: bytes, as: UTF8.self) != nil {
            utf8 = bytes
            encoding = "UTF-8"
        } else {
            do {
                utf8 = try Iconv.convert(bytes, from: "GB18030", to: "UTF-8")
            } catch {
                throw .unknownEncoding(invalidByteOffset: offset(of: error))
            }
            encoding = "GB18030"
        }

        let (delimiter, skip) = CSVReader.detectDelimiter(utf8)
        var lines = try CSVReader.parse(utf8, delimiter: delimiter, start: skip)
        while let last = lines.last, isBlank(last) { lines.removeLast() }
        if lines.isEmpty { throw .emptyFile }
        return TabularFile(
            format: .csv, encoding: encoding, delimiter: Character(Unicode.Scalar(delimiter)),
            lines: lines)
    }

    static func isBlank(_ row: [String]) -> Bool {
        row.allSatisfy { cell in cell.unicodeScalars.allSatisfy(Normalise.isSpace) }
    }

    private static func offset(of failure: Iconv.Failure) -> Int {
        switch failure {
        case .invalidSequence(let offset): return offset
        case .unsupported: return 0
        }
    }

    /// Byte offset of the first invalid UTF-8 sequence.
    private static func invalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }
}
