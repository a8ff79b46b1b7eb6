import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Calendar store")
struct CalendarStoreTests {
    @Test("national entries need an administrator; a community's own entry wins over the national one")
    func nationalAndCommunityEntries() async throws {
        try await SchedulingWorld.with { world in
            let store = CalendarStore()
            let nationalDay = CalendarDay(
                communityID: nil, day: SchedulingTime.date("2026-10-01"), kind: .holiday, name: "国庆节")
            let nationalFriday = CalendarDay(
                communityID: nil, day: SchedulingTime.date("2026-10-02"), kind: .holiday, name: "国庆节")
            let makeUp = CalendarDay(
                communityID: nil, day: SchedulingTime.date("2026-10-11"), kind: .workday, name: "国庆调休", worksAsWeekday: 5)
            // A coordinator cannot change the national calendar.
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(nationalDay, on: tx) } }
                    == .forbidden)
            try await world.store.transaction(.administrator()) { tx in
                for day in [nationalDay, nationalFriday, makeUp] { try await store.create(day, on: tx) }
            }
            // The service hall opens on the Friday: the community's own entry.
            let open = CalendarDay(
                communityID: world.community, day: SchedulingTime.date("2026-10-02"), kind: .workday,
                name: "服务大厅照常开放", worksAsWeekday: 5)
            try await world.tx { tx in try await store.create(open, on: tx) }
            #expect(try await world.tx { tx in try await store.entry(open.id, on: tx) } == open)
            #expect(try await world.tx { tx in try await store.entry(nationalDay.id, on: tx) } == nationalDay)

            let from = SchedulingTime.date("2026-09-28"), through = SchedulingTime.date("2026-10-11")
            let effective = try await world.tx { tx in
                try await store.effectiveDays(community: world.community, from: from, through: through, on: tx)
            }
            #expect(effective == [nationalDay, open, makeUp])
            let all = try await world.tx { tx in try await store.entries(from: from, through: through, on: tx) }
            #expect(all == [nationalDay, nationalFriday, open, makeUp])
            // The other community sees the national calendar only.
            let theirs = try await world.store.transaction(world.otherScope) { tx in
                try await store.effectiveDays(community: world.otherCommunity, from: from, through: through, on: tx)
            }
            #expect(theirs == [nationalDay, nationalFriday, makeUp])
            #expect(
                await schedulingErrorCode {
                    _ = try await world.store.transaction(world.otherScope) { tx in try await store.entry(open.id, on: tx) }
                } == .notFound)
            // A coordinator cannot delete a national entry either; an administrator can.
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.delete(nationalDay.id, on: tx) } }
                    == .forbidden)
            try await world.store.transaction(.administrator()) { tx in try await store.delete(makeUp.id, on: tx) }
            #expect(
                try await world.tx { tx in try await store.entries(from: from, through: through, on: tx) }
                    == [nationalDay, nationalFriday, open])
        }
    }

    @Test("one entry per day and community; a workday names its weekday and a holiday does not")
    func constraints() async throws {
        try await SchedulingWorld.with { world in
            let store = CalendarStore()
            let day = SchedulingTime.date("2026-11-07")
            try await world.tx { tx in
                try await store.create(
                    CalendarDay(communityID: world.community, day: day, kind: .holiday, name: "邻里节"), on: tx)
            }
            let twice = CalendarDay(communityID: world.community, day: day, kind: .holiday, name: "邻里节（重复）")
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(twice, on: tx) } } == .duplicate)
            let noWeekday = CalendarDay(
                communityID: world.community, day: day.adding(days: 1), kind: .workday, name: "补班")
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(noWeekday, on: tx) } }
                    == .invalidValue)
            let holidayWithWeekday = CalendarDay(
                communityID: world.community, day: day.adding(days: 1), kind: .holiday, name: "假日", worksAsWeekday: 3)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(holidayWithWeekday, on: tx) } }
                    == .invalidValue)
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.entry(ID(), on: tx) } } == .notFound)
            #expect(await schedulingErrorCode { try await world.tx { tx in try await store.delete(ID(), on: tx) } } == .notFound)
        }
    }
}
