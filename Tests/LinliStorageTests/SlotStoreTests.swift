import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Slot store")
struct SlotStoreTests {
    typealias T = SchedulingTime

    @Test("a slot reads back as created; a week lists the slots starting in it, Asia/Shanghai")
    func roundTripAndWeek() async throws {
        try await SchedulingWorld.with { world in
            let store = SlotStore()
            let monday = Slot(
                communityID: world.community, serviceTypeID: world.duty, placeID: world.station,
                start: T.at("2026-11-09", 0), end: T.at("2026-11-09", 3), headcountMin: 1, headcountMax: 2,
                note: "早班")
            let sundayNight = Slot(
                communityID: world.community, serviceTypeID: world.patrol, placeID: world.route, teamID: world.team,
                start: T.at("2026-11-15", 23, 30), end: T.at("2026-11-16", 1, 30), headcountMin: 2, headcountMax: 3)
            let nextMonday = Slot(
                communityID: world.community, serviceTypeID: world.duty, start: T.at("2026-11-16", 0),
                end: T.at("2026-11-16", 2), headcountMin: 1, headcountMax: 1)
            let sundayBefore = Slot(
                communityID: world.community, serviceTypeID: world.duty, start: T.at("2026-11-08", 23, 59),
                end: T.at("2026-11-09", 1), headcountMin: 1, headcountMax: 1)
            try await world.tx { tx in
                for slot in [monday, sundayNight, nextMonday, sundayBefore] { try await store.create(slot, on: tx) }
            }
            #expect(try await world.tx { tx in try await store.slot(monday.id, on: tx) } == monday)
            #expect(
                try await world.tx { tx in try await store.slots(week: T.date("2026-11-09"), on: tx) } == [monday, sundayNight])
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.slot(ID(), on: tx) } } == .notFound)
            #expect(
                await schedulingErrorCode {
                    _ = try await world.store.transaction(world.otherScope) { tx in try await store.slot(monday.id, on: tx) }
                } == .notFound)

            let cancelled = try await world.tx { tx in try await store.cancel(monday.id, note: "停电", on: tx) }
            #expect(cancelled.status == .cancelled && cancelled.version == 2 && cancelled.note == "停电")
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.cancel(ID(), on: tx) } } == .notFound)
        }
    }

    @Test("the database refuses a slot that ends before it starts, lasts over a day, or has min > max")
    func constraints() async throws {
        try await SchedulingWorld.with { world in
            let start = T.at("2026-11-10", 9)
            for (end, min, max) in [
                (start.addingTimeInterval(-60), 1, 1), (start.addingTimeInterval(25 * 3600), 1, 1),
                (start.addingTimeInterval(3600), 3, 2),
            ] {
                let slot = Slot(
                    communityID: world.community, serviceTypeID: world.duty, start: start, end: end, headcountMin: min,
                    headcountMax: max)
                #expect(
                    await schedulingErrorCode { try await world.tx { tx in try await SlotStore().create(slot, on: tx) } }
                        == .invalidValue)
            }
            let foreign = Slot(
                communityID: world.community, serviceTypeID: world.duty, placeID: ID(), start: start,
                end: start.addingTimeInterval(3600), headcountMin: 1, headcountMax: 1)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await SlotStore().create(foreign, on: tx) } }
                    == .invalidReference)
        }
    }

    @Test("an update needs the version it read: the second writer with the same version is stale")
    func optimisticVersion() async throws {
        try await SchedulingWorld.with { world in
            let slot = try await world.slot(T.at("2026-11-10", 9))
            var moved = slot
            moved.start = T.at("2026-11-10", 10)
            moved.end = T.at("2026-11-10", 12)
            moved.headcountMax = 2
            let updated = try await world.tx { tx in try await SlotStore().update(moved, on: tx) }
            moved.version = 2
            #expect(updated == moved)
            var late = slot
            late.headcountMax = 1
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await SlotStore().update(late, on: tx) } }
                    == .staleVersion)
            late.id = ID()
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await SlotStore().update(late, on: tx) } }
                    == .notFound)
            #expect(try await world.tx { tx in try await SlotStore().slot(slot.id, on: tx) } == moved)
        }
    }
}
