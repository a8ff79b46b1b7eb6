import Foundation

/// The volunteer, resident and import pages' texts (issue #7), in zh-CN and English. Templates
/// read them as `{{p.key}}` (the shared table stays `{{t.key}}`).
extension WebStrings {
    /// key → (Chinese, English).
    public static let people: [String: (zh: String, en: String)] = [
        "nav": ("名单菜单", "People menu"),
        "home": ("首页", "Start page"),
        "volunteers": ("志愿者名单", "Volunteers"),
        "residents": ("居民名单", "Residents"),
        "import": ("导入名单", "Import a list"),
        "newVolunteer": ("添加志愿者", "Add a volunteer"),
        "newResident": ("登记新居民", "Register a resident"),
        "search": ("姓名、拼音首字母或手机尾号", "Name, pinyin initials or the last digits of the phone"),
        "residentSearch": ("姓名、拼音首字母、手机尾号或地址", "Name, pinyin initials, last digits of the phone, or address"),
        "searchHint": ("例如：李、lgy（李桂英）、1234（手机尾号）", "For example: 李, lgy (李桂英), 1234 (phone ending)"),
        "searchButton": ("查找", "Find"),
        "noMatch": ("没有找到。可以换个写法再找。", "Nothing matches. Try another spelling."),
        "firstN": ("只列出前 {{n}} 位；请用上面的查找缩小范围。", "Only the first {{n}} are listed; use the search above to narrow it."),
        "name": ("姓名", "Name"),
        "sex": ("性别", "Sex"),
        "female": ("女", "Female"),
        "male": ("男", "Male"),
        "phone": ("手机号", "Mobile phone"),
        "residentPhone": ("电话（手机或固定电话）", "Phone (mobile or landline)"),
        "email": ("电子邮件（可不填）", "E-mail (optional)"),
        "birthYear": ("出生年份", "Year of birth"),
        "grid": ("所在网格", "Grid"),
        "noGrid": ("（未指定）", "(none)"),
        "groups": ("志愿者类别（可多选）", "Volunteer groups (choose any)"),
        "group.party_member": ("党员志愿者", "Party member"),
        "group.youth": ("青年志愿者", "Youth"),
        "group.women": ("巾帼志愿者", "Women's"),
        "group.elderly": ("老年志愿者", "Elderly"),
        "group.resident": ("居民志愿者", "Resident"),
        "group.student": ("学生志愿者", "Student"),
        "notify": ("提醒方式", "Reminders by"),
        "notify.sms": ("短信", "Text message (SMS)"),
        "notify.wecom": ("企业微信群", "WeCom group"),
        "notify.email": ("电子邮件", "E-mail"),
        "notify.none": ("不提醒", "No reminders"),
        "active": ("状态", "State"),
        "isActive": ("在册", "active"),
        "isInactive": ("已停用", "inactive"),
        "open": ("打开", "Open"),
        "details": ("基本信息", "Details"),
        "limits": ("服务限制", "Limits"),
        "limitsHint": (
            "不填表示不限制。时间按分钟计，例如 600 分钟 = 10 小时。", "Leave empty for no limit. Times are in minutes: 600 minutes = 10 hours."
        ),
        "maxMinutesPerWeek": ("每周最多服务（分钟）", "At most per week (minutes)"),
        "maxMinutesPerDay": ("每天最多服务（分钟）", "At most per day (minutes)"),
        "maxShiftsPerDay": ("每天最多班次", "At most shifts a day"),
        "maxShiftsPerWeek": ("每周最多班次", "At most shifts a week"),
        "maxConsecutiveDays": ("最多连续服务天数", "At most days in a row"),
        "maxWeekendsPerMonth": ("每月最多周末", "At most weekends a month"),
        "minRestMinutes": ("两班之间至少休息（分钟）", "Rest between shifts at least (minutes)"),
        "targetMinutesPerWeek": ("每周目标服务（分钟）", "Weekly target (minutes)"),
        "noEvening": ("晚上（18:00–22:00）不排班", "No evening shifts (18:00–22:00)"),
        "noNight": ("夜间（22:00–06:00）不排班", "No night shifts (22:00–06:00)"),
        "save": ("保存", "Save"),
        "create": ("添加", "Add"),
        "saved": ("已保存。", "Saved."),
        "created": ("已添加。", "Added."),
        "formError": ("请按提示修改下面标红的项目，您填写的内容都还在。", "Please correct the fields marked below; everything you typed is kept."),
        "stale": (
            "保存前已有其他人修改了这条记录。下面是您填写的内容；请核对后再保存一次。",
            "Someone else changed this record before you saved. Your input is below: check it and save again."
        ),
        "required": ("这一项必须填写", "This is required"),
        "chooseSex": ("请选择性别", "Choose the sex"),
        "wholeNumber": ("请填写整数，例如 600", "Enter a whole number, e.g. 600"),
        "yearFormat": ("请填写四位数的年份，例如 1955", "Enter a four-digit year, e.g. 1955"),
        "skills": ("技能与证书", "Skills and certificates"),
        "noSkills": ("还没有登记技能或证书。", "No skills or certificates yet."),
        "skill": ("技能或证书", "Skill or certificate"),
        "chooseSkill": ("请选择", "Choose one"),
        "certificate": ("（证书）", "(certificate)"),
        "certificateNumber": ("证书编号（可不填）", "Certificate number (optional)"),
        "expiresOn": ("有效期至（可不填）", "Valid until (optional)"),
        "expired": ("已过期", "expired"),
        "addSkill": ("添加或更新", "Add or update"),
        "remove": ("删除", "Remove"),
        "removeSkill": ("删除技能 {{name}}", "Remove the skill {{name}}"),
        "skillError": ("请选择一项技能或证书", "Choose a skill or certificate"),
        "dateFormat": ("日期格式应为 2026-11-23", "A date must look like 2026-11-23"),
        "availability": ("每周可服务时间", "Weekly availability"),
        "availabilityHint": (
            "勾选志愿者通常可以服务的时段。排班只会在这些时段内安排。",
            "Tick the times the volunteer can usually serve. The roster only places them inside these times."
        ),
        "part.am": ("上午", "Morning"),
        "part.pm": ("下午", "Afternoon"),
        "part.eve": ("晚上", "Evening"),
        "cellLabel": ("{{day}}{{part}}", "{{day}} {{part}}"),
        "cellKeep": ("保持现有时段", "Keep these times"),
        "cellFull": ("整个时段", "The whole time"),
        "cellNone": ("不可以", "Not available"),
        "partial": ("现有：{{times}}", "Now: {{times}}"),
        "otherTimes": ("网格外的时段（保存时保留）：", "Times outside the grid (kept when saving):"),
        "saveAvailability": ("保存可服务时间", "Save the availability"),
        "availabilitySaved": ("每周可服务时间已保存。", "The weekly availability is saved."),
        "absences": ("请假与外出", "Absences"),
        "noAbsences": ("没有登记的请假。", "No absences recorded."),
        "absenceFrom": ("从（日期）", "From (date)"),
        "absenceTo": ("到（日期，含当天）", "Until (date, inclusive)"),
        "absenceReason": ("原因", "Reason"),
        "reason.ill": ("生病", "Ill"),
        "reason.away": ("外出", "Away"),
        "reason.day_off": ("休息", "Day off"),
        "reason.other": ("其他", "Other"),
        "absenceNote": ("备注（可不填）", "Note (optional)"),
        "addAbsence": ("登记请假", "Add the absence"),
        "absenceAdded": ("请假已登记，排班不会在这些日子安排此人。", "The absence is recorded: the roster will not place them on these days."),
        "absenceRemoved": ("请假已删除。", "The absence is removed."),
        "activeTitle": ("停用与恢复", "Taking off the roster"),
        "activeIntro": (
            "志愿者搬走或不再服务时停用：以后不再排班，以前的记录和服务时长都保留。",
            "Take a volunteer off the roster when they move away or stop: they are no longer scheduled; their history and hours stay."
        ),
        "stopReason": ("停用原因", "Reason"),
        "deactivate": ("停用（不再排班）", "Take off the roster"),
        "reactivate": ("恢复排班", "Put back on the roster"),
        "inactiveNow": ("此志愿者已停用，不会被排班。", "This volunteer is off the roster and is not scheduled."),
        "stopReasonMissing": ("请写明停用原因，例如“搬离本社区”。", "Write why, e.g. \"moved away\"."),
        "stopReasonLong": ("原因最多 200 个字。", "The reason may have at most 200 characters."),
        "deactivated": ("已停用，以后不再排班。", "Taken off the roster."),
        "reactivated": ("已恢复排班。", "Back on the roster."),
        "removeAbsence": ("删除 {{from}} 至 {{to}} 的请假", "Remove the absence {{from}} to {{to}}"),
        "absenceOrder": ("结束日期不能早于开始日期", "The end date may not be before the start date"),
        "absenceTooLong": ("一次请假最长 366 天", "An absence may last at most 366 days"),
        "skillSaved": ("技能已保存。", "The skill is saved."),
        "skillRemoved": ("技能已删除。", "The skill is removed."),
        "notFound": ("没有找到这条记录。", "Nothing was found here."),
        "residentDetails": ("居民信息", "Resident's details"),
        "careNotes": ("护理备注", "Care notes"),
        "careNotesWho": ("仅协调员和管理员可见。", "Only coordinators and administrators see these."),
        "noCareNotes": ("没有护理备注。", "No care notes."),
        "careNotesUnreadable": (
            "这位居民的护理备注无法打开（密钥不对或数据已损坏），请联系管理员（linli care-notes status）。",
            "This resident's care notes cannot be opened (wrong key or damaged data): ask an administrator (linli care-notes status)."
        ),
        "address": ("地址", "Address"),
        "familyName": ("家属联系人（可不填）", "Family contact (optional)"),
        "familyPhone": ("家属电话（可不填）", "Family contact's phone (optional)"),
        "needsCall": ("没有手机，需要电话通知（进入电话通知名单）", "Has no mobile phone: remind by a call (on the call list)"),
        "needsCallShort": ("电话通知", "Reminded by a call"),
        "livesAlone": ("独居", "Lives alone"),
        "bookVisit": ("为这位居民预约上门服务", "Book a home visit for this resident"),
        "preferred": ("熟悉的志愿者（结对帮扶）与不希望上门的志愿者", "Familiar (paired) and declined volunteers"),
        "noPreferred": ("没有指定的志愿者。", "No volunteer named."),
        "prefers": ("熟悉（优先安排）", "Familiar (preferred)"),
        "declines": ("不希望上门", "Declined"),
        "volunteer": ("志愿者", "Volunteer"),
        "chooseVolunteer": ("请选择志愿者", "Choose a volunteer"),
        "preference": ("关系", "Relation"),
        "addPreference": ("保存", "Save"),
        "preferenceError": ("请选择一位志愿者", "Choose a volunteer"),
        "preferenceSaved": ("已保存。", "Saved."),
        "removePreference": ("删除与 {{name}} 的关系", "Remove the relation to {{name}}"),
        "importTitle": ("导入志愿者或居民名单", "Import volunteers or residents"),
        "importIntro": (
            "上传 Excel（.xlsx）或 CSV 文件。先检查每一行并列出将要新增和更新的人；确认无误后再按“导入”。只要有一行有问题，就不会导入任何数据。",
            "Upload an Excel (.xlsx) or CSV file. Every row is checked first and the people to add and update are listed; press “Import” once it is right. If any row has a problem, nothing is imported."
        ),
        "importKind": ("名单类型", "What the file holds"),
        "kindVolunteers": ("志愿者", "Volunteers"),
        "kindResidents": ("居民", "Residents"),
        "importFile": ("文件（.xlsx 或 .csv，最大 {{mb}} MB）", "File (.xlsx or .csv, at most {{mb}} MB)"),
        "importColumns": ("第一行是表头，可用的列：{{columns}}", "The first row is the header; the columns: {{columns}}"),
        "importCheck": ("检查文件", "Check the file"),
        "importChooseFile": ("请选择一个文件", "Choose a file"),
        "importChooseKind": ("请选择名单类型", "Choose what the file holds"),
        "importTooLarge": (
            "文件超过 {{mb}} MB。请分成几个文件，或由管理员用命令 linli import 导入。",
            "The file is larger than {{mb}} MB: split it, or have an administrator use linli import."
        ),
        "importFileError": ("文件无法读取：{{error}}", "The file cannot be read: {{error}}"),
        "report": ("检查结果", "What the check found"),
        "reportFile": ("文件", "File"),
        "reportRows": ("共 {{n}} 行数据，{{ok}} 行没有问题", "{{n}} data rows, {{ok}} without problems"),
        "reportWould": (
            "导入后将新增 {{inserted}} 人，更新 {{updated}} 人（其余没有变化）。",
            "Importing adds {{inserted}} and updates {{updated}} (the rest are unchanged)."
        ),
        "reportProblems": (
            "发现 {{n}} 个问题，未导入任何数据。请按下表修改文件后重新上传。",
            "{{n}} problem(s) found: nothing was imported. Fix the file as the table says and upload it again."
        ),
        "row": ("行号", "Row"),
        "column": ("列", "Column"),
        "value": ("填写的内容", "Value"),
        "problem": ("问题与修改方法", "Problem and how to fix it"),
        "fileProblem": ("整个文件", "whole file"),
        "rowsTitle": ("每一行", "Row by row"),
        "rowOK": ("✓ 可以导入", "✓ ready"),
        "rowBad": ("⚠ 有问题", "⚠ problem"),
        "rowState": ("检查", "Check"),
        "rowAction": ("导入后", "On import"),
        "action.create": ("新增", "adds a new person"),
        "action.update": ("更新已有的人", "updates someone already listed"),
        "action.unchanged": ("已有，没有变化", "already listed, no change"),
        "warnings": ("提示（不影响导入）", "Notes (do not block the import)"),
        "apply": ("导入", "Import"),
        "applyHint": (
            "按“导入”后写入数据库；再次导入同一文件不会重复添加。", "“Import” writes the rows; importing the same file again adds nobody twice."
        ),
        "imported": (
            "导入完成：新增 {{inserted}} 人，更新 {{updated}} 人。",
            "Imported: {{inserted}} added, {{updated}} updated."
        ),
        "importAgain": ("导入另一个文件", "Import another file"),
        "careNotesKey": (
            "文件中有护理备注，但服务器未配置加密密钥，无法保存。请删除“备注”列，或请管理员配置密钥。",
            "The file has care notes but the server has no key to seal them: remove the notes column, or ask an administrator to configure the key."
        ),
        "moreRows": ("还有 {{n}} 行没有列出（都没有问题）。", "{{n}} more rows are not listed (all without problems)."),
    ]

    /// The people pages' strings of one language.
    public static func peopleTable(_ language: PageLanguage) -> [String: String] {
        people.mapValues { language == .en ? $0.en : $0.zh }
    }

    /// One people string with `{{name}}` placeholders filled in; the key itself when there is none.
    public static func people(_ key: String, _ language: PageLanguage, _ values: [String: String] = [:]) -> String {
        guard let pair = people[key] else { return key }
        var text = language == .en ? pair.en : pair.zh
        for (name, value) in values { text = text.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return text
    }
}
