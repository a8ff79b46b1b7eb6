/// Which kind of record a file holds.
public enum ImportKind: String, Sendable, Equatable, CaseIterable {
    case volunteers
    case residents

    /// The header row of a blank template to hand out (zh-CN names; required columns first).
    public var templateHeader: [String] {
        switch self {
        case .volunteers:
            return ["姓名", "手机号", "性别", "出生年份", "网格", "分组", "技能", "证书", "证书到期", "编号"]
        case .residents:
            return [
                "姓名", "地址", "性别", "出生年份", "网格", "手机号", "家属联系人", "家属电话",
                "需要电话提醒", "独居", "护理需求", "备注", "编号",
            ]
        }
    }
}

/// A calendar date without time or zone (certificate expiry, birth dates).
public struct ImportDate: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid Gregorian date, or nil (2024-02-30 is nil).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= ImportDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    init(daysSince1970 days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// "yyyy-MM-dd", as PostgreSQL's `date` accepts it.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: ImportDate, rhs: ImportDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A person's sex as recorded in the sheet.
public enum ImportSex: String, Sendable, Equatable, Hashable {
    case male
    case female
}

/// Volunteer groups (志愿者类别); the raw value is the code stored in the database.
public enum VolunteerGroup: String, Sendable, Equatable, Hashable, CaseIterable {
    case partyMember = "party_member"  // 党员
    case youth = "youth"  // 青年
    case women = "women"  // 巾帼
    case elderly = "elderly"  // 老年
    case resident = "resident"  // 居民
    case student = "student"  // 学生
}

/// One valid volunteer row, cleaned and normalised.
public struct VolunteerImportRow: Sendable, Equatable, Hashable {
    /// The sheet's own ID for this person (编号), used to match on re-import.
    public var externalID: String?
    public var name: String
    /// 11-digit mainland mobile number, digits only.
    public var phone: String
    public var sex: ImportSex?
    public var birthYear: Int?
    /// Grid name or code as written (网格), to be resolved against the community's grids.
    public var grid: String?
    public var groups: [VolunteerGroup]
    public var skills: [String]
    public var certificates: [String]
    public var certificateExpiry: ImportDate?

    public init(
        externalID: String? = nil, name: String, phone: String, sex: ImportSex? = nil,
        birthYear: Int? = nil, grid: String? = nil, groups: [VolunteerGroup] = [],
        skills: [String] = [], certificates: [String] = [], certificateExpiry: ImportDate? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.phone = phone
        self.sex = sex
        self.birthYear = birthYear
        self.grid = grid
        self.groups = groups
        self.skills = skills
        self.certificates = certificates
        self.certificateExpiry = certificateExpiry
    }
}

/// One valid elderly-resident row, cleaned and normalised. Holds personal data: handle with care.
public struct ResidentImportRow: Sendable, Equatable, Hashable {
    public var externalID: String?
    public var name: String
    public var address: String
    public var sex: ImportSex?
    public var birthYear: Int?
    public var grid: String?
    /// Mobile (11 digits) or landline (digits, area code first when given); nil when the resident has none.
    public var phone: String?
    public var familyContact: String?
    public var familyPhone: String?
    /// Needs a phone call instead of an SMS; nil when the sheet does not say.
    public var needsCall: Bool?
    public var livesAlone: Bool?
    public var careNeeds: [String]
    /// Free-text care notes (sensitive).
    public var careNotes: String?

    public init(
        externalID: String? = nil, name: String, address: String, sex: ImportSex? = nil,
        birthYear: Int? = nil, grid: String? = nil, phone: String? = nil, familyContact: String? = nil,
        familyPhone: String? = nil, needsCall: Bool? = nil, livesAlone: Bool? = nil,
        careNeeds: [String] = [], careNotes: String? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.address = address
        self.sex = sex
        self.birthYear = birthYear
        self.grid = grid
        self.phone = phone
        self.familyContact = familyContact
        self.familyPhone = familyPhone
        self.needsCall = needsCall
        self.livesAlone = livesAlone
        self.careNeeds = careNeeds
        self.careNotes = careNotes
    }

    /// Whether `phone` is a mobile number (can receive SMS).
    public var phoneIsMobile: Bool { phone.map(PhoneNumber.isMobile) ?? false }
}

/// A valid row together with its row number in the sheet (header is row 1).
public struct ImportedRow<Value: Sendable & Equatable>: Sendable, Equatable {
    public let line: Int
    public let value: Value
    public init(line: Int, value: Value) {
        self.line = line
        self.value = value
    }
}

/// One problem found in a file or a row, with messages in zh-CN and English.
public struct ImportIssue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// What kind of problem, for code and tests.
    public enum Code: String, Sendable, Equatable, Hashable {
        case missingColumns
        case unknownColumn
        case duplicateColumn
        case noRows
        case missingValue
        case invalidPhone
        case phoneInScientificNotation
        case invalidSex
        case invalidBirthYear
        case invalidDate
        case invalidYesNo
        case unknownGroup
        case tooLong
        case duplicatePhone
        case duplicateExternalID
        case sharedPhone
        case noMatchKey
        /// Found when applying: a grid the community does not have.
        case unknownGrid
        /// Found when applying: a skill or certificate the community does not have.
        case unknownSkill
        /// Found when applying: a new person without the sex the schedule needs.
        case missingSex
    }

    public init(code: Code, row: Int?, column: String?, value: String?, zh: String, en: String) {
        self.code = code
        self.row = row
        self.column = column
        self.value = value
        self.zh = zh
        self.en = en
    }

    public let code: Code
    /// Row number as the spreadsheet shows it (header is row 1); nil for the file as a whole.
    public let row: Int?
    /// The column's header as written in the file, when the issue is about one column.
    public let column: String?
    /// The offending value (shortened), when there is one.
    public let value: String?
    /// Message in Simplified Chinese.
    public let zh: String
    /// Message in English.
    public let en: String

    public var description: String { en }
}

/// What a dry run found: how many rows are fine, the problems that block the import, and warnings.
public struct ImportReport: Sendable, Equatable {
    public let kind: ImportKind
    public let format: TabularFile.Format
    public let encoding: String
    /// Row number of the header row that was used.
    public let headerRow: Int
    /// Header text → field it was mapped to (nil for ignored columns), in column order.
    public let columns: [ImportColumn]
    /// Non-blank data rows.
    public let totalRows: Int
    /// Rows without issues.
    public let okRows: Int
    /// Problems that must be fixed before the file can be applied (all-or-nothing).
    public let issues: [ImportIssue]
    /// Things worth knowing that do not block the import.
    public let warnings: [ImportIssue]

    /// True when there is nothing to fix: applying would import all `totalRows`.
    public var canApply: Bool { issues.isEmpty && totalRows > 0 }
    /// Row numbers that have at least one issue.
    public var rowsWithIssues: Set<Int> { Set(issues.compactMap(\.row)) }
}

/// One column of the header and the field it was recognised as.
public struct ImportColumn: Sendable, Equatable {
    public let index: Int
    public let header: String
    /// The field name ("name", "phone", …), nil when the column is ignored.
    public let field: String?
}

/// The valid rows of a file and the report about it.
public struct ImportResult<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The rows without issues, in file order. Apply them only when `report.canApply`.
    public let rows: [ImportedRow<Value>]
    public let report: ImportReport
}
