import Foundation

/// The roster board's and the patrol leader's page's texts (issue #7), in zh-CN and English.
/// Templates read them as `{{b.key}}` (the shared table stays `{{t.key}}`).
extension WebStrings {
    /// key → (Chinese, English).
    public static let board: [String: (zh: String, en: String)] = [
        "boardTitle": ("排班看板", "Roster board"),
        "teamTitle": ("巡逻队长页面", "Patrol leader's page"),
        "home": ("首页", "Home"),
        "weekLabel": ("周次（如 2026-W48）", "Week (e.g. 2026-W48)"),
        "show": ("显示", "Show"),
        "prevWeek": ("上一周", "Previous week"),
        "nextWeek": ("下一周", "Next week"),
        "versions": ("本周的排班版本", "This week's roster versions"),
        "noRoster": ("本周还没有排班。请先求解生成草稿。", "This week has no roster yet. Solve it to make a draft."),
        "showing": ("正在查看", "Showing"),
        "versionN": ("第 {{n}} 版", "version {{n}}"),
        "kind.patrol": ("巡逻", "Patrols"),
        "kind.home_visit": ("上门服务", "Home visits"),
        "kind.duty": ("值班与活动", "Duty and activities"),
        "noGrid": ("未分网格", "No grid"),
        "groupsTitle": ("按类别查看", "Groups"),
        "groupsIntro": (
            "本周共 {{n}} 个班次，每次显示一类（服务类别 · 网格）；请在下面选择要查看的一类。",
            "This week has {{n}} slots, so the board shows one group (service kind · grid) at a time; choose one below."
        ),
        "groupShort": ("⚠ {{n}} 个班次缺人", "⚠ {{n}} slots short"),
        "groupSlots": ("{{n}} 个班次", "{{n}} slots"),
        "timeHeader": ("时段", "Time"),
        "unfilledMark": ("⚠ 缺 {{n}} 人", "⚠ {{n}} missing"),
        "filledMark": ("✓ 已排满", "✓ filled"),
        "pinnedMark": ("📌 固定", "📌 pinned"),
        "cancelledMark": ("✕ 已取消", "✕ cancelled"),
        "nobody": ("（无人）", "(nobody)"),
        "choose": ("选择此班次", "Choose this slot"),
        "legend": (
            "图例：⚠ 红框为缺人，✓ 绿框为已排满，📌 为固定安排（求解时保留）。",
            "Key: ⚠ red box: people missing; ✓ green box: filled; 📌 pinned (kept when solving)."
        ),
        "solveTitle": ("自动排班（求解）", "Solve the week"),
        "solveIntro": (
            "由后台程序计算本周排班，结果存为新的草稿版本，不会影响已发布的排班。",
            "The worker computes the week's roster and stores it as a new draft; the published roster is not changed."
        ),
        "seconds": ("计算时间（秒，1–600）", "Time to compute (seconds, 1–600)"),
        "solve": ("开始求解", "Start solving"),
        "secondsInvalid": ("请填写 1 到 600 之间的整数秒数。", "Enter a whole number of seconds from 1 to 600."),
        "runState.queued": ("排队中，等待后台程序", "queued, waiting for the worker"),
        "runState.running": ("正在计算", "running"),
        "runState.succeeded": ("已完成", "finished"),
        "runState.failed": ("失败", "failed"),
        "runState.cancelled": ("已取消", "cancelled"),
        "runLine": ("最近一次求解：{{state}}", "Latest solve: {{state}}"),
        "runProgress": (
            "已用 {{s}} 秒，目前最好结果缺人的班次 {{u}} 个。", "{{s}} s so far; the best roster so far leaves {{u}} slot(s) short."
        ),
        "refreshing": ("计算进行中，本页每 2 秒自动刷新。", "Solving; this page refreshes every 2 seconds."),
        "runDone": ("结果：第 {{n}} 版草稿，缺人的班次 {{u}} 个。", "Result: draft version {{n}}, {{u}} slot(s) short."),
        "showResult": ("查看结果", "Show the result"),
        "cancelRun": ("停止求解", "Stop solving"),
        "unfilledTitle": ("缺人的班次及原因", "Slots short of people, and why"),
        "noUnfilled": ("本版本所有班次都已排满。", "Every slot of this version is filled."),
        "slotTitle": ("所选班次", "Chosen slot"),
        "assigned": ("已安排", "Assigned"),
        "unassign": ("撤下", "Take off"),
        "pin": ("固定", "Pin"),
        "unpin": ("取消固定", "Unpin"),
        "pinReason": ("固定原因", "Why pin it"),
        "pinReasonDefault": ("协调员在排班看板上固定", "Pinned by the coordinator on the board"),
        "suggestions": ("推荐的替补人选（最合适的在前）", "Suggested replacements (best first)"),
        "noSuggestions": ("没有可以推荐的人选。", "There is nobody to suggest."),
        "assign": ("安排此人", "Assign"),
        "cost": ("代价变化 {{d}}", "cost change {{d}}"),
        "notAllowed": ("不可安排：", "Cannot take it: "),
        "draftOnly": (
            "只有草稿可以修改。请先求解，或把已发布版本复制为新草稿。",
            "Only a draft can be changed. Solve first, or copy the published version to a new draft."
        ),
        "copyDraft": ("复制已发布版本为新草稿", "Copy the published version to a new draft"),
        "publishTitle": ("发布", "Publish"),
        "changesSince": ("与已发布的第 {{n}} 版相比的变化：", "Changes since the published version {{n}}:"),
        "firstPublish": (
            "本周还没有发布过，这将是第一次发布（{{n}} 个安排）。", "The week was never published; this is the first publication ({{n}} assignments)."
        ),
        "noChanges": ("与已发布版本相比没有变化。", "No changes since the published version."),
        "added": ("新增", "Added"),
        "removed": ("移除", "Removed"),
        "publish": ("发布此版本并通知志愿者", "Publish this version and tell the volunteers"),
        "replanTitle": ("有人不能来：重新安排", "Someone cannot come: re-plan"),
        "replanIntro": (
            "登记该志愿者不能来，系统以已发布的排班为基础生成新草稿，尽量少改动。",
            "Records the absence and makes a new draft from the published roster with as few changes as possible."
        ),
        "replanVolunteer": ("不能来的志愿者", "Volunteer who cannot come"),
        "replanFrom": ("从何时起不能来（日期）", "Cannot come from (date)"),
        "replanUntil": ("到何时为止（日期，可不填）", "Until (date, optional)"),
        "replanReason": ("原因", "Reason"),
        "reason.ill": ("生病", "ill"),
        "reason.away": ("外出", "away"),
        "reason.day_off": ("请假", "day off"),
        "reason.other": ("其他", "other"),
        "replan": ("重新安排", "Re-plan"),
        "choosePlaceholder": ("— 请选择 —", "— choose —"),
        "dateInvalid": ("请填写日期，如 2026-11-23。", "Enter a date such as 2026-11-23."),
        "untilInvalid": ("结束日期须晚于开始日期。", "The end date must be after the start date."),
        "volunteerMissing": ("请选择一位志愿者。", "Choose a volunteer."),
        "noPublished": ("本周还没有已发布的排班，不能重新安排。", "The week has no published roster to re-plan."),
        "weekInvalid": ("周次须写成 2026-W48 或日期 2026-11-23。", "Write the week as 2026-W48 or a date such as 2026-11-23."),
        "notice.solving": ("已开始求解。", "Solving has started."),
        "notice.assigned": ("已安排。", "Assigned."),
        "notice.unassigned": ("已撤下。", "Taken off."),
        "notice.pinned": ("已固定。", "Pinned."),
        "notice.unpinned": ("已取消固定。", "Unpinned."),
        "notice.published": ("已发布，志愿者会收到通知。", "Published; the volunteers will be told."),
        "notice.replanned": ("已生成重新安排的草稿，请检查后发布。", "A re-planned draft was made; check it, then publish."),
        "notice.copied": ("已复制为新草稿。", "Copied to a new draft."),
        "notice.cancelled": ("已请求停止求解。", "Asked the solve to stop."),
        "notice.swapped": ("已调换，队员会收到通知。", "Swapped; the members will be told."),
        "problem": ("操作未完成：", "Not done: "),
        "teamPatrols": ("本队巡逻班次", "The team's patrols"),
        "weekOf": ("{{w}} 周（{{from}} 至 {{through}}）", "Week {{w}} ({{from}} to {{through}})"),
        "noPatrols": ("这一周没有排班或没有本队的班次。", "No roster, or no patrols of the team, this week."),
        "members": ("队员", "Members"),
        "leaderMark": ("队长", "leader"),
        "experiencedMark": ("老队员", "experienced"),
        "phone": ("电话", "Phone"),
        "swapTitle": ("调换两位队员的班次", "Swap two members' shifts"),
        "swapIntro": (
            "选择两个班次，两位队员互换。系统会检查是否违反规则（时间冲突、可用时间、每周上限等）。",
            "Choose two shifts; their members trade places. The scheduler checks the rules (clashes, availability, weekly limits …)."
        ),
        "swapFirst": ("第一个班次及队员", "First shift and member"),
        "swapSecond": ("第二个班次及队员", "Second shift and member"),
        "swap": ("调换", "Swap"),
        "swapRefused": ("不能调换，原因：", "Cannot swap, because:"),
        "swapSame": ("请选择两个不同的班次。", "Choose two different shifts."),
        "exportsTitle": ("导出与打印", "Exports and printing"),
        "print": ("打印签到表", "Print the sign-in sheet"),
        "csv": ("下载 CSV", "Download CSV"),
        "xlsx": ("下载 Excel（XLSX）", "Download Excel (XLSX)"),
        "feedTitle": ("日历订阅", "Calendar feed"),
        "feedIntro": (
            "生成本队的日历订阅链接，队员用手机扫描二维码即可在日历中看到巡逻班次。链接只显示这一次，请妥善保存。",
            "Make the team's calendar link; members scan the QR code to see the patrols in their phone's calendar. The link is shown only once: keep it."
        ),
        "feedCreate": ("生成日历订阅链接", "Make a calendar link"),
        "feedLink": ("订阅链接", "Calendar link"),
        "feedQR": ("订阅链接的二维码", "QR code of the calendar link"),
        "chooseTeam": ("巡逻队", "Patrol team"),
        "noTeam": ("您没有带领的巡逻队。", "You lead no patrol team."),
        "draftNote": ("（草稿，尚未发布）", "(draft, not yet published)"),
    ]

    /// The board strings of one language.
    public static func boardTable(_ language: PageLanguage) -> [String: String] {
        board.mapValues { language == .en ? $0.en : $0.zh }
    }

    /// One board string with `{{name}}` placeholders filled in; the key itself when there is none.
    public static func board(_ key: String, _ language: PageLanguage, _ values: [String: String] = [:]) -> String {
        guard let pair = board[key] else { return key }
        var text = language == .en ? pair.en : pair.zh
        for (name, value) in values { text = text.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return text
    }
}
