/// The columns the importers understand, their labels and the header names that map to them.
enum Field: String, CaseIterable, Sendable {
    case name
    case phone
    case sex
    case birthYear
    case grid
    case groups
    case skills
    case certificates
    case certificateExpiry
    case externalID
    case address
    case familyContact
    case familyPhone
    case needsCall
    case livesAlone
    case careNeeds
    case careNotes

    var zh: String {
        switch self {
        case .name: "姓名"
        case .phone: "手机号"
        case .sex: "性别"
        case .birthYear: "出生年份"
        case .grid: "网格"
        case .groups: "分组"
        case .skills: "技能"
        case .certificates: "证书"
        case .certificateExpiry: "证书到期"
        case .externalID: "编号"
        case .address: "地址"
        case .familyContact: "家属联系人"
        case .familyPhone: "家属电话"
        case .needsCall: "需要电话提醒"
        case .livesAlone: "独居"
        case .careNeeds: "护理需求"
        case .careNotes: "备注"
        }
    }

    var en: String {
        switch self {
        case .name: "name"
        case .phone: "phone"
        case .sex: "sex"
        case .birthYear: "birth year"
        case .grid: "grid"
        case .groups: "groups"
        case .skills: "skills"
        case .certificates: "certificates"
        case .certificateExpiry: "certificate expiry"
        case .externalID: "external ID"
        case .address: "address"
        case .familyContact: "family contact"
        case .familyPhone: "family phone"
        case .needsCall: "needs call"
        case .livesAlone: "lives alone"
        case .careNeeds: "care needs"
        case .careNotes: "care notes"
        }
    }

    /// Longest accepted value, in characters.
    var maxLength: Int {
        switch self {
        case .name, .familyContact: 50
        case .grid, .externalID: 64
        case .address: 200
        case .skills, .certificates, .careNeeds, .groups: 500
        case .careNotes: 2000
        default: 100
        }
    }

    /// Header names (already normalised by `HeaderMapping.normalise`) that mean this field.
    var aliases: [String] {
        switch self {
        case .name:
            ["姓名", "名字", "志愿者姓名", "老人姓名", "居民姓名", "name", "fullname", "姓名name"]
        case .phone:
            [
                "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "移动电话", "本人电话",
                "本人手机", "老人电话", "phone", "mobile", "phonenumber", "mobilephone", "mobilenumber", "tel",
                "telephone", "cellphone",
            ]
        case .sex:
            ["性别", "sex", "gender"]
        case .birthYear:
            [
                "出生年份", "出生年", "出生年月", "出生日期", "生日", "birthyear", "yearofbirth", "birthdate",
                "dateofbirth", "birthday", "born",
            ]
        case .grid:
            ["网格", "所属网格", "网格名称", "网格编号", "grid", "gridname"]
        case .groups:
            [
                "分组", "类别", "志愿者类别", "志愿者类型", "类型", "群体", "身份", "groups", "group", "category",
                "categories",
            ]
        case .skills:
            ["技能", "特长", "专长", "技能特长", "skills", "skill"]
        case .certificates:
            ["证书", "资格证书", "持有证书", "证书名称", "certificates", "certificate", "certs"]
        case .certificateExpiry:
            [
                "证书到期", "证书到期日", "证书到期日期", "证书到期时间", "证书有效期", "证书有效期至", "有效期至",
                "到期日期", "certificateexpiry", "certexpiry", "certificateexpires", "expiry", "expirydate", "expires",
            ]
        case .externalID:
            ["编号", "外部编号", "志愿者编号", "居民编号", "老人编号", "档案编号", "id", "externalid", "ref"]
        case .address:
            ["地址", "住址", "家庭住址", "居住地址", "现住址", "详细地址", "address", "homeaddress"]
        case .familyContact:
            [
                "家属联系人", "家属", "家属姓名", "紧急联系人", "联系人", "familycontact", "emergencycontact",
                "contact", "contactperson",
            ]
        case .familyPhone:
            [
                "家属电话", "家属手机", "家属联系电话", "紧急联系电话", "紧急联系人电话", "联系人电话", "familyphone",
                "emergencyphone", "contactphone",
            ]
        case .needsCall:
            [
                "需要电话提醒", "电话提醒", "需电话提醒", "需要电话通知", "电话通知", "needscall", "callreminder",
                "phonecall", "call",
            ]
        case .livesAlone:
            ["独居", "是否独居", "独居老人", "livesalone", "alone"]
        case .careNeeds:
            ["护理需求", "服务需求", "照护需求", "需求", "careneeds", "needs", "services"]
        case .careNotes:
            ["备注", "护理备注", "照护备注", "说明", "carenotes", "notes", "note", "remarks", "remark", "comments"]
        }
    }
}

extension ImportKind {
    var fields: [Field] {
        switch self {
        case .volunteers:
            [.name, .phone, .sex, .birthYear, .grid, .groups, .skills, .certificates, .certificateExpiry, .externalID]
        case .residents:
            [
                .name, .address, .sex, .birthYear, .grid, .phone, .familyContact, .familyPhone, .needsCall,
                .livesAlone, .careNeeds, .careNotes, .externalID,
            ]
        }
    }

    var requiredFields: [Field] {
        switch self {
        case .volunteers: [.name, .phone]
        case .residents: [.name, .address]
        }
    }
}

/// Maps a header row to fields.
struct HeaderMapping {
    /// Field → column index.
    var columns: [Field: Int] = [:]
    var report: [ImportColumn] = []
    var warnings: [ImportIssue] = []
    var missing: [Field] = []

    /// Header texts that are expected in a sheet but carry nothing to import (row numbers).
    static let ignored: Set<String> = ["序号", "no", "no.", "#", "index", "行号", "sn"]

    /// "手机号码（必填）" → "手机号码", "* Birth Year" → "birthyear".
    static func normalise(_ header: String) -> String {
        var out = ""
        var depth = 0
        for character in Normalise.code(header).lowercased() {
            switch character {
            case "(", "[", "【", "〔", "<", "《": depth += 1
            case ")", "]", "】", "〕", ">", "》": depth = max(0, depth - 1)
            case _ where depth > 0: continue
            case " ", "\t", "*", "_", "-", ":", "：", "\u{3000}", "\n", "\r", "/": continue
            default: out.append(character)
            }
        }
        return out
    }

    private static let lookup: [String: Field] = {
        var table: [String: Field] = [:]
        for field in Field.allCases {
            for alias in field.aliases where table[alias] == nil { table[alias] = field }
        }
        return table
    }()

    static func field(for header: String, kind: ImportKind) -> Field? {
        guard let field = lookup[normalise(header)], kind.fields.contains(field) else { return nil }
        return field
    }

    /// Number of cells of `row` that name a field of `kind`.
    static func score(_ row: [String], kind: ImportKind) -> Int {
        Set(row.compactMap { field(for: $0, kind: kind) }).count
    }

    init(header: [String], headerRow: Int, kind: ImportKind) {
        for (index, text) in header.enumerated() {
            let trimmed = Normalise.trim(text)
            if trimmed.isEmpty { continue }
            guard let field = Self.field(for: trimmed, kind: kind) else {
                report.append(ImportColumn(index: index, header: trimmed, field: nil))
                if !Self.ignored.contains(Self.normalise(trimmed)) {
                    let shown = Normalise.excerpt(trimmed)
                    warnings.append(
                        ImportIssue(
                            code: .unknownColumn, row: headerRow, column: trimmed, value: nil,
                            zh: "第\(headerRow)行：列「\(shown)」无法识别，已忽略",
                            en: "row \(headerRow): column '\(shown)' is not recognised and is ignored"))
                }
                continue
            }
            if let first = columns[field] {
                let firstHeader = Normalise.trim(header[first])
                report.append(ImportColumn(index: index, header: trimmed, field: nil))
                warnings.append(
                    ImportIssue(
                        code: .duplicateColumn, row: headerRow, column: trimmed, value: nil,
                        zh: "第\(headerRow)行：列「\(trimmed)」和「\(firstHeader)」都是\(field.zh)，只使用「\(firstHeader)」",
                        en:
                            "row \(headerRow): columns '\(firstHeader)' and '\(trimmed)' are both \(field.en); only '\(firstHeader)' is used"
                    ))
                continue
            }
            columns[field] = index
            report.append(ImportColumn(index: index, header: trimmed, field: field.rawValue))
        }
        missing = kind.requiredFields.filter { columns[$0] == nil }
    }
}
