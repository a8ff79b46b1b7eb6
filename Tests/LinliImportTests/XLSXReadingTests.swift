import Foundation
import Testing
import ZIPFoundation

@testable import LinliImport

/// Builds a small XLSX in memory, shaped like Excel writes it (shared strings, styles, relationships).
private func makeWorkbook(sheet: String, sharedStrings: [String], date1904: Bool = false) throws -> Data {
    let sst = sharedStrings.map { "<si>\($0)</si>" }.joined()
    let parts: [(String, String)] = [
        (
            "[Content_Types].xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>
            """
        ),
        (
            "_rels/.rels",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """
        ),
        (
            "xl/workbook.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr\(date1904 ? " date1904=\"1\"" : "")/>\
            <sheets><sheet name="志愿者" sheetId="2" r:id="rId7"/><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>\
            </workbook>
            """
        ),
        (
            "xl/_rels/workbook.xml.rels",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>\
            <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
            <Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """
        ),
        (
            "xl/styles.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="2"><numFmt numFmtId="176" formatCode="0.00E+00"/>\
            <numFmt numFmtId="177" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>\
            <cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>\
            <xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="49"/><xf numFmtId="177"/></cellXfs>\
            </styleSheet>
            """
        ),
        (
            "xl/sharedStrings.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\(sst)</sst>
            """
        ),
        (
            "xl/worksheets/sheet1.xml",
            """
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
            <row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>
            """
        ),
        ("xl/worksheets/sheet2.xml", sheet),
    ]
    let archive = try Archive(data: Data(), accessMode: .create)
    for (path, text) in parts {
        let bytes = Data(text.utf8)
        try archive.addEntry(
            with: path, type: .file, uncompressedSize: Int64(bytes.count),
            compressionMethod: .deflate
        ) { position, size in
            bytes.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return try #require(archive.data)
}

@Suite("XLSX reading")
struct XLSXReadingTests {
    static let strings = [
        "<t>姓名</t>", "<t>手机号</t>", "<t>证书到期</t>", "<t>出生年份</t>",
        "<r><rPr><b/></rPr><t>王</t></r><r><t xml:space=\"preserve\">芳</t></r>",  // rich text runs
        "<t>张建国</t><rPh sb=\"0\" eb=\"3\"><t>ちょう</t></rPh>",  // phonetic guide is not part of the value
        "<t>13912345678</t>",
    ]

    static let sheet = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>\
        <x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>\
        <x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c>\
        <x:c r="F1" t="inlineStr"><x:is><x:t>技能</x:t></x:is></x:c></x:row>\
        <x:row r="2"><x:c r="A2" t="s"><x:v>4</x:v></x:c><x:c r="B2"><x:v>1.3812345678E10</x:v></x:c>\
        <x:c r="C2" s="1"><x:v>46203</x:v></x:c><x:c r="D2" s="2"><x:v>1965</x:v></x:c>\
        <x:c r="F2" t="inlineStr"><x:is><x:r><x:t>急救</x:t></x:r><x:r><x:t>、护理</x:t></x:r></x:is></x:c></x:row>\
        <x:row r="4"><x:c t="s"><x:v>5</x:v></x:c><x:c s="3" t="s"><x:v>6</x:v></x:c>\
        <x:c s="4"><x:v>46203.75</x:v></x:c><x:c><x:v>1958.0</x:v></x:c>\
        <x:c r="F4" t="str"><x:f>"护"&amp;"理"</x:f><x:v>护理</x:v></x:c><x:c r="G4" t="b"><x:v>1</x:v></x:c></x:row>\
        <x:row r="5"><x:c r="A5" t="e"><x:v>#N/A</x:v></x:c><x:c r="B5"><x:v>0.30000000000000004</x:v></x:c>\
        <x:c r="C5"><x:v>-12.5</x:v></x:c></x:row>\
        <x:row r="7"/>\
        </x:sheetData></x:worksheet>
        """

    @Test func excelShapedWorkbook() throws {
        let data = try makeWorkbook(sheet: Self.sheet, sharedStrings: Self.strings)
        let file = try TabularFile.read(data, fileName: "志愿者.xlsx")
        #expect(file.format == .xlsx)
        #expect(file.encoding == "XLSX")
        #expect(file.delimiter == nil)
        #expect(
            file.lines == [
                ["姓名", "手机号", "证书到期", "出生年份", "", "技能"],
                ["王芳", "13812345678", "2026-06-30", "1965", "", "急救、护理"],
                [],
                ["张建国", "13912345678", "2026-06-30", "1958", "", "护理", "TRUE"],
                ["#N/A", "0.3", "-12.5"],
            ])
    }

    @Test func xlsxIsRecognisedByContentNotName() throws {
        let data = try makeWorkbook(sheet: Self.sheet, sharedStrings: Self.strings)
        #expect(try TabularFile.read(data, fileName: "upload.csv").format == .xlsx)
    }

    @Test func date1904Workbooks() throws {
        let sheet = """
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
            <row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>44561</v></c></row></sheetData></worksheet>
            """
        let file = try TabularFile.read(
            try makeWorkbook(sheet: sheet, sharedStrings: [], date1904: true),
            fileName: "mac.xlsx")
        #expect(file.lines == [["1904-01-01", "2026-01-01"]])
    }

    @Test func missingSharedStringIsAnError() throws {
        let sheet = """
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
            <row r="1"><c r="C3" t="s"><v>9</v></c></row></sheetData></worksheet>
            """
        let error = #expect(throws: ImportFileError.self) {
            try TabularFile.read(try makeWorkbook(sheet: sheet, sharedStrings: ["<t>x</t>"]), fileName: "a.xlsx")
        }
        #expect(error?.en == "the XLSX file cannot be read: cell C3 refers to a missing shared string")
    }

    @Test func malformedSheetXMLIsAnError() throws {
        let error = #expect(throws: ImportFileError.self) {
            try TabularFile.read(
                try makeWorkbook(sheet: "<worksheet><sheetData><row>", sharedStrings: []),
                fileName: "a.xlsx")
        }
        #expect(error?.code == .invalidXLSX)
    }

    @Test func cellReferencesAndSerials() {
        #expect(XLSXReader.cellReference("A1")?.column == 0)
        #expect(XLSXReader.cellReference("Z9")?.column == 25)
        #expect(XLSXReader.cellReference("AA10")?.column == 26)
        #expect(XLSXReader.cellReference("XFD1048576")?.column == 16383)
        #expect(XLSXReader.cellReference("XFE1") == nil)
        #expect(XLSXReader.cellReference("1A") == nil)
        #expect(XLSXReader.dateText(serial: 1, date1904: false) == "1900-01-01")
        #expect(XLSXReader.dateText(serial: 59, date1904: false) == "1900-02-28")
        #expect(XLSXReader.dateText(serial: 61, date1904: false) == "1900-03-01")
        #expect(XLSXReader.dateText(serial: 45658, date1904: false) == "2025-01-01")
        #expect(XLSXReader.numberText("1.3812345678E10") == "13812345678")
        #expect(XLSXReader.numberText("13812345678") == "13812345678")
        #expect(XLSXReader.numberText("1985.0") == "1985")
        #expect(XLSXReader.numberText("2.5") == "2.5")
        #expect(XLSXReader.unescape("急救_x000D_\n护理") == "急救\r\n护理")
        #expect(XLSXReader.unescape("a_x_b_x00zz_") == "a_x_b_x00zz_")
    }

    @Test func openpyxlResidentsFixture() throws {
        let file = try TabularFile.read(try fixture("residents.xlsx"), fileName: "residents.xlsx")
        #expect(file.lines.count == 6)
        #expect(file.lines[0] == ["幸福里社区独居老人名单（2025年）"])
        #expect(
            file.lines[2] == [
                "R001", "刘桂英", "女", "1938-05-12", "幸福里1号楼2单元301", "一网格", "13812345678",
                "王强（儿子）", "13987654321", "是", "TRUE", "助餐、助浴", "右腿不便，需两人助浴",
            ])
        // Empty cells keep their position.
        #expect(
            file.lines[3] == [
                "R002", "陈秀兰", "女", "1942-11-03", "幸福里3号楼101", "二网格", "", "", "", "Y",
                "否", "陪聊",
            ])
        #expect(file.lines[4] == [])
        #expect(file.lines[5].first == "1003")
    }
}
