import Foundation
import Testing

@testable import LinliImport

@Suite("Volunteer import")
struct VolunteerImportTests {
    static let expectedGood: [VolunteerImportRow] = [
        VolunteerImportRow(
            externalID: "V001", name: "王芳", phone: "13812345678", sex: .female, birthYear: 1965,
            grid: "幸福里一网格", groups: [.partyMember, .women], skills: ["助餐", "陪聊"], certificates: ["护理员证"],
            certificateExpiry: ImportDate(year: 2026, month: 6, day: 30)),
        VolunteerImportRow(
            externalID: "V002", name: "张建国", phone: "13912345678", sex: .male, birthYear: 1958,
            grid: "幸福里二网格", groups: [.partyMember, .elderly], skills: ["急救", "护理"], certificates: ["急救员证"],
            certificateExpiry: ImportDate(year: 2025, month: 12, day: 31)),
        VolunteerImportRow(
            externalID: "V003", name: "李娜", phone: "15012345678", sex: .female, birthYear: 1990,
            groups: [.youth, .student]),
        VolunteerImportRow(
            externalID: "V004", name: "Zhang \"Tom\" Wei", phone: "15812345678", sex: .male, birthYear: 1988,
            grid: "幸福里1号楼", groups: [.youth, .resident], skills: ["电脑维修"],
            certificateExpiry: ImportDate(year: 2027, month: 3, day: 31)),
    ]

    @Test(arguments: ["volunteers_utf8.csv", "volunteers_utf8_bom.csv", "volunteers_gb18030.csv"])
    func goodFilesInEveryEncoding(_ name: String) throws {
        let file = try TabularFile.read(try fixture(name), fileName: name)
        let result = VolunteerImport.parse(file, currentYear: 2025)
        #expect(result.report.issues == [])
        #expect(result.report.warnings == [])
        #expect(result.report.canApply)
        #expect(result.report.totalRows == 4)
        #expect(result.report.okRows == 4)
        #expect(result.report.headerRow == 1)
        #expect(result.rows.map(\.line) == [2, 3, 4, 5])
        #expect(result.rows.map(\.value) == Self.expectedGood)
        #expect(
            result.report.columns.map(\.field) == [
                "externalID", "name", "phone", "sex", "birthYear", "grid", "groups", "skills", "certificates",
                "certificateExpiry",
            ])
    }

    @Test func badRowsGetExactMessages() throws {
        let file = try TabularFile.read(try fixture("volunteers_bad.csv"), fileName: "bad.csv")
        let result = VolunteerImport.parse(file, currentYear: 2025)
        let report = result.report
        #expect(report.totalRows == 8)
        #expect(report.okRows == 1)
        #expect(!report.canApply)
        #expect(result.rows.map(\.line) == [2])
        #expect(report.rowsWithIssues == [3, 4, 5, 6, 7, 9, 10])
        #expect(
            report.issues.map(\.zh) == [
                "第3行：手机号「1381234」不是有效的大陆手机号码",
                "第4行：姓名不能为空",
                "第5行：性别「未知」无法识别，请填写 男 或 女",
                "第5行：出生年份「1890」无效，应为 1900 到 2025 之间的年份",
                "第5行：证书到期「2025-02-30」不是有效日期（例如 2025-06-30）",
                "第6行：手机号「13812345678」与第2行重复",
                "第7行：手机号「1.38123E+10」被 Excel 存成了科学计数法，号码已丢失；请把该列设为文本格式，重新填写号码后再导出",
                "第9行：分组「队长」无法识别，可用：党员、青年、巾帼、老年、居民、学生",
                "第10行：出生年份「2030」无效，应为 1900 到 2025 之间的年份",
                "第10行：编号「A1」与第2行重复",
            ])
        #expect(
            report.issues.map(\.en) == [
                "row 3: phone '1381234' is not a mainland mobile number",
                "row 4: name is empty",
                "row 5: sex '未知' is not recognised; use male or female (男/女)",
                "row 5: birth year '1890' is not a year between 1900 and 2025",
                "row 5: certificate expiry '2025-02-30' is not a valid date (e.g. 2025-06-30)",
                "row 6: phone '13812345678' is the same as in row 2",
                "row 7: phone '1.38123E+10' was saved by Excel in scientific notation and its digits are lost; format the column as text, re-enter the numbers and export again",
                "row 9: group '队长' is not recognised; use party member, youth, women, elderly, resident or student",
                "row 10: birth year '2030' is not a year between 1900 and 2025",
                "row 10: external ID 'A1' is the same as in row 2",
            ])
        let phoneIssue = try #require(report.issues.first)
        #expect(phoneIssue.code == .invalidPhone)
        #expect(phoneIssue.row == 3)
        #expect(phoneIssue.column == "手机")
        #expect(phoneIssue.value == "1381234")
        #expect(report.warnings.map(\.en) == ["row 1: column '爱好' is not recognised and is ignored"])
        #expect(report.warnings.map(\.zh) == ["第1行：列「爱好」无法识别，已忽略"])
    }

    @Test func rowNumbersAreWhatExcelShows() throws {
        var text = "姓名,手机号\r\n"
        for index in 1...15 { text += "志愿者\(index),138000000\(index < 10 ? "0" : "")\(index)\r\n" }
        text += "王芳,1381234\r\n"
        let result = VolunteerImport.parse(try csv(text), currentYear: 2025)
        #expect(result.report.issues.map(\.zh) == ["第17行：手机号「1381234」不是有效的大陆手机号码"])
        #expect(result.report.issues.map(\.en) == ["row 17: phone '1381234' is not a mainland mobile number"])
        #expect(result.rows.count == 15)
    }

    @Test func quotedNewlinesDoNotShiftRowNumbers() throws {
        let text = "姓名,手机号,技能\r\n王芳,13812345678,\"急救\r\n护理\r\n助浴\"\r\n张建国,139\r\n"
        let result = VolunteerImport.parse(try csv(text), currentYear: 2025)
        #expect(result.rows.first?.value.skills == ["急救", "护理", "助浴"])
        #expect(result.report.issues.map(\.en) == ["row 3: phone '139' is not a mainland mobile number"])
    }

    @Test func missingRequiredColumnsAreNamed() throws {
        let result = VolunteerImport.parse(try csv("名字,性别,备注\n王芳,女,\n"), currentYear: 2025)
        #expect(result.rows.isEmpty)
        #expect(result.report.issues.map(\.en) == ["row 1 (header): missing required columns: phone"])
        #expect(result.report.issues.first?.zh.hasPrefix("第1行（表头）：缺少必填列：手机号。") == true)
        #expect(result.report.issues.first?.code == .missingColumns)
        let none = VolunteerImport.parse(try csv("a,b\n1,2\n"), currentYear: 2025)
        #expect(none.report.issues.map(\.en) == ["row 1 (header): missing required columns: name, phone"])
    }

    @Test func headerIsFoundBelowATitleAndHeaderSpellingsVary() throws {
        let text = "2025年幸福里社区志愿者花名册,,\n\n序号,* 姓名,手机号码（必填）,Birth Year,志愿者类别\n1,王芳,13812345678,1965,党员志愿者\n"
        let result = VolunteerImport.parse(try csv(text), currentYear: 2025)
        #expect(result.report.headerRow == 3)
        #expect(result.report.issues == [])
        #expect(result.report.warnings == [])  // 序号 is expected and ignored silently
        #expect(
            result.rows == [
                ImportedRow(
                    line: 4,
                    value: VolunteerImportRow(
                        name: "王芳", phone: "13812345678", birthYear: 1965, groups: [.partyMember]))
            ])
    }

    @Test func duplicateColumnsUseTheFirst() throws {
        let result = VolunteerImport.parse(try csv("姓名,手机,电话\n王芳,13812345678,010-1234567\n"), currentYear: 2025)
        #expect(result.rows.first?.value.phone == "13812345678")
        #expect(result.report.warnings.map(\.en) == ["row 1: columns '手机' and '电话' are both phone; only '手机' is used"])
    }

    @Test func emptyDataIsAnIssue() throws {
        let result = VolunteerImport.parse(try csv("姓名,手机\n"), currentYear: 2025)
        #expect(result.report.issues.map(\.en) == ["the file has no data rows below the header"])
        #expect(!result.report.canApply)
    }

    @Test func xlsxNumbersAndDateSerials() throws {
        let file = try TabularFile.read(try fixture("volunteers.xlsx"), fileName: "volunteers.xlsx")
        let result = VolunteerImport.parse(file, currentYear: 2025)
        #expect(result.report.issues == [])
        let expiry = ImportDate(year: 2026, month: 6, day: 30)
        #expect(
            result.rows.map(\.value) == [
                VolunteerImportRow(name: "王芳", phone: "13812345678", birthYear: 1965, certificateExpiry: expiry),
                VolunteerImportRow(name: "张建国", phone: "13912345678", birthYear: 1958, certificateExpiry: expiry),
            ])
        // The same serial in a CSV is not a date.
        let csvResult = VolunteerImport.parse(try csv("姓名,手机,证书到期\n王芳,13812345678,46203\n"), currentYear: 2025)
        #expect(csvResult.report.issues.map(\.code) == [.invalidDate])
    }
}

@Suite("Resident import")
struct ResidentImportTests {
    @Test func xlsxWithTitleRowBlankRowAndEmptyCells() throws {
        let file = try TabularFile.read(try fixture("residents.xlsx"), fileName: "residents.xlsx")
        let result = ResidentImport.parse(file, currentYear: 2025)
        #expect(result.report.headerRow == 2)
        #expect(result.report.issues == [])
        #expect(result.report.warnings == [])
        #expect(result.report.totalRows == 3)
        #expect(result.rows.map(\.line) == [3, 4, 6])
        #expect(
            result.rows.map(\.value) == [
                ResidentImportRow(
                    externalID: "R001", name: "刘桂英", address: "幸福里1号楼2单元301", sex: .female, birthYear: 1938,
                    grid: "一网格", phone: "13812345678", familyContact: "王强（儿子）", familyPhone: "13987654321",
                    needsCall: true, livesAlone: true, careNeeds: ["助餐", "助浴"], careNotes: "右腿不便，需两人助浴"),
                ResidentImportRow(
                    externalID: "R002", name: "陈秀兰", address: "幸福里3号楼101", sex: .female, birthYear: 1942,
                    grid: "二网格", needsCall: true, livesAlone: false, careNeeds: ["陪聊"]),
                ResidentImportRow(
                    externalID: "1003", name: "赵德明", address: "幸福里5号楼402", sex: .male, birthYear: 1945,
                    phone: "01062345678", needsCall: false, livesAlone: true, careNotes: "独居，耳背，请大声"),
            ])
        #expect(result.rows[0].value.phoneIsMobile)
        #expect(!result.rows[2].value.phoneIsMobile)
    }

    @Test func gb18030SemicolonCSV() throws {
        let file = try TabularFile.read(try fixture("residents_semicolon_gb18030.csv"), fileName: "r.csv")
        let result = ResidentImport.parse(file, currentYear: 2025)
        #expect(result.report.issues == [])
        #expect(
            result.rows.map(\.value) == [
                ResidentImportRow(
                    name: "刘桂英", address: "幸福里1号楼2单元301", phone: "01062345678", needsCall: true,
                    livesAlone: true, careNeeds: ["助餐", "助浴"]),
                ResidentImportRow(
                    name: "陈秀兰", address: "幸福里3号楼101", needsCall: false, livesAlone: false,
                    careNeeds: ["陪聊", "探访"]),
            ])
        #expect(result.report.warnings.map(\.zh) == ["有 1 行既没有电话也没有编号，再次导入时无法按电话或编号匹配到已有居民"])
    }

    @Test func badResidentRows() throws {
        let text = """
            姓名,地址,电话,家属电话,需要电话提醒,独居,编号,备注
            刘桂英,幸福里1号楼,13812345678,12345,也许,是,R1,
            王大爷,幸福里1号楼,13812345678,,否,否,R2,
            ,幸福里2号楼,,,,,R1,\(String(repeating: "很长的备注", count: 401))
            李奶奶,,,,,,R4,
            """
        let result = ResidentImport.parse(try csv(text), currentYear: 2025)
        #expect(
            result.report.issues.map(\.en) == [
                "row 2: family phone '12345' is not a mobile or landline number",
                "row 2: needs call '也许' is not recognised; use yes or no (是/否)",
                "row 4: name is empty",
                "row 4: care notes is too long (at most 2000 characters)",
                "row 4: external ID 'R1' is the same as in row 2",
                "row 5: address is empty",
            ])
        #expect(result.report.issues[3].value?.count == 41)  // long values are shortened, not echoed whole
        // A phone shared by two residents (a couple) only warns.
        #expect(
            result.report.warnings.map(\.en) == [
                "row 3: phone '13812345678' is also used in row 2 (a shared household phone?); re-import cannot match these rows by phone, give them an external ID"
            ])
        #expect(result.rows.map(\.line) == [3])
    }

    @Test func missingAddressColumn() throws {
        let result = ResidentImport.parse(try csv("姓名,电话\n刘桂英,13812345678\n"), currentYear: 2025)
        #expect(result.report.issues.map(\.en) == ["row 1 (header): missing required columns: address"])
        #expect(
            result.report.issues.map(\.zh)
                == ["第1行（表头）：缺少必填列：地址。地址（可写作：地址/住址/家庭住址/居住地址）"])
    }
}

@Suite("Value normalisation")
struct NormalisationTests {
    @Test func whitespaceAndFullWidth() {
        #expect(Normalise.trim("\u{3000} 王芳\u{00A0}\u{200B}\t") == "王芳")
        #expect(Normalise.cell("幸福里１号楼") == "幸福里1号楼")
        #expect(Normalise.name("王　　芳") == "王芳")
        #expect(Normalise.name("  Zhang   Wei ") == "Zhang Wei")
        #expect(Normalise.list("党员、青年，巾帼; 老年/居民|学生\n党员") == ["党员", "青年", "巾帼", "老年", "居民", "学生"])
    }

    @Test(arguments: [
        ("13812345678", PhoneNumber.Parsed.mobile("13812345678")),
        ("１３８１２３４５６７８", .mobile("13812345678")),
        ("138-1234-5678", .mobile("13812345678")),
        ("+86 138 1234 5678", .mobile("13812345678")),
        ("＋８６１３８１２３４５６７８", .mobile("13812345678")),
        ("0086 13812345678", .mobile("13812345678")),
        ("8613812345678", .mobile("13812345678")),
        ("(+86)13812345678", .mobile("13812345678")),
        ("13812345678.0", .mobile("13812345678")),
        ("1.3812345678E10", .mobile("13812345678")),
        ("1.38123E+10", .scientific),
        ("12812345678", .invalid),
        ("1381234567", .invalid),
        ("138123456789", .invalid),
        ("1381234567a", .invalid),
        ("13812345678/13987654321", .invalid),
        ("010-62345678", .landline("01062345678")),
        ("62345678", .landline("62345678")),
        ("+1 415 555 0100", .invalid),
    ])
    func phones(_ input: String, _ expected: PhoneNumber.Parsed) {
        #expect(PhoneNumber.parse(input) == expected)
    }

    @Test func yearsDatesSexAndYesNo() {
        #expect(ValueParsers.year("1958", excelSerials: false, date1904: false) == 1958)
        #expect(ValueParsers.year("1958年", excelSerials: false, date1904: false) == 1958)
        #expect(ValueParsers.year("1958年3月", excelSerials: false, date1904: false) == 1958)
        #expect(ValueParsers.year("1958.03.02", excelSerials: false, date1904: false) == 1958)
        #expect(ValueParsers.year("19580302", excelSerials: false, date1904: false) == 1958)
        #expect(ValueParsers.year("21317", excelSerials: true, date1904: false) == 1958)
        #expect(ValueParsers.year("21317", excelSerials: false, date1904: false) == nil)
        #expect(ValueParsers.year("58", excelSerials: false, date1904: false) == nil)
        #expect(ValueParsers.year("1958-13", excelSerials: false, date1904: false) == nil)
        #expect(ValueParsers.date("2025年6月30日", excelSerials: false, date1904: false)?.description == "2025-06-30")
        #expect(ValueParsers.date("2025.6.30", excelSerials: false, date1904: false)?.description == "2025-06-30")
        #expect(ValueParsers.date("20250630", excelSerials: false, date1904: false)?.description == "2025-06-30")
        #expect(ValueParsers.date("2024-02", excelSerials: false, date1904: false)?.description == "2024-02-29")
        #expect(
            ValueParsers.date("2025-06-30 00:00:00", excelSerials: false, date1904: false)?.description
                == "2025-06-30")
        #expect(ValueParsers.date("30/06/2025", excelSerials: false, date1904: false) == nil)
        #expect(ValueParsers.date("明年", excelSerials: false, date1904: false) == nil)
        #expect(ValueParsers.sex("男") == .some(.male))
        #expect(ValueParsers.sex("Ｆ") == .some(.female))
        #expect(ValueParsers.sex(" ") == .some(nil))
        #expect(ValueParsers.sex("?") == nil)
        for yes in ["是", "yes", "Y", "1", "TRUE", "√"] { #expect(ValueParsers.yesNo(yes) == .some(true)) }
        for no in ["否", "No", "n", "0", "FALSE", "×"] { #expect(ValueParsers.yesNo(no) == .some(false)) }
        #expect(ValueParsers.yesNo("") == .some(nil))
        #expect(ValueParsers.yesNo("也许") == nil)
        #expect(ValueParsers.groups("三老") == [.elderly])
        #expect(ValueParsers.groups("Party Member") == [.partyMember])
        #expect(ValueParsers.groups("巾帼志愿者") == [.women])
    }
}
