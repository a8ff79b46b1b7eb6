/// Turns an elderly-resident sheet into validated `ResidentImportRow`s and a dry-run report.
///
/// Required columns: 姓名/name and 地址/address. Phones are optional and may be landlines; a phone
/// shared by two residents (a couple) is a warning, a repeated external ID (编号) an issue.
public enum ResidentImport {
    /// Validates every data row. Nothing is stored: apply `rows` only when `report.canApply`.
    ///
    /// - Parameter currentYear: the latest acceptable birth year (the current year in Asia/Shanghai).
    public static func parse(_ file: TabularFile, currentYear: Int) -> ImportResult<ResidentImportRow> {
        var unmatchable = 0
        let result = ImportRun<ResidentImportRow>(kind: .residents, file: file).run { context in
            let name = context.text(.name, required: true)
            let address = context.text(.address, required: true)
            let sex = context.sex()
            let birthYear = context.birthYear(currentYear: currentYear)
            let grid = context.text(.grid)
            let phone = context.phone(.phone, required: false, mobileOnly: false)
            let familyContact = context.text(.familyContact)
            let familyPhone = context.phone(.familyPhone, required: false, mobileOnly: false)
            let needsCall = context.yesNo(.needsCall)
            let livesAlone = context.yesNo(.livesAlone)
            let careNeeds = context.list(.careNeeds)
            let careNotes = context.text(.careNotes)
            let externalID = context.code(.externalID)
            if let phone { context.unique(.phone, phone, warnOnly: true) }
            if let externalID { context.unique(.externalID, externalID) }
            guard let name, let address else { return nil }
            if phone == nil && externalID == nil { unmatchable += 1 }
            return ResidentImportRow(
                externalID: externalID, name: name, address: address, sex: sex, birthYear: birthYear, grid: grid,
                phone: phone, familyContact: familyContact, familyPhone: familyPhone, needsCall: needsCall,
                livesAlone: livesAlone, careNeeds: careNeeds, careNotes: careNotes)
        }
        guard unmatchable > 0 else { return result }
        let report = result.report
        let warning = ImportIssue(
            code: .noMatchKey, row: nil, column: nil, value: nil,
            zh: "有 \(unmatchable) 行既没有电话也没有编号，再次导入时无法按电话或编号匹配到已有居民",
            en:
                "\(unmatchable) rows have neither a phone nor an external ID; importing again cannot match them to existing residents by phone or ID"
        )
        return ImportResult(
            rows: result.rows,
            report: ImportReport(
                kind: report.kind, format: report.format, encoding: report.encoding, headerRow: report.headerRow,
                columns: report.columns, totalRows: report.totalRows, okRows: report.okRows, issues: report.issues,
                warnings: report.warnings + [warning]))
    }
}
