import Foundation

/// The reports page's and the outbox page's texts (issue #7), in zh-CN and English. Templates
/// read them as `{{r.key}}` (the shared table stays `{{t.key}}`).
extension WebStrings {
    /// key → (Chinese, English).
    public static let reports: [String: (zh: String, en: String)] = [
        "reportsTitle": ("统计报表", "Reports"),
        "messagesTitle": ("消息发件箱", "Outbox"),
        "home": ("首页", "Home"),
        "nav": ("页面菜单", "Page menu"),
        "sections": ("报表各部分", "Parts of the report"),
        "show": ("显示", "Show"),
        "month": ("月份（如 2026-11）", "Month (e.g. 2026-11)"),
        "prevMonth": ("上个月", "Previous month"),
        "nextMonth": ("下个月", "Next month"),
        "rangeTitle": ("或选择日期范围", "Or choose a range of days"),
        "from": ("开始日期", "From (date)"),
        "through": ("结束日期", "Through (date)"),
        "kind": ("服务类别", "Kind of service"),
        "kind.all": ("全部", "All"),
        "kind.duty": ("值班与活动", "Duty and activities"),
        "kind.patrol": ("巡逻", "Patrols"),
        "kind.home_visit": ("上门服务", "Home visits"),
        "period": ("统计期间：{{from}} 至 {{through}}", "Period: {{from}} to {{through}}"),
        "monthInvalid": ("月份须写成 2026-11。", "Write the month as 2026-11."),
        "dateInvalid": ("请填写日期，如 2026-11-01。", "Enter a date such as 2026-11-01."),
        "rangeInvalid": ("结束日期不能早于开始日期。", "The end date may not be before the start date."),
        "participation": ("参与率", "Participation"),
        "group": ("群体", "Group"),
        "group.all": ("全部志愿者", "All volunteers"),
        "group.party_member": ("党员志愿者", "Party members"),
        "group.youth": ("青年志愿者", "Youth"),
        "group.women": ("巾帼志愿者", "Women"),
        "group.elderly": ("老年志愿者", "Elderly"),
        "group.resident": ("居民志愿者", "Residents"),
        "group.student": ("学生志愿者", "Students"),
        "registered": ("在册人数", "Volunteers"),
        "participants": ("参与人数", "Took part"),
        "rate": ("参与率", "Rate"),
        "hours": ("服务时长（小时）", "Hours"),
        "hoursShort": ("{{h}} 小时", "{{h}} h"),
        "entries": ("记录条数", "Entries"),
        "people": ("人数", "People"),
        "byMonth": ("按月", "By month"),
        "byGrid": ("按网格", "By grid"),
        "byTeam": ("按巡逻队", "By patrol team"),
        "byVolunteer": ("按志愿者", "By volunteer"),
        "downloads": ("下载", "Downloads"),
        "monthChart": ("各月服务时长", "Service hours per month"),
        "monthChartDesc": (
            "{{from}} 至 {{through}} 各月的服务时长（小时），共 {{n}} 个月。",
            "Service hours per month from {{from}} to {{through}}, {{n}} month(s)."
        ),
        "gridChart": ("各网格志愿者的服务时长", "Service hours by the volunteers' home grid"),
        "teamChart": ("各巡逻队的服务时长", "Service hours per patrol team"),
        "groupChartDesc": ("统计期间内的服务时长（小时），共 {{n}} 项，最多的在前。", "Service hours in the period, {{n}} line(s), most first."),
        "monthHeader": ("月份", "Month"),
        "grid": ("网格", "Grid"),
        "team": ("巡逻队", "Patrol team"),
        "volunteer": ("志愿者", "Volunteer"),
        "noHours": ("这段时间没有服务时长记录。", "No service hours were recorded in this period."),
        "moreVolunteers": ("只列出时长最多的 {{n}} 位；完整名单请下载。", "Only the {{n}} with the most hours are listed; download the full list."),
        "csvVolunteer": ("按志愿者（CSV）", "Per volunteer (CSV)"),
        "csvTeam": ("按巡逻队（CSV）", "Per patrol team (CSV)"),
        "csvGrid": ("按网格（CSV）", "Per grid (CSV)"),
        "xlsxAll": ("全部报表（Excel，含参与率）", "Everything (Excel, with participation)"),
        "unfilledWork": ("缺人情况", "Unfilled work"),
        "unfilledIntro": (
            "已发布排班中本期间各项服务的班次：需要的人次、已排的人次和还缺的人次。",
            "Each service's slots in this period against the published roster: people wanted, placed and still missing."
        ),
        "service": ("服务", "Service"),
        "slots": ("班次", "Slots"),
        "shortSlots": ("缺人班次", "Short slots"),
        "wanted": ("需要人次", "Wanted"),
        "placed": ("已排人次", "Placed"),
        "missing": ("缺人次", "Missing"),
        "filled": ("排满率", "Filled"),
        "noSlots": ("这段时间没有班次。", "There are no slots in this period."),
        "visits": ("居民上门服务", "Home visits per resident"),
        "visitsIntro": (
            "本期间每位居民的上门服务：已完成（及时长）、已安排、待安排、已取消和未上门。",
            "Each resident's home visits in this period: done (with hours), scheduled, requested, cancelled and no-show."
        ),
        "resident": ("居民", "Resident"),
        "done": ("已完成", "Done"),
        "hoursDone": ("完成时长（小时）", "Hours done"),
        "scheduled": ("已安排", "Scheduled"),
        "requested": ("待安排", "Requested"),
        "cancelled": ("已取消", "Cancelled"),
        "noShow": ("未上门", "No-show"),
        "noVisits": ("这段时间没有上门服务。", "There are no home visits in this period."),
        "moreResidents": ("只列出前 {{n}} 位居民；完整名单请下载 CSV。", "Only the first {{n}} residents are listed; download the CSV for all."),
        "csvVisits": ("居民上门服务（CSV）", "Home visits per resident (CSV)"),
        "csvUnfilled": ("缺人情况（CSV）", "Unfilled work (CSV)"),
        "chartNote": ("图中的数字与下表相同。", "The chart shows the same figures as the table below."),
        // The outbox page.
        "messagesIntro": (
            "邻里发出的提醒和通知：已发送、发送失败、等待发送，以及需要工作人员打电话转达的消息。",
            "The reminders and notices Linli wrote: sent, failed, waiting, and those staff must pass on by phone."
        ),
        "status": ("状态", "Status"),
        "filter.all": ("全部", "All"),
        "filter.sent": ("已发送", "Sent"),
        "filter.failed": ("发送失败", "Failed"),
        "filter.waiting": ("等待发送", "Waiting"),
        "filter.suppressed": ("未发送（按规则暂缓）", "Held back by a rule"),
        "filter.to_phone": ("待电话转达", "To pass on by phone"),
        "sentFrom": ("从（日期）", "From (date)"),
        "sentThrough": ("到（日期）", "Through (date)"),
        "written": ("时间", "Written"),
        "channel": ("渠道", "Channel"),
        "channel.sms": ("短信", "SMS"),
        "channel.wecom": ("企业微信", "WeCom"),
        "channel.email": ("电子邮件", "E-mail"),
        "channel.outbox": ("发件箱（人工转达）", "Outbox (passed on by staff)"),
        "recipient": ("收件人", "Recipient"),
        "about": ("班次或上门服务", "Shift or visit"),
        "text": ("内容", "Text"),
        "attempts": ("尝试次数", "Attempts"),
        "lastError": ("最后的错误", "Last error"),
        "actions": ("操作", "Actions"),
        "state.pending": ("等待发送", "waiting"),
        "state.sent": ("已发送", "sent"),
        "state.failed": ("发送失败", "failed"),
        "state.suppressed": ("未发送", "held back"),
        "passedOn": ("已电话转达", "passed on by phone"),
        "toPhone": ("待电话转达", "to pass on by phone"),
        "audience.team": ("（巡逻队群）", "(patrol team group)"),
        "audience.staff": ("（工作人员）", "(staff)"),
        "retry": ("重新发送", "Send again"),
        "markPassedOn": ("已打电话转达", "Phoned: mark as passed on"),
        "noMessages": ("没有符合条件的消息。", "No message matches."),
        "limitNote": ("只显示最新的 {{n}} 条；请缩小日期范围。", "Only the newest {{n}} are shown; narrow the dates."),
        "notice.retried": ("已安排重新发送，后台程序马上处理。", "Queued to send again; the worker takes it at once."),
        "notice.passedOn": ("已记为电话转达。", "Marked as passed on by phone."),
        "notice.notRetryable": (
            "这条消息不能重新发送（不是失败的消息）。", "This message cannot be sent again (it has not failed)."
        ),
        "notice.noJob": (
            "这条消息的发送任务已被清理，不能重新发送；请在排班看板或服务台重新通知。",
            "The job that wrote this message is gone, so it cannot be sent again; notify again from the roster board or the desk."
        ),
        "notice.notToPhone": ("这条消息不需要（或已经）电话转达。", "This message need not be (or was already) passed on by phone."),
        "error.transient": (
            "网关暂时无法送达，系统会稍后自动重试。", "The gateway could not deliver it for now; it is tried again later by itself."
        ),
        "error.permanent": (
            "网关拒收了这条消息，重试也会被拒：请核对号码或地址。",
            "The gateway refused the message and would refuse it again: check the number or address."
        ),
        "error.notConfigured": (
            "这个发送渠道没有配置好，请管理员检查设置。", "This channel is not set up; ask the administrator to check the settings."
        ),
        "error.http401": ("网关不认可邻里的凭据（HTTP {{s}}）。", "The gateway did not accept Linli's credentials (HTTP {{s}})."),
        "error.http429": ("网关限制了发送频率（HTTP 429）。", "The gateway limits how fast messages may be sent (HTTP 429)."),
        "error.http5xx": ("网关出错（HTTP {{s}}）。", "The gateway had an error (HTTP {{s}})."),
        "error.timeout": ("网关没有及时应答。", "The gateway did not answer in time."),
        "error.unreachable": ("连接不上网关。", "The gateway could not be reached."),
        "error.noPhone": ("没有手机号码。", "There is no phone number."),
        "reason.quiet": ("处于免打扰时段。", "It was inside the quiet hours."),
        "reason.cap": ("已达到每日提醒上限。", "The daily reminder limit was reached."),
        "reason.unreachable": ("没有联系方式，或本人不接收消息。", "There is no way to reach this person, or they asked for no messages."),
        "reason.obsolete": ("班次已变更、取消或已开始，不再需要。", "The shift changed, was cancelled or has started, so it was not needed."),
        "detail": ("原文", "Details"),
    ]

    /// The reports and outbox strings of one language.
    public static func reportsTable(_ language: PageLanguage) -> [String: String] {
        reports.mapValues { language == .en ? $0.en : $0.zh }
    }

    /// One reports or outbox string with `{{name}}` placeholders filled in; the key itself when
    /// there is none.
    public static func report(_ key: String, _ language: PageLanguage, _ values: [String: String] = [:]) -> String {
        guard let pair = reports[key] else { return key }
        var text = language == .en ? pair.en : pair.zh
        for (name, value) in values { text = text.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return text
    }
}

/// The words the outbox page says for a message's last error or the reason it was held back:
/// the channel's error text (`ChannelError.description`, "sms delivery failed, permanent (HTTP
/// 400): …") and the sender's reasons ("quiet hours", "daily cap of 6 reached" …) are written for
/// administrators; staff get a sentence, and the original stays beside it.
public enum MessageWords {
    /// A sentence for a channel's error text; nil for an empty one.
    public static func error(_ raw: String?, _ language: PageLanguage) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let text = raw.lowercased()
        var words: [String] = []
        if let status = httpStatus(text) {
            switch status {
            case 401, 403: words.append(WebStrings.report("error.http401", language, ["s": "\(status)"]))
            case 429: words.append(WebStrings.report("error.http429", language))
            case 500...599: words.append(WebStrings.report("error.http5xx", language, ["s": "\(status)"]))
            default: break
            }
        }
        if text.contains("no answer") || text.contains("timed out") || text.contains("timeout") {
            words.append(WebStrings.report("error.timeout", language))
        } else if text.contains("cannot reach") {
            words.append(WebStrings.report("error.unreachable", language))
        } else if text.contains("no phone number") {
            words.append(WebStrings.report("error.noPhone", language))
        }
        if text.contains("notconfigured") {
            words.append(WebStrings.report("error.notConfigured", language))
        } else if text.contains("transient") {
            words.append(WebStrings.report("error.transient", language))
        } else if text.contains("permanent") {
            words.append(WebStrings.report("error.permanent", language))
        }
        return words.isEmpty ? raw : words.joined(separator: language == .en ? " " : "")
    }

    /// A sentence for the reason a message was held back.
    public static func reason(_ raw: String?, _ language: PageLanguage) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let text = raw.lowercased()
        if text.contains("quiet hours") { return WebStrings.report("reason.quiet", language) }
        if text.contains("daily cap") { return WebStrings.report("reason.cap", language) }
        if text.contains("no way to reach") { return WebStrings.report("reason.unreachable", language) }
        if text.contains("slot") || text.contains("volunteer") || text.contains("visit") || text.contains("patrol") {
            return WebStrings.report("reason.obsolete", language)
        }
        return raw
    }

    /// The HTTP status in "(HTTP 503)", if any.
    static func httpStatus(_ text: String) -> Int? {
        guard let range = text.range(of: "(http ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
