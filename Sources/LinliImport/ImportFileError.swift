/// A file that cannot be read as a table at all, with a message in zh-CN and English.
///
/// Problems inside individual rows are not errors: they are `ImportIssue`s in the report.
public struct ImportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for code and tests.
    public enum Code: String, Sendable, Equatable {
        case emptyFile
        case unknownEncoding
        case legacyXLS
        case invalidXLSX
        case unclosedQuote
        case tooLarge
    }

    public let code: Code
    /// 1-based row as a spreadsheet shows it, when the problem is in one row.
    public let row: Int?
    /// Message in Simplified Chinese.
    public let zh: String
    /// Message in English.
    public let en: String

    public var description: String { en }

    static let emptyFile = ImportFileError(
        code: .emptyFile, row: nil,
        zh: "文件是空的",
        en: "the file is empty")

    static func unknownEncoding(invalidByteOffset offset: Int) -> ImportFileError {
        ImportFileError(
            code: .unknownEncoding, row: nil,
            zh: "文件不是 UTF-8、GB18030 编码的 CSV，也不是 XLSX 文件（第 \(offset) 字节处无法识别）",
            en: "the file is not UTF-8, GB18030 or XLSX (unreadable bytes at byte offset \(offset))")
    }

    static let legacyXLS = ImportFileError(
        code: .legacyXLS, row: nil,
        zh: "不支持旧版 Excel 97-2003（.xls）文件，请另存为 .xlsx 或 CSV 后再导入",
        en: "old Excel 97-2003 (.xls) files are not supported; save the sheet as .xlsx or CSV and import that")

    static func invalidXLSX(_ zhDetail: String, _ enDetail: String) -> ImportFileError {
        ImportFileError(
            code: .invalidXLSX, row: nil,
            zh: "XLSX 文件无法读取：\(zhDetail)",
            en: "the XLSX file cannot be read: \(enDetail)")
    }

    static func unclosedQuote(row: Int) -> ImportFileError {
        ImportFileError(
            code: .unclosedQuote, row: row,
            zh: "第\(row)行：引号没有闭合（以 \" 开头的单元格缺少结尾的 \"）",
            en: "row \(row): unclosed quote (a cell that starts with \" has no closing \")")
    }

    static func tooLarge(_ zhWhat: String, _ enWhat: String) -> ImportFileError {
        ImportFileError(
            code: .tooLarge, row: nil,
            zh: "文件过大：\(zhWhat)",
            en: "the file is too large: \(enWhat)")
    }
}
