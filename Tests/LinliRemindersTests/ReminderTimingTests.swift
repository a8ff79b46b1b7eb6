import Foundation
import LinliDomain
import LinliReminders
import LinliTestSupport
import Testing

@Suite struct ReminderTimingTests {
    let quiet = QuietHours(startMinute: 21 * 60, endMinute: 7 * 60 + 30, timeZone: .shanghai)

    func at(_ day: String, _ hour: Int, _ minute: Int = 0) -> Date {
        SchedulingTime.at(day, hour, minute)
    }

    @Test func quietHoursWrapMidnight() {
        #expect(quiet.contains(at("2026-11-24", 21, 0)))
        #expect(quiet.contains(at("2026-11-24", 23, 59)))
        #expect(quiet.contains(at("2026-11-25", 7, 29)))
        #expect(!quiet.contains(at("2026-11-25", 7, 30)))
        #expect(!quiet.contains(at("2026-11-24", 20, 59)))
        #expect(quiet.periodStart(containing: at("2026-11-25", 6, 0)) == at("2026-11-24", 21, 0))
        #expect(quiet.periodEnd(containing: at("2026-11-24", 22, 0)) == at("2026-11-25", 7, 30))
        let daytime = QuietHours(startMinute: 12 * 60, endMinute: 14 * 60, timeZone: .shanghai)
        #expect(daytime.contains(at("2026-11-24", 13, 0)))
        #expect(!daytime.contains(at("2026-11-24", 14, 0)))
    }

    @Test func remindersDueInQuietHoursGoOutBeforeThem() {
        // A 09:00 visit: 12 h before is 21:00, 2 h before is 07:00 — both quiet; one reminder at 20:45.
        let plan = ReminderTiming.plan(
            start: at("2026-11-25", 9), leads: [720, 120], now: at("2026-11-24", 10), quiet: quiet)
        #expect(plan.map(\.sendAt) == [at("2026-11-24", 20, 45)])
        #expect(plan.map(\.leadMinutes) == [720])
    }

    @Test func regularLeadsOutsideQuietHours() {
        // A 19:00 patrol: 07:00 is quiet (moved to 20:45 the evening before), 17:00 is not.
        let plan = ReminderTiming.plan(
            start: at("2026-11-25", 19), leads: [720, 120], now: at("2026-11-24", 10), quiet: quiet)
        #expect(plan.map(\.sendAt) == [at("2026-11-24", 20, 45), at("2026-11-25", 17)])
        for planned in plan { #expect(!quiet.contains(planned.sendAt)) }
    }

    @Test func aLateChangeIsRemindedAtOnce() {
        let now = at("2026-11-25", 15)
        let plan = ReminderTiming.plan(start: at("2026-11-25", 19), leads: [720, 120], now: now, quiet: quiet)
        // 07:00 has passed; 17:00 is two hours away: one now, one at 17:00.
        #expect(plan.map(\.sendAt) == [now, at("2026-11-25", 17)])
        #expect(plan.first?.leadMinutes == nil)
        // Forty minutes before the 17:00 one, no extra reminder.
        let later = ReminderTiming.plan(
            start: at("2026-11-25", 19), leads: [720, 120], now: at("2026-11-25", 16, 20), quiet: quiet)
        #expect(later.map(\.sendAt) == [at("2026-11-25", 17)])
        #expect(ReminderTiming.plan(start: at("2026-11-25", 19), leads: [120], now: at("2026-11-25", 19), quiet: quiet).isEmpty)
    }

    @Test func insideLeadTime() {
        #expect(ReminderTiming.isInsideLeadTime(start: at("2026-11-25", 19), leads: [720, 120], now: at("2026-11-25", 8)))
        #expect(!ReminderTiming.isInsideLeadTime(start: at("2026-11-25", 19), leads: [720, 120], now: at("2026-11-25", 6)))
    }

    @Test func repliesAreUnderstoodInBothScripts() {
        #expect(ReplyMeaning(text: " 1 ") == .confirmed)
        #expect(ReplyMeaning(text: "１") == .confirmed)
        #expect(ReplyMeaning(text: "2。") == .declined)
        #expect(ReplyMeaning(text: "不能来") == .declined)
        #expect(ReplyMeaning(text: "明天见") == nil)
    }

    @Test func textsSayWhoWhenWhere() {
        let facts = EventFacts(
            communityName: "幸福里社区", communityPhone: "021-5555", serviceNameZh: "晚间巡逻", serviceNameEn: "Evening patrol",
            start: at("2026-11-24", 19, 30), end: at("2026-11-24", 21, 30), placeZh: "一号巡逻线", residentName: nil,
            teamName: "三老巡逻队", volunteerNames: ["王芳", "李强"], timeZone: .shanghai)
        let change = MessageText.volunteerChange(name: "王芳", facts, now: at("2026-11-24", 12), .zh)
        #expect(change.contains("您的周二晚间巡逻已改为19:30"))
        #expect(change.contains("今天（11月24日 周二）"))
        let reminder = MessageText.volunteerReminder(name: "王芳", facts, now: at("2026-11-23", 12), .zh)
        #expect(reminder.contains("明天（11月24日 周二） 19:30–21:30 晚间巡逻，地点：一号巡逻线"))
        #expect(reminder.contains("回复1确认"))
        let english = MessageText.volunteerReminder(name: "Wang Fang", facts, now: at("2026-11-23", 12), .en)
        #expect(english.contains("tomorrow (Tue 24 Nov), 19:30–21:30"))
        #expect(MessageText.teamReminder(facts, now: at("2026-11-23", 12), .zh).contains("成员：王芳、李强"))
    }
}
