import Foundation
import LinliDomain
import ZIPFoundation

/// Writes an Office Open XML workbook (.xlsx) that Excel, WPS and LibreOffice open: one
/// worksheet per table, a bold frozen header row, column widths, numbers as numbers, dates
/// and date-times as real spreadsheet dates, text as inline strings (never formulas).
///
/// Each worksheet's XML is written row by row to a temporary file; `finish` zips the parts
/// into `destination` (ZIPFoundation, deflate) and removes the temporary files, so memory stays
/// bounded whatever the number of rows. The few XML parts are written by hand because no
/// maintained Swift library writes XLSX as a stream.
public final class XLSXWriter: TableWriter {
    /// Excel's limits.
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384
    static let maxTextLength = 32_767

    private let destination: URL
    private let timeZone: TimeZone
    private let workDirectory: URL
    private var sheets: [(name: String, file: URL)] = []
    private var current: FileHandle?
    private var output: BufferedOutput?
    private var columnCount = 0
    private var rowCount = 0
    private var finished = false

    /// The workbook is written to `destination` (replaced if it exists) by `finish`.
    public init(destination: URL, timeZone: TimeZone = .shanghai) throws(ExportError) {
        self.destination = destination
        self.timeZone = timeZone
        workDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("linli-xlsx-\(UUID().uuidString.lowercased())", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        } catch {
            throw ExportError.writeFailed(error)
        }
    }

    deinit {
        try? current?.close()
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Starts a new worksheet named after the table, with its header row.
    public func begin(_ table: ExportTable) throws(ExportError) {
        guard !finished else { throw ExportError(code: .misuse, zh: "工作簿已写完", en: "the workbook is finished") }
        guard table.columns.count <= Self.maxColumns else {
            throw ExportError(
                code: .tooLarge, zh: "列数超过 XLSX 上限 \(Self.maxColumns)",
                en: "more columns than XLSX holds (\(Self.maxColumns))")
        }
        try closeSheet()
        let file = workDirectory.appendingPathComponent("sheet\(sheets.count + 1).xml")
        let handle: FileHandle
        do {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
            }
            handle = try FileHandle(forWritingTo: file)
        } catch {
            throw ExportError.writeFailed(error)
        }
        sheets.append((Self.sheetName(table.name, taken: sheets.map(\.name)), file))
        current = handle
        let output = BufferedOutput(.fileHandle(handle))
        self.output = output
        columnCount = table.columns.count
        rowCount = 0
        var head = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
            <worksheet xmlns="\(Self.mainNamespace)" xmlns:r="\(Self.relationshipNamespace)">\
            <sheetViews><sheetView workbookViewId="0">\
            <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/>
            """
        if !table.columns.isEmpty {
            head += "<cols>"
            for (index, column) in table.columns.enumerated() {
                let width = String(format: "%.1f", min(max(column.width, 2), 255))
                head += "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
            }
            head += "</cols>"
        }
        head += "<sheetData>"
        try output.append(head)
        try appendRow(table.columns.map { ExportCell.text($0.title) }, style: Style.header)
    }

    public func write(_ row: [ExportCell]) throws(ExportError) {
        guard output != nil, !finished else {
            throw ExportError(code: .misuse, zh: "写入行之前需先开始一张表", en: "begin a table before writing rows")
        }
        guard row.count == columnCount else {
            throw ExportError(
                code: .misuse, zh: "该行有 \(row.count) 个单元格，表头有 \(columnCount) 列",
                en: "the row has \(row.count) cells for \(columnCount) columns")
        }
        guard rowCount < Self.maxRows else {
            throw ExportError(
                code: .tooLarge, zh: "行数超过 XLSX 上限 \(Self.maxRows)，请缩短时间范围或改用 CSV",
                en: "more rows than XLSX holds (\(Self.maxRows)); export a shorter period or use CSV")
        }
        try appendRow(row, style: nil)
    }

    /// Zips the workbook into `destination`. A workbook needs at least one worksheet.
    public func finish() throws(ExportError) {
        guard !finished else { return }
        guard !sheets.isEmpty else {
            throw ExportError(code: .misuse, zh: "工作簿至少需要一张表", en: "a workbook needs at least one table")
        }
        try closeSheet()
        finished = true
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).partial")
        do {
            let archive = try Archive(url: partial, accessMode: .create)
            for (path, text) in packageParts() {
                let data = Data(text.utf8)
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                    provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
            }
            for (index, sheet) in sheets.enumerated() {
                try archive.addEntry(
                    with: "xl/worksheets/sheet\(index + 1).xml", fileURL: sheet.file, compressionMethod: .deflate)
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ExportError.writeFailed(error)
        }
        guard rename(partial.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: partial)
            throw ExportError(
                code: .writeFailed, zh: "无法写入 \(destination.path)：\(reason)",
                en: "cannot write \(destination.path): \(reason)")
        }
        try? FileManager.default.removeItem(at: workDirectory)
    }

    // MARK: - Worksheet XML

    private enum Style {
        static let header = 1
        static let date = 2
        static let dateTime = 3
        /// Text a spreadsheet could read as a formula, shown and kept as text (`quotePrefix`).
        static let quoted = 4
    }

    private func appendRow(_ cells: [ExportCell], style: Int?) throws(ExportError) {
        guard let output else { return }
        rowCount += 1
        var xml = "<row r=\"\(rowCount)\">"
        for (index, cell) in cells.enumerated() {
            let reference = Self.columnName(index) + String(rowCount)
            let styleAttribute = style.map { " s=\"\($0)\"" } ?? ""
            switch cell {
            case .empty:
                if style != nil { xml += "<c r=\"\(reference)\"\(styleAttribute)/>" }
            case .text(let text):
                var value = Self.xmlText(text)
                if value.count > Self.maxTextLength { value = String(value.prefix(Self.maxTextLength - 1)) + "…" }
                let space = value.first?.isWhitespace == true || value.last?.isWhitespace == true ? " xml:space=\"preserve\"" : ""
                let textStyle =
                    style == nil && SpreadsheetSafety.mayRunAsFormula(text) ? " s=\"\(Style.quoted)\"" : styleAttribute
                xml += "<c r=\"\(reference)\"\(textStyle) t=\"inlineStr\"><is><t\(space)>\(value)</t></is></c>"
            case .integer(let value):
                xml += "<c r=\"\(reference)\"\(styleAttribute)><v>\(value)</v></c>"
            case .decimal(let value):
                if value.isFinite { xml += "<c r=\"\(reference)\"\(styleAttribute)><v>\(value)</v></c>" }
            case .date(let day):
                let serial = Int(day.startOfDay(in: .gmt).timeIntervalSince1970 / 86_400) + Self.unixEpochSerial
                xml += "<c r=\"\(reference)\" s=\"\(style ?? Style.date)\"><v>\(serial)</v></c>"
            case .dateTime(let instant):
                // Whole seconds of local time, as a fraction of a day after Excel's day 0.
                let local = instant.timeIntervalSince1970.rounded() + Double(timeZone.secondsFromGMT(for: instant))
                let serial = local / 86_400 + Double(Self.unixEpochSerial)
                xml += "<c r=\"\(reference)\" s=\"\(style ?? Style.dateTime)\"><v>\(serial)</v></c>"
            }
        }
        xml += "</row>"
        try output.append(xml)
    }

    private func closeSheet() throws(ExportError) {
        guard let output, let current else { return }
        try output.append("</sheetData></worksheet>")
        try output.flush()
        do {
            try current.close()
        } catch {
            throw ExportError.writeFailed(error)
        }
        self.output = nil
        self.current = nil
    }

    /// Excel's serial day of 1970-01-01 (day 0 is 1899-12-30).
    static let unixEpochSerial = 25_569

    /// A, B, … Z, AA, AB … for a zero-based column index.
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Text escaped for XML, without the control characters XML 1.0 cannot hold.
    static func xmlText(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A valid, unique worksheet name: no `[]:*?/\`, at most 31 characters, not empty.
    static func sheetName(_ wanted: String, taken: [String]) -> String {
        let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]
        var base = String(wanted.filter { !forbidden.contains($0) }.prefix(31))
            .trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        if base.isEmpty { base = "Sheet" }
        var name = base
        var number = 2
        while taken.contains(where: { $0.lowercased() == name.lowercased() }) {
            let suffix = " (\(number))"
            name = String(base.prefix(31 - suffix.count)) + suffix
            number += 1
        }
        return name
    }

    // MARK: - Package parts

    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"

    /// Every part but the worksheets, by path in the package.
    private func packageParts() -> [(String, String)] {
        let sheetOverrides = sheets.indices.map { index in
            "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        let contentTypes =
            Self.declaration
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + sheetOverrides
            + "<Override PartName=\"/xl/styles.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "<Override PartName=\"/docProps/core.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
            + "<Override PartName=\"/docProps/app.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
            + "</Types>"
        let rootRelationships =
            Self.declaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" Type=\"\(Self.relationshipNamespace)/officeDocument\" Target=\"xl/workbook.xml\"/>"
            + "<Relationship Id=\"rId2\" "
            + "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" "
            + "Target=\"docProps/core.xml\"/>"
            + "<Relationship Id=\"rId3\" Type=\"\(Self.relationshipNamespace)/extended-properties\" "
            + "Target=\"docProps/app.xml\"/>"
            + "</Relationships>"
        let sheetList = sheets.enumerated().map { index, sheet in
            "<sheet name=\"\(Self.xmlText(sheet.name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }.joined()
        let workbook =
            Self.declaration
            + "<workbook xmlns=\"\(Self.mainNamespace)\" xmlns:r=\"\(Self.relationshipNamespace)\">"
            + "<bookViews><workbookView/></bookViews><sheets>\(sheetList)</sheets></workbook>"
        let sheetRelationships = sheets.indices.map { index in
            "<Relationship Id=\"rId\(index + 1)\" Type=\"\(Self.relationshipNamespace)/worksheet\" "
                + "Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }.joined()
        let workbookRelationships =
            Self.declaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + sheetRelationships
            + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(Self.relationshipNamespace)/styles\" "
            + "Target=\"styles.xml\"/>"
            + "</Relationships>"
        let created = CellText.iso8601(Date(), in: .gmt).replacingOccurrences(of: "+00:00", with: "Z")
        let core =
            Self.declaration
            + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
            + "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
            + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
            + "<dc:creator>邻里 Linli</dc:creator>"
            + "<dcterms:created xsi:type=\"dcterms:W3CDTF\">\(created)</dcterms:created>"
            + "</cp:coreProperties>"
        let app =
            Self.declaration
            + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
            + "<Application>Linli</Application></Properties>"
        return [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", rootRelationships),
            ("docProps/core.xml", core),
            ("docProps/app.xml", app),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", Self.styles),
        ]
    }

    /// Cell formats: 0 normal, 1 bold header, 2 date, 3 date and time.
    static let styles =
        declaration
        + "<styleSheet xmlns=\"\(mainNamespace)\">"
        + "<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"
        + "<numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd hh:mm\"/></numFmts>"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
        + "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"5\">"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" quotePrefix=\"1\"/>"
        + "</cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"
}
