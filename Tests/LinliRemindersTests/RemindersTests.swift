import AsyncHTTPClient
import Foundation
import LinliChannels
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliReminders
import LinliStorage
import LinliTestSupport
import Logging
import Testing

/// A published roster in the scheduling test world, with reminders to plan and send.
struct ReminderWorld {
    let world: SchedulingWorld
    let queue: JobQueue
    let sender: ReminderSender
    let planner = ReminderPlanner()

    init(_ world: SchedulingWorld, channels: Channels = .outboxOnly) {
        self.world = world
        self.queue = JobQueue(store: world.store)
        self.sender = ReminderSender(store: world.store, channels: channels, logger: TestDatabase.logger)
    }

    /// Quiet hours that do not touch the next hours (so a test does not depend on the time of day).
    func quietHoursAway() async throws {
        try await setQuietHours(from: Date().addingTimeInterval(20 * 3600), to: Date().addingTimeInterval(21 * 3600))
    }

    func setQuietHours(from start: Date, to end: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .shanghai
        func clock(_ date: Date) -> String {
            let c = calendar.dateComponents([.hour, .minute], from: date)
            return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        }
        try await world.admin.execute(
            """
            UPDATE communities SET quiet_hours_start = \(clock(start))::time, quiet_hours_end = \(clock(end))::time
            WHERE id = \(world.community)
            """)
    }

    /// A slot starting `hours` from now with the given volunteers published on it.
    func publishedSlot(
        inHours hours: Double, service: ID<ServiceType>? = nil, volunteers: [ID<Volunteer>]
    ) async throws -> (Slot, Roster, PlanSummary) {
        let start = Date().addingTimeInterval(hours * 3600).rounded(toMinutes: 1)
        let slot = try await world.slot(start, service: service)
        let (roster, summary) = try await publish(slot, volunteers: volunteers)
        return (slot, roster, summary)
    }

    /// Publishes a roster of `slot`'s week with the given volunteers on it.
    @discardableResult
    func publish(_ slot: Slot, volunteers: [ID<Volunteer>]) async throws -> (Roster, PlanSummary) {
        try await world.tx { tx in
            let draft = try await RosterStore().createDraft(
                community: world.community, week: LocalDate(slot.start, in: .shanghai).weekStart, on: tx)
            for volunteer in volunteers {
                try await AssignmentStore().assign(
                    Assignment(rosterID: draft.id, slotID: slot.id, volunteerID: volunteer), on: tx)
            }
            return try await planner.publish(draft.id, on: tx)
        }
    }

    /// A one-hour home visit for the world's resident, scheduled on a slot of its own.
    func scheduledVisit(at start: Date) async throws -> (Slot, Booking) {
        let slot = try await world.slot(start, minutes: 60, service: world.visit, headcountMax: 1)
        let booking = Booking(
            communityID: world.community, residentID: world.resident, serviceTypeID: world.visit, minutes: 60,
            windows: [TimeWindow(start: start, end: start.addingTimeInterval(3600))])
        try await world.tx { tx in
            try await BookingStore().create(booking, on: tx)
            try await BookingStore().schedule(booking.id, slot: slot.id, on: tx)
        }
        return (slot, booking)
    }

    /// Makes every pending reminder job due now and claims them.
    func claimAll() async throws -> [Job] {
        try await world.admin.execute("UPDATE jobs SET run_at = now() WHERE state = 'pending'")
        return try await queue.claim(worker: "test", limit: 100, kinds: [ReminderPlanner.jobKind])
    }

    func messages() async throws -> [MessageRecord] {
        try await world.store.transaction(world.scope) { tx in
            try await Outbox().messages(state: nil, limit: 100, on: tx)
        }
    }
}

extension Channels {
    /// Nothing configured: every message goes to the outbox (the shared HTTP client is never used).
    static var outboxOnly: Channels { Channels(configuration: ChannelConfiguration(), httpClient: .shared) }
}

extension Date {
    func rounded(toMinutes m: Int) -> Date {
        let step = Double(m * 60)
        return Date(timeIntervalSince1970: (timeIntervalSince1970 / step).rounded(.up) * step)
    }
}

@Suite struct RemindersTests {
    @Test func publishingPlansRemindersOncePerAssignment() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let (_, roster, summary) = try await r.publishedSlot(inHours: 30, volunteers: Array(world.volunteers.prefix(2)))
            // Leads 12 h and 2 h, for each of two volunteers (duty: no resident, no team).
            #expect(summary.reminders == 4)
            let again = try await world.tx { tx in try await r.planner.planRoster(roster.id, on: tx) }
            #expect(again.reminders == 0)
            let due = try await world.admin.query(
                "SELECT count(*) AS n FROM jobs WHERE kind = 'reminder.send' AND run_at > now() + interval '20 hours'")
            #expect(try due.rows.first?.decode("n", as: Int.self) == 2)
        }
    }

    @Test func aReminderIsSentOnceThroughTheOutbox() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let volunteer = world.volunteers[0]
            _ = try await r.publishedSlot(inHours: 1, volunteers: [volunteer])
            // Inside both leads: one reminder at once.
            let jobs = try await r.claimAll()
            #expect(jobs.count == 1)
            let job = try #require(jobs.first)
            #expect(try await r.sender.send(job) == .sent(channel: .outbox))
            #expect(try await r.sender.send(job) == .alreadyDone)
            let messages = try await r.messages()
            #expect(messages.count == 1)
            let message = try #require(messages.first)
            #expect(message.state == .sent)
            #expect(message.address == "13800000000")
            #expect(message.body.contains("志愿者0您好"))
            #expect(message.body.contains("便民服务站值班"))
            #expect(message.idempotencyKey.hasPrefix("linli-"))
        }
    }

    @Test func aMovedSlotGetsAChangeNoticeAndNoStaleReminder() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let (slot, _, _) = try await r.publishedSlot(inHours: 5, volunteers: [world.volunteers[0]])
            var moved = try await world.tx { tx in try await SlotStore().slot(slot.id, on: tx) }
            moved.start = slot.start.addingTimeInterval(1800)
            moved.end = slot.end.addingTimeInterval(1800)
            let (_, summary) = try await world.tx { tx in try await r.planner.moveSlot(moved, on: tx) }
            #expect(summary.changeNotices == 1)
            #expect(summary.cancelledJobs >= 1)
            let jobs = try await r.claimAll()
            var outcomes: [ReminderSender.Outcome] = []
            for job in jobs { outcomes.append(try await r.sender.send(job)) }
            // The change notice (instead of a late reminder) and the 2-hour reminder at the new time.
            #expect(outcomes.filter { $0 == .sent(channel: .outbox) }.count == 2)
            let bodies = try await r.messages().map(\.body)
            let clock = MessageTextClock.shanghai(moved.start)
            #expect(bodies.contains { $0.contains("已改为\(clock)") })
        }
    }

    @Test func aCancelledVisitIsNotRemindedAndThoseToldAreTold() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let (slot, _, _) = try await r.publishedSlot(inHours: 1, volunteers: [world.volunteers[0]])
            for job in try await r.claimAll() { _ = try await r.sender.send(job) }
            // A second slot far ahead, whose reminders are still pending.
            let (later, _, planned) = try await r.publishedSlot(inHours: 40, volunteers: [world.volunteers[1]])
            #expect(planned.reminders == 2)
            let first = try await world.tx { tx in try await r.planner.cancelSlot(slot.id, note: "下雨", on: tx) }
            #expect(first.1.cancellationNotices == 1)
            let second = try await world.tx { tx in try await r.planner.cancelSlot(later.id, note: "改期", on: tx) }
            #expect(second.1.cancelledJobs == 2)
            #expect(second.1.cancellationNotices == 0)  // not told yet, not inside the lead time
            let jobs = try await r.claimAll()
            #expect(jobs.count == 1)
            for job in jobs { #expect(try await r.sender.send(job) == .sent(channel: .outbox)) }
            let bodies = try await r.messages().map(\.body)
            #expect(bodies.contains { $0.contains("已取消，无需前往") })
        }
    }

    @Test func nothingReachesAPersonInQuietHours() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.setQuietHours(
                from: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(1800))
            _ = try await r.publishedSlot(inHours: 3, volunteers: [world.volunteers[0]])
            let jobs = try await r.claimAll()
            let job = try #require(jobs.first)
            await #expect(throws: JobDeferral.self) { try await r.sender.send(job) }
            #expect(try await r.messages().isEmpty)
        }
    }

    @Test func theDailyCapHoldsBackExtraReminders() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            try await world.admin.execute("UPDATE communities SET daily_message_cap = 1 WHERE id = \(world.community)")
            _ = try await r.publishedSlot(inHours: 1, volunteers: [world.volunteers[0]])
            _ = try await r.publishedSlot(inHours: 4, volunteers: [world.volunteers[0]]).0
            var outcomes: [ReminderSender.Outcome] = []
            for job in try await r.claimAll() { outcomes.append(try await r.sender.send(job)) }
            #expect(outcomes.contains(.sent(channel: .outbox)))
            #expect(outcomes.contains(.suppressed("daily cap of 1 reached")))
        }
    }

    @Test func aDeclineQueuesAReplan() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            _ = try await r.publishedSlot(inHours: 1, volunteers: [world.volunteers[0]])
            for job in try await r.claimAll() { _ = try await r.sender.send(job) }
            let replies = Replies(store: world.store)
            #expect(try await replies.receive(from: "13800000000", text: "好的谢谢", inReplyTo: nil).status == .notUnderstood)
            #expect(try await replies.receive(from: "13900009999", text: "1", inReplyTo: nil).status == .noMatchingMessage)
            let declined = try await replies.receive(from: "13800000000", text: "２", inReplyTo: nil)
            #expect(declined.status == .recorded)
            #expect(declined.meaning == .declined)
            #expect(declined.replanJobID != nil)
            #expect(try await r.messages().first?.reply == "declined")
        }
    }

    @Test func aDeclineIsReplannedIntoADraftAndTheCoordinatorsAreTold() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let (slot, published, _) = try await r.publishedSlot(inHours: 30, volunteers: [world.volunteers[0]])
            for job in try await r.claimAll() { _ = try await r.sender.send(job) }
            let declined = try await Replies(store: world.store).receive(
                from: "13800000000", text: "2", inReplyTo: nil)
            let jobs = try await r.queue.claim(worker: "test", limit: 10, kinds: [Replies.replanKind])
            #expect(jobs.count == 1)
            #expect(jobs.first?.id == declined.replanJobID)
            for job in jobs {
                try await DeclineReplanner(store: world.store, logger: TestDatabase.logger, seconds: 1).handler(job)
            }
            let versions = try await world.tx { tx in
                try await RosterStore().versions(community: world.community, week: published.weekStart, on: tx)
            }
            let draft = try #require(versions.last)
            #expect(draft.state == .draft)
            #expect(draft.version == published.version + 1)
            let onSlot = try await world.tx { tx in
                try await AssignmentStore().assignments(roster: draft.id, on: tx).filter { $0.slotID == slot.id }
            }
            #expect(!onSlot.contains { $0.volunteerID == world.volunteers[0] })
            let staff = try await r.messages().filter { $0.audience == .staff }
            #expect(staff.count == 1)
            #expect(staff.first?.body.contains("志愿者0回复不能参加") == true)
        }
    }

    @Test func aVisitRemindsTheResidentAndErasureClearsTheMessages() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            try await world.admin.execute("UPDATE residents SET phone = '13700001234' WHERE id = \(world.resident)")
            let start = Date().addingTimeInterval(3600).rounded(toMinutes: 1)
            let (slot, _) = try await r.scheduledVisit(at: start)
            try await r.publish(slot, volunteers: [world.volunteers[0]])
            for job in try await r.claimAll() { #expect(try await r.sender.send(job) == .sent(channel: .outbox)) }
            let messages = try await r.messages()
            let toResident = try #require(messages.first { $0.audience == .resident })
            #expect(toResident.body.contains("王秀英您好：志愿者志愿者0将于"))
            #expect(toResident.address == "13700001234")
            let toVolunteer = try #require(messages.first { $0.audience == .volunteer })
            #expect(toVolunteer.body.contains("为王秀英上门陪聊"))
            _ = try await world.tx { tx in try await ResidentStore().erase(world.resident, on: tx) }
            for message in try await r.messages() {
                #expect(!message.body.contains("王秀英"))
                #expect(message.address == nil)
            }
        }
    }

    @Test func erasingAResidentCancelsTheRemindersOfTheirVisits() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            let start = Date().addingTimeInterval(2 * 86_400).rounded(toMinutes: 1)
            let (slot, _) = try await r.scheduledVisit(at: start)
            try await r.publish(slot, volunteers: [world.volunteers[0]])
            func pendingReminders() async throws -> Int {
                let subject = "slot:\(slot.id)"
                return try await world.admin.query(
                    "SELECT count(*) AS n FROM jobs WHERE state = 'pending' AND subject = \(subject)"
                ).rows.first?.decode("n", as: Int.self) ?? -1
            }
            let before = try await pendingReminders()
            #expect(before > 0)
            let summary = try await world.tx { tx in try await r.planner.eraseResident(world.resident, on: tx) }
            #expect(summary.cancelledJobs == before)
            #expect(try await pendingReminders() == 0)
        }
    }

    @Test func theCallListShowsTomorrowsCallsAndACancelledCallCancelsTheVisit() async throws {
        try await SchedulingWorld.with { world in
            let r = ReminderWorld(world)
            try await r.quietHoursAway()
            try await world.admin.execute(
                "UPDATE residents SET needs_call = true, phone = '13700001234' WHERE id = \(world.resident)")
            let tomorrow = LocalDate(Date(), in: .shanghai).adding(days: 1)
            let start = tomorrow.startOfDay(in: .shanghai).addingTimeInterval(10 * 3600)
            let (slot, booking) = try await r.scheduledVisit(at: start)
            let list = CallList()
            let entries = try await world.tx { tx in try await list.entries(community: world.community, day: tomorrow, on: tx) }
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.residentName == "王秀英")
            #expect(entry.phone == "13700001234")
            #expect(entry.script.contains("王秀英您好"))
            #expect(entry.mark == nil)
            try await world.tx { tx in
                try await list.mark(slot: slot.id, .cancelled, note: "老人住院", by: world.coordinator, on: tx)
            }
            let after = try await world.tx { tx in try await list.entries(community: world.community, day: tomorrow, on: tx) }
            #expect(after.first?.mark == .cancelled)
            let state = try await world.tx { tx in try await BookingStore().booking(booking.id, on: tx).state }
            #expect(state == .cancelled)
        }
    }
}

/// The clock text of a date in Asia/Shanghai, as the messages print it.
enum MessageTextClock {
    static func shanghai(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .shanghai
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }
}
