/// The shared machinery of the volunteer and resident importers: finds the header row, maps the
/// columns, walks the data rows and collects issues.
struct ImportRun<Value: Sendable & Equatable> {
    let kind: ImportKind
    let file: TabularFile

    /// How many leading rows may be titles above the header ("2025年志愿者花名册").
    static var headerSearchRows: Int { 10 }

    /// Runs `validate` over every non-blank data row; a row is kept when it added no issue.
    func run(_ validate: (inout RowContext) -> Value?) -> ImportResult<Value> {
        // Header: the row among the first few that names the most known columns.
        var headerIndex = file.lines.firstIndex(where: { !TabularFile.isBlank($0) }) ?? 0
        var bestScore = 0
        for index in file.lines.indices.prefix(Self.headerSearchRows) {
            let score = HeaderMapping.score(file.lines[index], kind: kind)
            if score > bestScore {
                bestScore = score
                headerIndex = index
            }
        }
        let headerRow = headerIndex + 1
        let header = file.lines.indices.contains(headerIndex) ? file.lines[headerIndex] : []
        let mapping = HeaderMapping(header: header, headerRow: headerRow, kind: kind)

        var issues: [ImportIssue] = []
        var warnings = mapping.warnings
        if !mapping.missing.isEmpty {
            let zhNames = mapping.missing.map(\.zh).joined(separator: "、")
            let enNames = mapping.missing.map(\.en).joined(separator: ", ")
            let zhHints = mapping.missing.map { "\($0.zh)（可写作：\($0.aliases.prefix(4).joined(separator: "/"))）" }
                .joined(separator: "；")
            issues.append(
                ImportIssue(
                    code: .missingColumns, row: headerRow, column: nil, value: nil,
                    zh: "第\(headerRow)行（表头）：缺少必填列：\(zhNames)。\(zhHints)",
                    en: "row \(headerRow) (header): missing required columns: \(enNames)"))
            return ImportResult(
                rows: [],
                report: report(
                    headerRow: headerRow, mapping: mapping, total: 0, ok: 0,
                    issues: issues, warnings: warnings))
        }

        var rows: [ImportedRow<Value>] = []
        rows.reserveCapacity(max(0, file.lines.count - headerIndex - 1))
        var context = RowContext(mapping: mapping, excelSerials: file.format == .xlsx, date1904: file.date1904)
        var total = 0
        for index in file.lines.indices where index > headerIndex {
            let cells = file.lines[index]
            if TabularFile.isBlank(cells) { continue }
            total += 1
            context.begin(row: index + 1, cells: cells)
            let value = validate(&context)
            if !context.rowHasIssue, let value {
                rows.append(ImportedRow(line: index + 1, value: value))
            }
        }
        issues.append(contentsOf: context.issues)
        warnings.append(contentsOf: context.warnings)
        if total == 0 {
            issues.append(
                ImportIssue(
                    code: .noRows, row: nil, column: nil, value: nil,
                    zh: "文件在表头下面没有数据行", en: "the file has no data rows below the header"))
        }
        return ImportResult(
            rows: rows,
            report: report(
                headerRow: headerRow, mapping: mapping, total: total,
                ok: rows.count, issues: issues, warnings: warnings))
    }

    private func report(
        headerRow: Int, mapping: HeaderMapping, total: Int, ok: Int, issues: [ImportIssue],
        warnings: [ImportIssue]
    ) -> ImportReport {
        ImportReport(
            kind: kind, format: file.format, encoding: file.encoding, headerRow: headerRow,
            columns: mapping.report, totalRows: total, okRows: ok, issues: issues, warnings: warnings)
    }
}

/// One data row being validated: reads cells by field and records issues with the row number.
struct RowContext {
    let mapping: HeaderMapping
    let excelSerials: Bool
    let date1904: Bool
    private(set) var row = 0
    private var cells: [String] = []
    private(set) var rowHasIssue = false
    private(set) var issues: [ImportIssue] = []
    private(set) var warnings: [ImportIssue] = []
    /// First row where each value of a unique field was seen.
    private var seen: [Field: [String: Int]] = [:]

    init(mapping: HeaderMapping, excelSerials: Bool, date1904: Bool) {
        self.mapping = mapping
        self.excelSerials = excelSerials
        self.date1904 = date1904
    }

    mutating func begin(row: Int, cells: [String]) {
        self.row = row
        self.cells = cells
        rowHasIssue = false
    }

    /// The raw cell of a field ("" when the column is absent or the row is short).
    func raw(_ field: Field) -> String {
        guard let index = mapping.columns[field], index < cells.count else { return "" }
        return cells[index]
    }

    private func header(_ field: Field) -> String? {
        guard let index = mapping.columns[field] else { return nil }
        return mapping.report.first(where: { $0.index == index })?.header
    }

    mutating func issue(_ code: ImportIssue.Code, _ field: Field, value: String?, zh: String, en: String) {
        rowHasIssue = true
        issues.append(
            ImportIssue(
                code: code, row: row, column: header(field),
                value: value.map { Normalise.excerpt($0) }, zh: "第\(row)行：\(zh)", en: "row \(row): \(en)"))
    }

    mutating func warning(_ code: ImportIssue.Code, _ field: Field, value: String?, zh: String, en: String) {
        warnings.append(
            ImportIssue(
                code: code, row: row, column: header(field),
                value: value.map { Normalise.excerpt($0) }, zh: "第\(row)行：\(zh)", en: "row \(row): \(en)"))
    }

    mutating func fileWarning(_ code: ImportIssue.Code, zh: String, en: String) {
        warnings.append(ImportIssue(code: code, row: nil, column: nil, value: nil, zh: zh, en: en))
    }

    // MARK: Typed readers. Each returns the cleaned value, or nil (after recording an issue when invalid).

    /// Free text, trimmed (full-width digits to ASCII); nil when empty. Checks length and, if `required`, presence.
    mutating func text(_ field: Field, required: Bool = false) -> String? {
        let value = field == .name || field == .familyContact ? Normalise.name(raw(field)) : Normalise.cell(raw(field))
        if value.isEmpty {
            if required {
                issue(.missingValue, field, value: nil, zh: "\(field.zh)不能为空", en: "\(field.en) is empty")
            }
            return nil
        }
        if value.count > field.maxLength {
            issue(
                .tooLong, field, value: value, zh: "\(field.zh)太长（最多 \(field.maxLength) 个字）",
                en: "\(field.en) is too long (at most \(field.maxLength) characters)")
            return nil
        }
        return value
    }

    /// An identifier (external ID): full-width forms to ASCII, trimmed.
    mutating func code(_ field: Field) -> String? {
        let value = Normalise.code(raw(field))
        if value.isEmpty { return nil }
        if value.count > field.maxLength {
            issue(
                .tooLong, field, value: value, zh: "\(field.zh)太长（最多 \(field.maxLength) 个字）",
                en: "\(field.en) is too long (at most \(field.maxLength) characters)")
            return nil
        }
        return value
    }

    mutating func list(_ field: Field) -> [String] {
        let raw = raw(field)
        if raw.count > field.maxLength {
            issue(
                .tooLong, field, value: raw, zh: "\(field.zh)太长（最多 \(field.maxLength) 个字）",
                en: "\(field.en) is too long (at most \(field.maxLength) characters)")
            return []
        }
        return Normalise.list(raw)
    }

    /// A phone number. Volunteers need a mainland mobile number; residents and family may give a landline.
    mutating func phone(_ field: Field, required: Bool, mobileOnly: Bool) -> String? {
        let value = Normalise.trim(raw(field))
        if value.isEmpty {
            if required {
                issue(.missingValue, field, value: nil, zh: "\(field.zh)不能为空", en: "\(field.en) is empty")
            }
            return nil
        }
        switch PhoneNumber.parse(value) {
        case .mobile(let digits):
            return digits
        case .landline(let digits) where !mobileOnly:
            return digits
        case .scientific:
            issue(
                .phoneInScientificNotation, field, value: value,
                zh: "\(field.zh)「\(Normalise.excerpt(value))」被 Excel 存成了科学计数法，号码已丢失；请把该列设为文本格式，重新填写号码后再导出",
                en:
                    "\(field.en) '\(Normalise.excerpt(value))' was saved by Excel in scientific notation and its digits are lost; format the column as text, re-enter the numbers and export again"
            )
            return nil
        case .landline, .invalid:
            if mobileOnly {
                issue(
                    .invalidPhone, field, value: value,
                    zh: "\(field.zh)「\(Normalise.excerpt(value))」不是有效的大陆手机号码",
                    en: "\(field.en) '\(Normalise.excerpt(value))' is not a mainland mobile number")
            } else {
                issue(
                    .invalidPhone, field, value: value,
                    zh: "\(field.zh)「\(Normalise.excerpt(value))」不是有效的手机或固定电话号码",
                    en: "\(field.en) '\(Normalise.excerpt(value))' is not a mobile or landline number")
            }
            return nil
        }
    }

    mutating func sex() -> ImportSex? {
        let value = raw(.sex)
        guard let parsed = ValueParsers.sex(value) else {
            issue(
                .invalidSex, .sex, value: Normalise.trim(value),
                zh: "性别「\(Normalise.excerpt(Normalise.trim(value)))」无法识别，请填写 男 或 女",
                en: "sex '\(Normalise.excerpt(Normalise.trim(value)))' is not recognised; use male or female (男/女)")
            return nil
        }
        return parsed
    }

    mutating func birthYear(currentYear: Int) -> Int? {
        let value = Normalise.trim(raw(.birthYear))
        if value.isEmpty { return nil }
        guard let year = ValueParsers.year(value, excelSerials: excelSerials, date1904: date1904),
            (1900...currentYear).contains(year)
        else {
            issue(
                .invalidBirthYear, .birthYear, value: value,
                zh: "出生年份「\(Normalise.excerpt(value))」无效，应为 1900 到 \(currentYear) 之间的年份",
                en: "birth year '\(Normalise.excerpt(value))' is not a year between 1900 and \(currentYear)")
            return nil
        }
        return year
    }

    mutating func date(_ field: Field) -> ImportDate? {
        let value = Normalise.trim(raw(field))
        if value.isEmpty { return nil }
        guard let date = ValueParsers.date(value, excelSerials: excelSerials, date1904: date1904) else {
            issue(
                .invalidDate, field, value: value,
                zh: "\(field.zh)「\(Normalise.excerpt(value))」不是有效日期（例如 2025-06-30）",
                en: "\(field.en) '\(Normalise.excerpt(value))' is not a valid date (e.g. 2025-06-30)")
            return nil
        }
        return date
    }

    mutating func yesNo(_ field: Field) -> Bool? {
        let value = raw(field)
        guard let parsed = ValueParsers.yesNo(value) else {
            let shown = Normalise.excerpt(Normalise.trim(value))
            issue(
                .invalidYesNo, field, value: Normalise.trim(value),
                zh: "\(field.zh)「\(shown)」无法识别，请填写 是 或 否",
                en: "\(field.en) '\(shown)' is not recognised; use yes or no (是/否)")
            return nil
        }
        return parsed
    }

    mutating func groups() -> [VolunteerGroup] {
        var result: [VolunteerGroup] = []
        for item in list(.groups) {
            guard let codes = ValueParsers.groups(item) else {
                issue(
                    .unknownGroup, .groups, value: item,
                    zh: "分组「\(Normalise.excerpt(item))」无法识别，可用：党员、青年、巾帼、老年、居民、学生",
                    en:
                        "group '\(Normalise.excerpt(item))' is not recognised; use party member, youth, women, elderly, resident or student"
                )
                continue
            }
            for code in codes where !result.contains(code) { result.append(code) }
        }
        return result
    }

    /// Records `value` of a field that must be unique in the file. A repeat is an issue (or only a
    /// warning when `warnOnly`) on the later row, naming the first row.
    mutating func unique(_ field: Field, _ value: String, warnOnly: Bool = false) {
        if let first = seen[field]?[value] {
            if warnOnly {
                warning(
                    .sharedPhone, field, value: value,
                    zh: "\(field.zh)「\(value)」与第\(first)行相同（如家人共用电话），重新导入时无法按电话匹配，建议填写编号",
                    en:
                        "\(field.en) '\(value)' is also used in row \(first) (a shared household phone?); re-import cannot match these rows by phone, give them an external ID"
                )
            } else {
                let code: ImportIssue.Code = field == .externalID ? .duplicateExternalID : .duplicatePhone
                issue(
                    code, field, value: value,
                    zh: "\(field.zh)「\(Normalise.excerpt(value))」与第\(first)行重复",
                    en: "\(field.en) '\(Normalise.excerpt(value))' is the same as in row \(first)")
            }
            return
        }
        seen[field, default: [:]][value] = row
    }
}
