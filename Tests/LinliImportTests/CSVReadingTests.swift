import Foundation
import Testing

@testable import LinliImport

@Suite("CSV reading")
struct CSVReadingTests {
    @Test func quotedFieldsDoubledQuotesAndNewlinesInsideQuotes() throws {
        let file = try csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\"\r\n1,,3\r\n")
        #expect(file.format == .csv)
        #expect(file.encoding == "UTF-8")
        #expect(file.delimiter == ",")
        #expect(file.lines == [["a", "b", "c"], ["x, y", "say \"hi\"", "line1\r\nline2"], ["1", "", "3"]])
        #expect(file.header == ["a", "b", "c"])
        #expect(file.rows.count == 2)
    }

    @Test func lfAndCrLineEndsAndTrailingLinesIgnored() throws {
        #expect(try csv("a,b\nc,d\n").lines == [["a", "b"], ["c", "d"]])
        #expect(try csv("a,b\rc,d").lines == [["a", "b"], ["c", "d"]])
        #expect(try csv("a,b\r\nc,d\r\n\r\n\r\n").lines == [["a", "b"], ["c", "d"]])
        #expect(try csv("a,b\n\nc,d").lines == [["a", "b"], [""], ["c", "d"]])  // blank row kept: row numbers
        #expect(try csv("a,\n,b,").lines == [["a", ""], ["", "b", ""]])
    }

    @Test func excelStyleLeniency() throws {
        // Text after a closing quote is kept; a quote inside an unquoted cell is a character.
        #expect(try csv("\"ab\"cd,e\"f\n").lines == [["abcd", "e\"f"]])
    }

    @Test func delimiterDetection() throws {
        let semicolon = try csv("姓名;手机\n王芳;13812345678\n")
        #expect(semicolon.delimiter == ";")
        #expect(semicolon.lines == [["姓名", "手机"], ["王芳", "13812345678"]])
        let tab = try csv("姓名\t手机\t备注\n王芳\t13812345678\t\"a;b\"\n")
        #expect(tab.delimiter == "\t")
        #expect(tab.lines[1] == ["王芳", "13812345678", "a;b"])
        // A comma in the header wins even if there are semicolons.
        #expect(try csv("a;x,b\n1,2\n").delimiter == ",")
        // Excel's sep= hint line.
        let hinted = try csv("sep=;\r\na,b;c\r\n")
        #expect(hinted.delimiter == ";")
        #expect(hinted.lines == [["a,b", "c"]])
    }

    @Test func unclosedQuoteNamesTheRow() throws {
        let error = #expect(throws: ImportFileError.self) {
            try csv("姓名,手机\n王芳,1\n张三,2\n李四,3\n\"赵六,13812345678\n钱七,5\n")
        }
        #expect(error?.code == .unclosedQuote)
        #expect(error?.row == 5)
        #expect(error?.en == "row 5: unclosed quote (a cell that starts with \" has no closing \")")
        #expect(error?.zh == "第5行：引号没有闭合（以 \" 开头的单元格缺少结尾的 \"）")
    }

    @Test func utf8WithAndWithoutBOMAndGB18030FixturesReadTheSame() throws {
        let plain = try TabularFile.read(try fixture("volunteers_utf8.csv"), fileName: "volunteers_utf8.csv")
        let bom = try TabularFile.read(try fixture("volunteers_utf8_bom.csv"), fileName: "v.csv")
        let gb = try TabularFile.read(try fixture("volunteers_gb18030.csv"), fileName: "v.csv")
        #expect(plain.encoding == "UTF-8")
        #expect(bom.encoding == "UTF-8 BOM")
        #expect(gb.encoding == "GB18030")
        #expect(plain.header.first == "编号")  // no BOM glued to the first header
        #expect(bom.header.first == "编号")
        #expect(gb.lines == plain.lines)
        // The BOM file uses LF, also inside the quoted cell.
        #expect(
            bom.lines.map { $0.map { $0.replacingOccurrences(of: "\r\n", with: "\n") } }
                == plain.lines.map { $0.map { $0.replacingOccurrences(of: "\r\n", with: "\n") } })
        #expect(plain.lines.count == 5)
        #expect(plain.lines[2][7] == "急救\r\n护理")
    }

    @Test func gb18030DecodesRealChineseText() throws {
        let data = try gb18030("姓名,地址\n王芳,幸福里1号楼\n张建国,生成路𠀀号\n")  // 𠀀 needs a 4-byte sequence
        #expect(String(data: data, encoding: .utf8) == nil)
        let file = try TabularFile.read(data, fileName: "x.csv")
        #expect(file.encoding == "GB18030")
        #expect(file.lines == [["姓名", "地址"], ["王芳", "幸福里1号楼"], ["张建国", "生成路𠀀号"]])
    }

    @Test func gb18030SemicolonFixture() throws {
        let file = try TabularFile.read(try fixture("residents_semicolon_gb18030.csv"), fileName: "r.csv")
        #expect(file.encoding == "GB18030")
        #expect(file.delimiter == ";")
        #expect(file.lines[2] == ["陈秀兰", "幸福里3号楼101", "", "否", "N", "陪聊;探访"])
    }

    @Test func utf16WithBOM() throws {
        var data = Data([0xFF, 0xFE])
        data.append("姓名\t手机\n王芳\t13812345678\n".data(using: .utf16LittleEndian) ?? Data())
        let file = try TabularFile.read(data, fileName: "unicode.txt")
        #expect(file.encoding == "UTF-16LE")
        #expect(file.lines == [["姓名", "手机"], ["王芳", "13812345678"]])
    }

    @Test func unreadableBytesAreRejectedWithOffset() throws {
        // 0x80 and 0xFF are invalid in both UTF-8 and GB18030.
        let error = #expect(throws: ImportFileError.self) {
            try TabularFile.read(Data([0x61, 0x2C, 0x62, 0x0A, 0xFF, 0x80, 0x80]), fileName: "x.csv")
        }
        #expect(error?.code == .unknownEncoding)
        #expect(error?.en == "the file is not UTF-8, GB18030 or XLSX (unreadable bytes at byte offset 4)")
        let binary = #expect(throws: ImportFileError.self) {
            try TabularFile.read(Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]), fileName: "photo.csv")
        }
        #expect(binary?.code == .unknownEncoding)
    }

    @Test func emptyLegacyAndMislabelledFiles() throws {
        #expect(throws: ImportFileError.emptyFile) { try TabularFile.read(Data(), fileName: "x.csv") }
        #expect(throws: ImportFileError.emptyFile) { try TabularFile.read(Data("\r\n\r\n".utf8), fileName: "x.csv") }
        let xls = #expect(throws: ImportFileError.self) {
            try TabularFile.read(Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]), fileName: "old.xls")
        }
        #expect(xls?.code == .legacyXLS)
        let fake = #expect(throws: ImportFileError.self) {
            try TabularFile.read(Data("a,b\n".utf8), fileName: "renamed.XLSX")
        }
        #expect(fake?.code == .invalidXLSX)
        let brokenZip = #expect(throws: ImportFileError.self) {
            try TabularFile.read(Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), fileName: "x.xlsx")
        }
        #expect(brokenZip?.code == .invalidXLSX)
    }

    @Test func iconvWrapperReportsOffsetsAndGrowsItsBuffer() throws {
        // Incomplete 2-byte sequence at the end.
        #expect(throws: Iconv.Failure.invalidSequence(byteOffset: 3)) {
            try Iconv.decode([0x61, 0xCD, 0xF5, 0xCD], from: "GB18030")
        }
        #expect(throws: Iconv.Failure.unsupported) { try Iconv.decode([0x61], from: "NO-SUCH-ENCODING") }
        // Output larger than the first buffer guess (each 2-byte GB char becomes 3 UTF-8 bytes).
        let text = String(repeating: "幸福里", count: 5000)
        let encoded = [UInt8](try gb18030(text))
        #expect(try Iconv.decode(encoded, from: "GB18030") == text)
        let grown = try Iconv.convert(encoded, from: "GB18030", to: "UTF-8", initialCapacity: 7)
        #expect(String(decoding: grown, as: UTF8.self) == text)
        #expect(try Iconv.decode([], from: "GB18030") == "")
    }
}
