/// Every text the pages show, in zh-CN and English (Chinese first). Templates read them as
/// `{{t.key}}`; a key missing from one language is caught by a test.
public enum WebStrings {
    /// key → (Chinese, English).
    public static let all: [String: (zh: String, en: String)] = [
        "rosterSheet": ("排班签到表", "Roster sign-in sheet"),
        "community": ("社区", "Community"),
        "team": ("巡逻队", "Patrol team"),
        "allTeams": ("全部班次", "All shifts"),
        "week": ("周次", "Week"),
        "version": ("排班版本", "Roster version"),
        "published": ("已发布", "published"),
        "draft": ("草稿", "draft"),
        "superseded": ("已被替代", "superseded"),
        "date": ("日期", "Date"),
        "time": ("时间", "Time"),
        "service": ("服务", "Service"),
        "place": ("地点", "Place"),
        "volunteers": ("志愿者", "Volunteers"),
        "signature": ("签名", "Signature"),
        "unfilled": ("（空缺）", "(unfilled)"),
        "cancelled": ("已取消", "cancelled"),
        "empty": ("本周没有班次", "There are no shifts this week"),
        "printed": ("打印时间", "Printed"),
        "printHint": ("按 Ctrl+P（苹果电脑 ⌘+P）打印本页，纸张选 A4。", "Press Ctrl+P (⌘+P on a Mac) to print this page on A4 paper."),
        "listSeparator": ("、", ", "),
    ]

    /// The strings of one language, keyed as in `all`.
    public static func table(_ language: PageLanguage) -> [String: String] {
        all.mapValues { language == .en ? $0.en : $0.zh }
    }

    /// One string; the key itself when there is none (visible, and caught by the tests).
    public static func text(_ key: String, _ language: PageLanguage) -> String {
        guard let pair = all[key] else { return key }
        return language == .en ? pair.en : pair.zh
    }
}
