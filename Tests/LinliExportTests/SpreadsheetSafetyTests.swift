import Foundation
import LinliExport
import LinliImport
import Testing

@Suite("Spreadsheet safety")
struct SpreadsheetSafetyTests {
    @Test func formulaLikeCellsAreNeutralised() {
        #expect(SpreadsheetSafety.neutralise("=HYPERLINK(\"http://x\",\"点我\")") == "'=HYPERLINK(\"http://x\",\"点我\")")
        #expect(SpreadsheetSafety.neutralise("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0")
        #expect(SpreadsheetSafety.neutralise("@SUM(A1)") == "'@SUM(A1)")
        #expect(SpreadsheetSafety.neutralise("-2+3") == "'-2+3")
        #expect(SpreadsheetSafety.neutralise("\tx") == "'\tx")
        #expect(SpreadsheetSafety.neutralise("\rx") == "'\rx")
        #expect(SpreadsheetSafety.neutralise("+8613812345678") == "'+8613812345678")
        #expect(SpreadsheetSafety.neutralise("-12") == "-12")
        #expect(SpreadsheetSafety.neutralise("-3.5") == "-3.5")
        #expect(SpreadsheetSafety.neutralise("-") == "'-")
        #expect(SpreadsheetSafety.neutralise("王芳") == "王芳")
        #expect(SpreadsheetSafety.neutralise("") == "")
    }

    @Test func csvLinesAreQuotedAndNeutralised() throws {
        let line = SpreadsheetSafety.csvLine(["王芳", "=1+1", "a,b", "say \"hi\"", "x\ny"])
        #expect(line == "王芳,'=1+1,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"")
        // What we write, we read back.
        #expect(
            try TabularFile.read(Data((line + "\r\n").utf8), fileName: "t.csv").lines == [
                ["王芳", "'=1+1", "a,b", "say \"hi\"", "x\ny"]
            ])
    }
}
