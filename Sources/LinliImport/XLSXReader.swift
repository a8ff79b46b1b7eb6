import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the first worksheet of an XLSX workbook into rows of strings.
///
/// Shared strings, inline strings, numbers (written back as plain digits: `1.3812345678E10` becomes
/// `13812345678`), booleans, formula results, and cells formatted as dates (written as `yyyy-MM-dd`).
/// Cells keep their column position; rows keep their sheet row number (index 0 is row 1).
enum XLSXReader {
    /// Largest uncompressed part read (guards against zip bombs).
    static let maxPartBytes = 200 * 1024 * 1024
    /// Largest row / column accepted (Excel's own limits).
    static let maxRow = 1_048_576
    static let maxColumn = 16_384

    struct Workbook {
        var rows: [[String]]
        var date1904: Bool
    }

    static func read(_ data: Data) throws(ImportFileError) -> Workbook {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw .invalidXLSX("不是有效的 ZIP 压缩包", "it is not a valid ZIP archive")
        }

        // Locate the workbook part through the package relationships, falling back to the usual path.
        var workbookPath = "xl/workbook.xml"
        if let rootRels = try part(archive, "_rels/.rels") {
            let rels = RelationshipsParser.parse(rootRels)
            if let office = rels.first(where: { $0.type.hasSuffix("/officeDocument") }) {
                workbookPath = resolve(office.target, relativeTo: "")
            }
        }
        guard let workbookXML = try part(archive, workbookPath) else {
            throw .invalidXLSX("缺少工作簿（\(workbookPath)）", "the workbook part (\(workbookPath)) is missing")
        }
        let workbook = WorkbookParser.parse(workbookXML)
        let baseFolder = folder(of: workbookPath)
        let relsPath = baseFolder + "_rels/" + fileName(of: workbookPath) + ".rels"
        let rels = (try part(archive, relsPath)).map(RelationshipsParser.parse) ?? []

        var sheetPath = baseFolder + "worksheets/sheet1.xml"
        if let firstSheet = workbook.firstSheetRelationshipID,
            let rel = rels.first(where: { $0.id == firstSheet })
        {
            sheetPath = resolve(rel.target, relativeTo: baseFolder)
        }
        let sharedPath =
            rels.first(where: { $0.type.hasSuffix("/sharedStrings") })
            .map { resolve($0.target, relativeTo: baseFolder) } ?? baseFolder + "sharedStrings.xml"
        let stylesPath =
            rels.first(where: { $0.type.hasSuffix("/styles") })
            .map { resolve($0.target, relativeTo: baseFolder) } ?? baseFolder + "styles.xml"

        let sharedStrings = (try part(archive, sharedPath)).map(SharedStringsParser.parse) ?? []
        let dateStyles = (try part(archive, stylesPath)).map(StylesParser.parse) ?? []

        guard let sheetXML = try part(archive, sheetPath) else {
            throw .invalidXLSX("找不到第一个工作表（\(sheetPath)）", "the first worksheet (\(sheetPath)) is missing")
        }
        let sheet = SheetParser(sharedStrings: sharedStrings, dateStyles: dateStyles, date1904: workbook.date1904)
        let rows = try sheet.parse(sheetXML)
        return Workbook(rows: rows, date1904: workbook.date1904)
    }

    /// The uncompressed bytes of one part of the package, or nil if there is none.
    private static func part(_ archive: Archive, _ path: String) throws(ImportFileError) -> Data? {
        guard let entry = archive[path] ?? archive.first(where: { $0.path.lowercased() == path.lowercased() })
        else { return nil }
        if entry.uncompressedSize > UInt64(maxPartBytes) {
            throw .tooLarge(
                "\(path) 解压后超过 \(maxPartBytes / 1_048_576) MB",
                "\(path) is larger than \(maxPartBytes / 1_048_576) MB uncompressed")
        }
        var out = Data()
        out.reserveCapacity(Int(entry.uncompressedSize))
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                out.append(chunk)
                if out.count > maxPartBytes { throw ArchiveTooLarge() }
            }
        } catch is ArchiveTooLarge {
            throw .tooLarge(
                "\(path) 解压后超过 \(maxPartBytes / 1_048_576) MB",
                "\(path) is larger than \(maxPartBytes / 1_048_576) MB uncompressed")
        } catch {
            throw .invalidXLSX("\(path) 已损坏", "\(path) is damaged")
        }
        return out
    }

    private struct ArchiveTooLarge: Error {}

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    private static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Resolves a relationship target ("worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml", "../x.xml").
    static func resolve(_ target: String, relativeTo base: String) -> String {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : base + target
        var parts: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { _ = parts.popLast(); continue }
            parts.append(component)
        }
        return parts.joined(separator: "/")
    }

    // MARK: - Cell values

    /// Column index (0-based) and row number (1-based) of a reference such as "AB12".
    static func cellReference(_ reference: String) -> (column: Int, row: Int)? {
        var column = 0
        var row = 0
        var sawLetter = false
        var sawDigit = false
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard !sawDigit else { return nil }
                column = column * 26 + Int((byte & 0xDF) - UInt8(ascii: "A") + 1)
                if column > maxColumn { return nil }
                sawLetter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                if row > maxRow { return nil }
                sawDigit = true
            case UInt8(ascii: "$"):
                continue
            default:
                return nil
            }
        }
        guard sawLetter else { return nil }
        return (column - 1, sawDigit ? row : 0)
    }

    /// A stored number as text a person would type: integers without exponent or ".0"
    /// (`1.3812345678E10` → `13812345678`, `1985.0` → `1985`), other numbers as Decimal prints them.
    static func numberText(_ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return "" }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "-") }) {
            return text
        }
        guard let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return text }
        // Excel keeps 15 significant digits; round away binary noise such as 0.30000000000000004.
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 10, .plain)
        if abs(NSDecimalNumber(decimal: rounded - decimal).doubleValue) < 1e-9 { value = rounded }
        return NSDecimalNumber(decimal: value).stringValue
    }

    /// Decodes Excel's `_xHHHH_` escapes for characters XML cannot hold (`_x000D_` is a carriage return).
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "_x") {
            out += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            let hex = after.prefix(4)
            if hex.count == 4, after.dropFirst(4).first == "_", let code = UInt32(hex, radix: 16),
                let scalar = Unicode.Scalar(code)
            {
                out.unicodeScalars.append(scalar)
                rest = after.dropFirst(5)
            } else {
                out += "_x"
                rest = after
            }
        }
        out += rest
        return out
    }

    /// Excel serial day number to a proleptic Gregorian date, "yyyy-MM-dd".
    static func dateText(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        if date1904 {
            days += 1462
        } else if days < 60 {
            days += 1  // Excel's fictitious 1900-02-29 (serial 60) shifts everything before it.
        }
        guard days >= 1 else { return nil }
        // Days since 1899-12-30 → civil date (Howard Hinnant's algorithm on days since 1970-01-01).
        let sinceEpoch = days - 25569
        let date = ImportDate(daysSince1970: sinceEpoch)
        return date.description
    }
}

// MARK: - XML part parsers

/// Strips a namespace prefix ("x:row" → "row").
private func localName(_ name: String) -> Substring {
    guard let colon = name.lastIndex(of: ":") else { return Substring(name) }
    return name[name.index(after: colon)...]
}

private final class RelationshipsParser: NSObject, XMLParserDelegate {
    struct Relationship { let id: String; let type: String; let target: String }
    private var relationships: [Relationship] = []

    static func parse(_ data: Data) -> [Relationship] {
        let delegate = RelationshipsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.relationships
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        guard localName(elementName) == "Relationship",
            let id = attributeDict["Id"], let target = attributeDict["Target"]
        else { return }
        if attributeDict["TargetMode"] == "External" { return }
        relationships.append(Relationship(id: id, type: attributeDict["Type"] ?? "", target: target))
    }
}

private final class WorkbookParser: NSObject, XMLParserDelegate {
    var firstSheetRelationshipID: String?
    var date1904 = false

    static func parse(_ data: Data) -> WorkbookParser {
        let delegate = WorkbookParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        switch localName(elementName) {
        case "workbookPr":
            let flag = attributeDict["date1904"]?.lowercased()
            date1904 = flag == "1" || flag == "true"
        case "sheet":
            guard firstSheetRelationshipID == nil else { return }
            firstSheetRelationshipID = attributeDict.first(where: { localName($0.key) == "id" })?.value
        default:
            break
        }
    }
}

private final class SharedStringsParser: NSObject, XMLParserDelegate {
    private var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var phoneticDepth = 0

    static func parse(_ data: Data) -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.strings
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        switch localName(elementName) {
        case "si": inItem = true; current = ""
        case "rPh": phoneticDepth += 1  // phonetic guide text is not part of the value
        case "t": inText = inItem && phoneticDepth == 0
        default: break
        }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        switch localName(elementName) {
        case "si": strings.append(XLSXReader.unescape(current)); inItem = false
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}

/// Which cell styles (index into cellXfs) show a date.
private final class StylesParser: NSObject, XMLParserDelegate {
    private var customFormats: [Int: String] = [:]
    private var styleFormatIDs: [Int] = []
    private var inCellXfs = false

    static func parse(_ data: Data) -> Set<Int> {
        let delegate = StylesParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        var result = Set<Int>()
        for (index, formatID) in delegate.styleFormatIDs.enumerated()
        where isDateFormat(formatID, code: delegate.customFormats[formatID]) {
            result.insert(index)
        }
        return result
    }

    /// Built-in date formats (including the zh-CN ones 27–36 and 50–58) and custom codes with y/m/d
    /// outside quoted text, brackets and escapes. Time-only formats are not dates.
    static func isDateFormat(_ id: Int, code: String?) -> Bool {
        if let code {
            var inQuote = false
            var inBracket = false
            var escaped = false
            var hasDatePart = false
            for character in code.lowercased() {
                if escaped { escaped = false; continue }
                switch character {
                case "\\": escaped = true
                case "\"": inQuote.toggle()
                case "[" where !inQuote: inBracket = true
                case "]" where !inQuote: inBracket = false
                case "y", "d", "年", "月", "日":
                    if !inQuote && !inBracket { hasDatePart = true }
                default: break
                }
            }
            return hasDatePart
        }
        switch id {
        case 14...17, 22, 27...31, 34...36, 50...58: return true
        default: return false
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        switch localName(elementName) {
        case "numFmt":
            if let id = attributeDict["numFmtId"].flatMap({ Int($0) }), let code = attributeDict["formatCode"] {
                customFormats[id] = code
            }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs:
            styleFormatIDs.append(attributeDict["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        if localName(elementName) == "cellXfs" { inCellXfs = false }
    }
}

private final class SheetParser: NSObject, XMLParserDelegate {
    private let sharedStrings: [String]
    private let dateStyles: Set<Int>
    private let date1904: Bool

    private var rows: [[String]] = []
    private var currentRow: [String] = []
    private var currentRowNumber = 0
    private var inRow = false

    private var cellColumn = -1
    private var cellType = ""
    private var cellStyle = 0
    private var cellReference = ""
    private var value = ""
    private var inlineText = ""
    private var capture: Capture = .none
    private var phoneticDepth = 0
    private var failure: ImportFileError?
    private var depth = 0

    private enum Capture { case none, value, inlineText }

    init(sharedStrings: [String], dateStyles: Set<Int>, date1904: Bool) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.date1904 = date1904
    }

    func parse(_ data: Data) throws(ImportFileError) -> [[String]] {
        let parser = XMLParser(data: data)
        parser.delegate = self
        let ok = parser.parse()
        if let failure { throw failure }
        // Some XMLParser builds accept a truncated document: check that every element was closed.
        if !ok || parser.parserError != nil || depth != 0 {
            throw .invalidXLSX(
                "工作表 XML 格式错误（第 \(parser.lineNumber) 行）",
                "the worksheet XML is malformed (line \(parser.lineNumber))")
        }
        // Drop trailing empty rows and trailing empty cells.
        while let last = rows.last, last.allSatisfy({ $0.isEmpty }) { rows.removeLast() }
        return rows
    }

    private func fail(_ error: ImportFileError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        depth += 1
        switch localName(elementName) {
        case "row":
            inRow = true
            currentRow = []
            if let r = attributeDict["r"] {
                guard let number = Int(r), number >= 1, number <= XLSXReader.maxRow, number > rows.count else {
                    fail(.invalidXLSX("行号「\(r)」无效", "row number '\(r)' is invalid"), parser)
                    return
                }
                currentRowNumber = number
            } else {
                currentRowNumber = rows.count + 1
            }
            cellColumn = -1
        case "c":
            cellType = attributeDict["t"] ?? "n"
            cellStyle = attributeDict["s"].flatMap { Int($0) } ?? 0
            cellReference = attributeDict["r"] ?? ""
            if !cellReference.isEmpty {
                guard let reference = XLSXReader.cellReference(cellReference) else {
                    fail(
                        .invalidXLSX("单元格引用「\(cellReference)」无效", "cell reference '\(cellReference)' is invalid"),
                        parser)
                    return
                }
                cellColumn = reference.column
            } else {
                cellColumn += 1
            }
            value = ""
            inlineText = ""
        case "v": capture = .value
        case "rPh": phoneticDepth += 1
        case "t" where cellType == "inlineStr" && phoneticDepth == 0: capture = .inlineText
        default: break
        }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        depth -= 1
        switch localName(elementName) {
        case "v", "t": capture = .none
        case "rPh": phoneticDepth -= 1
        case "c": endCell(parser)
        case "row":
            while rows.count < currentRowNumber - 1 { rows.append([]) }
            while let last = currentRow.last, last.isEmpty { currentRow.removeLast() }
            rows.append(currentRow)
            inRow = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        switch capture {
        case .none: break
        case .value: value += string
        case .inlineText: inlineText += string
        }
    }

    private func endCell(_ parser: XMLParser) {
        guard inRow, cellColumn >= 0, cellColumn < XLSXReader.maxColumn else { return }
        let text: String
        switch cellType {
        case "s":
            if value.isEmpty { return }
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), sharedStrings.indices.contains(index)
            else {
                fail(
                    .invalidXLSX(
                        "单元格 \(cellReference) 引用了不存在的共享字符串",
                        "cell \(cellReference) refers to a missing shared string"), parser)
                return
            }
            text = sharedStrings[index]
        case "inlineStr":
            text = XLSXReader.unescape(inlineText)
        case "str", "e":
            text = value
        case "b":
            text = value == "1" ? "TRUE" : (value == "0" ? "FALSE" : value)
        case "d":
            text = String(value.prefix(10))
        default:
            if dateStyles.contains(cellStyle), let serial = Double(value),
                let date = XLSXReader.dateText(serial: serial, date1904: date1904)
            {
                text = date
            } else {
                text = XLSXReader.numberText(value)
            }
        }
        if text.isEmpty { return }
        if currentRow.count <= cellColumn {
            currentRow.append(contentsOf: repeatElement("", count: cellColumn - currentRow.count + 1))
        }
        currentRow[cellColumn] = text
    }
}
