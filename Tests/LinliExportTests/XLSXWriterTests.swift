import Foundation
import LinliDomain
import LinliExport
import LinliImport
import LinliTestSupport
import Testing
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A temporary folder removed after the test.
func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-export-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

/// Writes a two-sheet workbook with every kind of cell.
func writeSampleWorkbook(to file: URL) throws {
    let writer = try XLSXWriter(destination: file)
    try writer.begin(sampleTable)
    try writer.write([
        .text("王芳 <&> \"引号\""), .text("  两端空格  "), .integer(90), .decimal(1.5), .date(LocalDate(mondayMorning, in: .shanghai)),
        .dateTime(mondayMorning), .empty,
    ])
    try writer.write([.text("=1+1"), .text("控制\u{1}字符"), .integer(-30), .decimal(0.25), .empty, .empty, .empty])
    try writer.begin(ExportTable(name: "第二张: [表]/?", columns: [ExportColumn(key: "n", zh: "序", en: "N")]))
    for index in 1...3 { try writer.write([.integer(index)]) }
    try writer.finish()
}

@Suite("XLSX writer")
struct XLSXWriterTests {
    @Test("the package holds the Office Open XML parts, each well-formed XML")
    func wellFormed() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("sample.xlsx")
            try writeSampleWorkbook(to: file)
            let archive = try Archive(url: file, accessMode: .read)
            let paths = Set(archive.map(\.path))
            #expect(
                paths.isSuperset(of: [
                    "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                    "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                ]))
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                let parser = XMLParser(data: data)
                #expect(parser.parse(), "\(entry.path) is not well-formed: \(String(describing: parser.parserError))")
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(leftovers == ["sample.xlsx"], "no partial file left behind")
        }
    }

    @Test("the importer's XLSX reader reads back text, numbers and dates")
    func readBack() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("sample.xlsx")
            try writeSampleWorkbook(to: file)
            let table = try TabularFile.read(try Data(contentsOf: file), fileName: "sample.xlsx")
            #expect(table.header.first == "姓名 (Name)")
            #expect(table.rows[0][0] == "王芳 <&> \"引号\"")
            #expect(table.rows[0][1] == "  两端空格  ")
            #expect(table.rows[0][2] == "90")
            #expect(table.rows[0][4] == "2026-11-23")
            #expect(table.rows[1][0] == "=1+1", "an inline string, never a formula")
            #expect(table.rows[1][1] == "控制字符", "characters XML cannot hold are dropped")
        }
    }

    @Test(
        "openpyxl opens it: bold frozen header, widths, numbers as numbers, dates as dates",
        .enabled(if: !PythonValidator.isSkipped, "deploy/test.sh could not pip install openpyxl (offline?)"))
    func openpyxl() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("sample.xlsx")
            try writeSampleWorkbook(to: file)
            let result = try PythonValidator.openpyxl(file)
            let sheets = try #require(result["sheets"] as? [[String: Any]])
            #expect(sheets.map { $0["title"] as? String } == ["测试 Test", "第二张 表"])
            let first = sheets[0]
            #expect((first["header_bold"] as? [Bool])?.allSatisfy { $0 } == true)
            #expect(first["freeze"] as? String == "A2")
            #expect((first["widths"] as? [String: Double])?["A"] == 12)
            let rows = try #require(first["rows"] as? [[[Any]]])
            #expect(rows.count == 3)
            #expect(rows[1][0][1] as? String == "王芳 <&> \"引号\"")
            #expect(rows[1][2][0] as? String == "int" && rows[1][2][1] as? Int == 90)
            #expect(rows[1][3][0] as? String == "float" && rows[1][3][1] as? Double == 1.5)
            #expect(rows[1][4][0] as? String == "datetime" && rows[1][4][1] as? String == "2026-11-23T00:00:00")
            #expect(rows[1][5][0] as? String == "datetime" && rows[1][5][1] as? String == "2026-11-23T08:30:00")
            #expect(rows[2][0][0] as? String == "str" && rows[2][0][1] as? String == "=1+1", "=1+1 stays text, unchanged")
            #expect(first["quoted"] as? [String] == ["A3"], "=1+1 alone is marked quotePrefix, so editing it keeps it text")
            let second = try #require(sheets[1]["rows"] as? [[[Any]]])
            #expect(second.count == 4)
        }
    }

    @Test("cell references run A … Z, AA, AB; rows need their table; a workbook needs a sheet")
    func details() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("wide.xlsx")
            let writer = try XLSXWriter(destination: file)
            #expect { try writer.write([.empty]) } throws: { ($0 as? ExportError)?.code == .misuse }
            #expect { try writer.finish() } throws: { ($0 as? ExportError)?.code == .misuse }
            let columns = (0..<28).map { ExportColumn(key: "c\($0)", zh: "列\($0)", en: "C\($0)") }
            try writer.begin(ExportTable(name: "wide", columns: columns))
            #expect { try writer.write([.empty]) } throws: { ($0 as? ExportError)?.code == .misuse }
            try writer.write((0..<28).map { .integer($0) })
            try writer.finish()
            let archive = try Archive(url: file, accessMode: .read)
            let entry = try #require(archive["xl/worksheets/sheet1.xml"])
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            let xml = String(decoding: data, as: UTF8.self)
            for reference in ["A2", "Z2", "AA2", "AB2"] { #expect(xml.contains("r=\"\(reference)\"")) }
            #expect(!xml.contains("r=\"AC2\""))
        }
    }
}
