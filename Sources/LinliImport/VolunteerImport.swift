/// Turns a volunteer sheet into validated `VolunteerImportRow`s and a dry-run report.
///
/// Required columns: 姓名/name and 手机/手机号/电话/phone. Phones must be mainland mobile numbers and
/// unique in the file, as must external IDs (编号): re-import matches volunteers by them.
public enum VolunteerImport {
    /// Validates every data row. Nothing is stored: apply `rows` only when `report.canApply`.
    ///
    /// - Parameter currentYear: the latest acceptable birth year (the current year in Asia/Shanghai).
    public static func parse(_ file: TabularFile, currentYear: Int) -> ImportResult<VolunteerImportRow> {
        ImportRun<VolunteerImportRow>(kind: .volunteers, file: file).run { context in
            let name = context.text(.name, required: true)
            let phone = context.phone(.phone, required: true, mobileOnly: true)
            let sex = context.sex()
            let birthYear = context.birthYear(currentYear: currentYear)
            let grid = context.text(.grid)
            let groups = context.groups()
            let skills = context.list(.skills)
            let certificates = context.list(.certificates)
            let expiry = context.date(.certificateExpiry)
            let externalID = context.code(.externalID)
            if let phone { context.unique(.phone, phone) }
            if let externalID { context.unique(.externalID, externalID) }
            guard let name, let phone else { return nil }
            return VolunteerImportRow(
                externalID: externalID, name: name, phone: phone, sex: sex, birthYear: birthYear, grid: grid,
                groups: groups, skills: skills, certificates: certificates, certificateExpiry: expiry)
        }
    }
}
