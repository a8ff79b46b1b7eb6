import Foundation
import LinliDomain
import LinliExport
import LinliImport
import Testing

/// Collects what a writer hands to its sink, chunk by chunk.
final class Collector {
    var chunks: [Data] = []
    var data: Data { chunks.reduce(into: Data()) { $0.append($1) } }
    var text: String { String(decoding: data, as: UTF8.self) }
    var sink: ExportSink { ExportSink { [unowned self] chunk in self.chunks.append(chunk) } }
}

let sampleTable = ExportTable(
    name: "测试 Test",
    columns: [
        ExportColumn(key: "name", zh: "姓名", en: "Name"),
        ExportColumn(key: "note", zh: "备注", en: "Note"),
        ExportColumn(key: "minutes", zh: "分钟", en: "Minutes"),
        ExportColumn(key: "hours", zh: "小时", en: "Hours"),
        ExportColumn(key: "day", zh: "日期", en: "Date"),
        ExportColumn(key: "start", zh: "开始", en: "Start"),
        ExportColumn(key: "empty", zh: "空", en: "Empty"),
    ])

/// 2026-11-23 08:30 in Asia/Shanghai (00:30 UTC).
let mondayMorning = Date(timeIntervalSince1970: 1_795_393_800)

@Suite("CSV writer")
struct CSVWriterTests {
    @Test("UTF-8 with BOM, CRLF, RFC 4180 quoting, formulas neutralised, numbers and dates as text")
    func format() throws {
        let collector = Collector()
        let writer = CSVWriter(sink: collector.sink)
        try writer.begin(sampleTable)
        try writer.write([
            .text("王芳"), .text("说 \"你好\", 再见\n第二行"), .integer(-30), .decimal(1.5), .date(LocalDate(iso: "2026-11-23")!),
            .dateTime(mondayMorning), .empty,
        ])
        try writer.write([
            .text("=HYPERLINK(\"http://x\")"), .text("+86 138"), .integer(42), .decimal(2), .empty, .empty, .text("@x"),
        ])
        try writer.write([.text("-12"), .text("-x"), .integer(0), .decimal(0.25), .empty, .empty, .empty])
        try writer.finish()
        let data = collector.data
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        let expected =
            "姓名 (Name),备注 (Note),分钟 (Minutes),小时 (Hours),日期 (Date),开始 (Start),空 (Empty)\r\n"
            + "王芳,\"说 \"\"你好\"\", 再见\n第二行\",-30,1.5,2026-11-23,2026-11-23 08:30,\r\n"
            + "\"'=HYPERLINK(\"\"http://x\"\")\",'+86 138,42,2,,,'@x\r\n"
            + "-12,'-x,0,0.25,,,\r\n"
        #expect(text == expected)
        // Read back by the importer's CSV reader (BOM detection, quotes, embedded line break).
        let table = try TabularFile.read(data, fileName: "export.csv")
        #expect(table.encoding.lowercased().contains("utf"))
        #expect(table.lines.count == 4)
        #expect(table.lines[1][1] == "说 \"你好\", 再见\n第二行")
        #expect(table.lines[2][0] == "'=HYPERLINK(\"http://x\")")
    }

    @Test("rows stream to the sink in bounded chunks")
    func streams() throws {
        let collector = Collector()
        let writer = CSVWriter(sink: collector.sink)
        try writer.begin(sampleTable)
        for index in 0..<20_000 {
            try writer.write([.text("志愿者\(index)"), .text("x"), .integer(index), .decimal(1), .empty, .empty, .empty])
        }
        #expect(collector.chunks.count > 5, "written before finish, in pieces")
        try writer.finish()
        #expect(collector.chunks.allSatisfy { $0.count < 70_000 })
        #expect(collector.text.components(separatedBy: "\r\n").count == 20_002)
    }

    @Test("one table per file, rows only after the header and of the header's width")
    func misuse() throws {
        let writer = CSVWriter(sink: Collector().sink)
        #expect(throws: ExportError.self) { try writer.write([.empty]) }
        try writer.begin(sampleTable)
        #expect { try writer.write([.empty]) } throws: { ($0 as? ExportError)?.code == .misuse }
        #expect { try writer.begin(sampleTable) } throws: { ($0 as? ExportError)?.code == .unsupported }
    }

    @Test("a sink that fails is reported as a write failure")
    func failingSink() throws {
        struct Full: Error {}
        let writer = CSVWriter(sink: ExportSink { _ in throw Full() })
        try writer.begin(sampleTable)
        #expect { try writer.finish() } throws: { ($0 as? ExportError)?.code == .writeFailed }
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("an array of objects with typed values that JSONSerialization reads")
    func typed() throws {
        let collector = Collector()
        let writer = JSONRowsWriter(sink: collector.sink)
        try writer.begin(sampleTable)
        try writer.write([
            .text("王芳 \"芳芳\"\n\u{1}"), .text("a\\b"), .integer(90), .decimal(1.5), .date(LocalDate(iso: "2026-11-23")!),
            .dateTime(mondayMorning), .empty,
        ])
        try writer.finish()
        let rows = try #require(try JSONSerialization.jsonObject(with: collector.data) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows[0]["name"] as? String == "王芳 \"芳芳\"\n\u{1}")
        #expect(rows[0]["note"] as? String == "a\\b")
        #expect(rows[0]["minutes"] as? Int == 90)
        #expect(rows[0]["hours"] as? Double == 1.5)
        #expect(rows[0]["day"] as? String == "2026-11-23")
        #expect(rows[0]["start"] as? String == "2026-11-23T08:30:00+08:00")
        #expect(rows[0]["empty"] is NSNull)
    }

    @Test("an empty table is an empty array")
    func empty() throws {
        let collector = Collector()
        let writer = JSONRowsWriter(sink: collector.sink)
        try writer.begin(sampleTable)
        try writer.finish()
        #expect(try JSONSerialization.jsonObject(with: collector.data) as? [Any] != nil)
        #expect(collector.text == "[]\n")
    }
}
