import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Slot templates and the slot generator")
struct SlotGeneratorTests {
    typealias T = SchedulingTime

    func template(
        _ world: SchedulingWorld, _ weekdays: [Int], start: Int, minutes: Int, service: ID<ServiceType>? = nil,
        from: String = "2026-01-05", until: String? = nil, skipHolidays: Bool = true
    ) -> SlotTemplate {
        SlotTemplate(
            communityID: world.community, serviceTypeID: service ?? world.duty,
            placeID: service == world.patrol ? world.route : world.station, teamID: service == world.patrol ? world.team : nil,
            weekdays: weekdays, startMinute: start, minutes: minutes, headcountMin: 1, headcountMax: 3,
            validFrom: T.date(from), validUntil: until.map(T.date), skipHolidays: skipHolidays)
    }

    func create(_ world: SchedulingWorld, _ templates: [SlotTemplate]) async throws {
        try await world.tx { tx in for t in templates { try await SlotTemplateStore().create(t, on: tx) } }
    }

    /// (template, start) of the generated slots of a week, by start.
    func generated(_ world: SchedulingWorld, week: LocalDate) async throws -> [(ID<SlotTemplate>?, Date)] {
        try await world.tx { tx in try await SlotStore().slots(week: week, on: tx) }.map { ($0.templateID, $0.start) }
    }

    @Test("a template round-trips, lists, deactivates; bad templates are refused")
    func templateStore() async throws {
        try await SchedulingWorld.with { world in
            let store = SlotTemplateStore()
            let evening = template(world, [2, 5], start: 1140, minutes: 120, service: world.patrol, skipHolidays: false)
            let morning = template(world, [1, 2, 3, 4, 5], start: 540, minutes: 180, until: "2026-12-31")
            try await create(world, [evening, morning])
            #expect(try await world.tx { tx in try await store.template(evening.id, on: tx) } == evening)
            #expect(try await world.tx { tx in try await store.templates(on: tx) } == [morning, evening])
            try await world.tx { tx in try await store.deactivate(morning.id, on: tx) }
            #expect(try await world.tx { tx in try await store.templates(on: tx) } == [evening])
            var inactive = morning
            inactive.isActive = false
            #expect(try await world.tx { tx in try await store.templates(includeInactive: true, on: tx) } == [inactive, evening])

            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.template(ID(), on: tx) } } == .notFound
            )
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.deactivate(ID(), on: tx) } } == .notFound)
            for bad in [
                template(world, [8], start: 540, minutes: 60),
                template(world, [1], start: 540, minutes: 2),
                template(world, [1], start: 540, minutes: 60, from: "2026-05-01", until: "2026-04-30"),
            ] {
                #expect(
                    await schedulingErrorCode { try await world.tx { tx in try await store.create(bad, on: tx) } }
                        == .invalidValue)
            }
            var inverted = template(world, [1], start: 540, minutes: 60)
            inverted.headcountMin = 4
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(inverted, on: tx) } }
                    == .invalidValue)
            let foreignService = SlotTemplate(
                communityID: world.otherCommunity, serviceTypeID: world.duty, weekdays: [1], startMinute: 540, minutes: 60,
                headcountMin: 1, headcountMax: 1, validFrom: T.date("2026-01-05"))
            #expect(
                await schedulingErrorCode {
                    try await world.store.transaction(world.otherScope) { tx in try await store.create(foreignService, on: tx) }
                } == .invalidReference)
        }
    }

    /// The week of Monday 2026-09-28 in Asia/Shanghai:
    ///
    /// | day | national calendar | community's own | duty (Mon–Fri, skips holidays) | patrol (Thu, runs on holidays) | library (Sat–Sun, skips) |
    /// |---|---|---|---|---|---|
    /// | Mon 09-28 | – | – | 09:00 | – | – |
    /// | Tue 09-29 | – | holiday (消防检修) | skipped | – | – |
    /// | Wed 09-30 | – | – | 09:00 | – | – |
    /// | Thu 10-01 | holiday (国庆节) | – | skipped | 19:00 | – |
    /// | Fri 10-02 | holiday (国庆节) | workday as Friday (wins) | 09:00 | – | – |
    /// | Sat 10-03 | holiday (国庆节) | – | – | – | skipped |
    /// | Sun 10-04 | 调休 workday as Thursday | – | 09:00 | 19:00 | not a Sunday today |
    @Test("expansion across a holiday, a 调休 Sunday worked as Thursday, and a community override")
    func holidaysAndMakeUpDays() async throws {
        try await SchedulingWorld.with { world in
            try await world.store.transaction(.administrator()) { tx in
                for (day, kind, weekday) in [
                    ("2026-10-01", CalendarDayKind.holiday, Int?.none), ("2026-10-02", .holiday, nil),
                    ("2026-10-03", .holiday, nil), ("2026-10-04", .workday, 4),
                ] {
                    try await CalendarStore().create(
                        CalendarDay(communityID: nil, day: T.date(day), kind: kind, name: "国庆节", worksAsWeekday: weekday),
                        on: tx)
                }
            }
            try await world.tx { tx in
                try await CalendarStore().create(
                    CalendarDay(communityID: world.community, day: T.date("2026-09-29"), kind: .holiday, name: "服务大厅消防检修"),
                    on: tx)
                try await CalendarStore().create(
                    CalendarDay(
                        communityID: world.community, day: T.date("2026-10-02"), kind: .workday, name: "服务大厅照常开放",
                        worksAsWeekday: 5), on: tx)
            }
            let duty = template(world, [1, 2, 3, 4, 5], start: 540, minutes: 180)
            let patrol = template(world, [4], start: 1140, minutes: 120, service: world.patrol, skipHolidays: false)
            let library = template(world, [6, 7], start: 840, minutes: 180)
            try await create(world, [duty, patrol, library])

            let week = T.date("2026-09-28")
            let created = try await SlotGenerator().generate(week: week, scope: world.scope, in: world.store)
            #expect(created == 6)
            let slots = try await generated(world, week: week)
            let expected: [(ID<SlotTemplate>, Date)] = [
                (duty.id, T.at("2026-09-28", 9)),
                (duty.id, T.at("2026-09-30", 9)),
                (patrol.id, T.at("2026-10-01", 19)),
                (duty.id, T.at("2026-10-02", 9)),
                (duty.id, T.at("2026-10-04", 9)),
                (patrol.id, T.at("2026-10-04", 19)),
            ]
            #expect(slots.map(\.0) == expected.map(\.0))
            #expect(slots.map(\.1) == expected.map(\.1))
            // Exact instants: Asia/Shanghai is UTC+8.
            #expect(slots.first?.1 == Date(timeIntervalSince1970: 1_790_557_200))  // 2026-09-28T01:00:00Z
            let all = try await world.tx { tx in try await SlotStore().slots(week: week, on: tx) }
            #expect(all.allSatisfy { $0.end.timeIntervalSince($0.start) == ($0.templateID == patrol.id ? 7200 : 10800) })
            #expect(all.filter { $0.templateID == patrol.id }.allSatisfy { $0.teamID == world.team && $0.placeID == world.route })
        }
    }

    @Test("running the generator again, or four at once, creates nothing new; moved and cancelled slots stay")
    func idempotent() async throws {
        try await SchedulingWorld.with(appPoolSize: 4) { world in
            let duty = template(world, [1, 2, 3, 4, 5], start: 540, minutes: 180)
            let weekend = template(world, [6, 7], start: 840, minutes: 120)
            try await create(world, [duty, weekend])
            let week = T.date("2026-11-09")
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await SlotGenerator().generate(week: week, scope: world.scope, in: world.store) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == 7)
            #expect(try await SlotGenerator().generate(week: week, scope: world.scope, in: world.store) == 0)

            var slots = try await world.tx { tx in try await SlotStore().slots(week: week, on: tx) }
            #expect(slots.count == 7)
            // The coordinator moves Monday's duty an hour later and cancels Tuesday's.
            slots[0].start = slots[0].start.addingTimeInterval(3600)
            slots[0].end = slots[0].end.addingTimeInterval(3600)
            let (moved, cancelled) = (slots[0], slots[1])
            try await world.tx { tx in
                try await SlotStore().update(moved, on: tx)
                try await SlotStore().cancel(cancelled.id, note: "志愿者培训", on: tx)
            }
            #expect(try await SlotGenerator().generate(week: week, scope: world.scope, in: world.store) == 0)
            let after = try await world.tx { tx in try await SlotStore().slots(week: week, on: tx) }
            #expect(after.count == 7)
            #expect(after.first?.start == T.at("2026-11-09", 10))
            #expect(after.filter { $0.status == .cancelled }.map(\.id) == [cancelled.id])
        }
    }

    @Test("validity bounds, inactive templates and services, other communities and non-Mondays")
    func validity() async throws {
        try await SchedulingWorld.with { world in
            let bounded = template(
                world, [1, 2, 3, 4, 5, 6, 7], start: 420, minutes: 60, from: "2026-11-11", until: "2026-11-13")
            let ended = template(world, [1, 2, 3, 4, 5, 6, 7], start: 480, minutes: 60, until: "2026-11-08")
            let future = template(world, [1, 2, 3, 4, 5, 6, 7], start: 600, minutes: 60, from: "2026-11-16")
            let inactive = template(world, [1, 2, 3, 4, 5], start: 660, minutes: 60)
            let visits = template(world, [1, 2, 3, 4, 5], start: 900, minutes: 60, service: world.visit)
            try await create(world, [bounded, ended, future, inactive, visits])
            try await world.tx { tx in
                try await SlotTemplateStore().deactivate(inactive.id, on: tx)
                try await ServiceTypeStore().deactivate(world.visit, on: tx)
            }
            let foreignService = ServiceType(
                communityID: world.otherCommunity, code: "station_duty", nameZh: "值班", nameEn: "Duty", kind: .duty,
                defaultMinutes: 60)
            let foreign = SlotTemplate(
                communityID: world.otherCommunity, serviceTypeID: foreignService.id, weekdays: [1, 2, 3, 4, 5, 6, 7],
                startMinute: 420, minutes: 60, headcountMin: 1, headcountMax: 1, validFrom: T.date("2026-01-05"))
            try await world.store.transaction(world.otherScope) { tx in
                try await ServiceTypeStore().create(foreignService, on: tx)
                try await SlotTemplateStore().create(foreign, on: tx)
            }

            let week = T.date("2026-11-09")
            #expect(try await SlotGenerator().generate(week: week, scope: world.scope, in: world.store) == 3)
            #expect(
                try await generated(world, week: week).map(\.1)
                    == [T.at("2026-11-11", 7), T.at("2026-11-12", 7), T.at("2026-11-13", 7)])
            // The other community's template waits for its own run.
            let theirs = try await world.store.transaction(world.otherScope) { tx in
                try await SlotStore().slots(week: week, on: tx)
            }
            #expect(theirs.isEmpty)
            #expect(try await SlotGenerator().generate(week: week, scope: world.otherScope, in: world.store) == 7)

            // The next week: only the template that starts then.
            let next = T.date("2026-11-16")
            #expect(try await SlotGenerator().generate(week: next, scope: world.scope, in: world.store) == 7)
            #expect(try await generated(world, week: next).allSatisfy { $0.0 == future.id })

            #expect(
                await schedulingErrorCode {
                    _ = try await SlotGenerator().generate(week: T.date("2026-11-10"), scope: world.scope, in: world.store)
                } == .invalidValue)
        }
    }
}
