import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Booking and booking recurrence stores")
struct BookingStoreTests {
    typealias T = SchedulingTime

    func booking(_ world: SchedulingWorld, windows: [(Date, Date)], notes: String? = nil) -> Booking {
        Booking(
            communityID: world.community, residentID: world.resident, serviceTypeID: world.visit, minutes: 60,
            windows: windows.map { TimeWindow(start: $0.0, end: $0.1) }, notes: notes, bookedBy: world.coordinator)
    }

    func visitSlot(_ world: SchedulingWorld, _ start: Date) async throws -> Slot {
        try await world.slot(start, minutes: 60, service: world.visit, headcountMax: 1)
    }

    @Test("a booking reads back with its windows and is listed by resident, state and week")
    func roundTripAndLists() async throws {
        try await SchedulingWorld.with { world in
            let store = BookingStore()
            var chat = booking(
                world,
                windows: [
                    (T.at("2026-11-11", 14), T.at("2026-11-11", 17)), (T.at("2026-11-11", 9), T.at("2026-11-11", 11)),
                ], notes: "老人耳背，敲门要大声")
            let nextWeek = booking(world, windows: [(T.at("2026-11-17", 9), T.at("2026-11-17", 11))])
            try await world.tx { tx in
                try await store.create(chat, on: tx)
                try await store.create(nextWeek, on: tx)
            }
            let read = try await world.tx { tx in try await store.booking(chat.id, on: tx) }
            chat.windows.sort { $0.start < $1.start }
            chat.bookedAt = read.bookedAt
            #expect(read.bookedAt != nil)
            #expect(read == chat)

            #expect(try await world.tx { tx in try await store.bookings(resident: world.resident, on: tx) }.count == 2)
            #expect(
                try await world.tx { tx in try await store.bookings(state: .requested, on: tx) }.map(\.id).sorted()
                    == [chat.id, nextWeek.id].sorted())
            #expect(
                try await world.tx { tx in try await store.bookings(week: T.date("2026-11-09"), on: tx) }.map(\.id) == [chat.id])

            // Scheduled onto a slot of the next week, it belongs to that week.
            let slot = try await visitSlot(world, T.at("2026-11-16", 10))
            let scheduled = try await world.tx { tx in try await store.schedule(chat.id, slot: slot.id, on: tx) }
            #expect(scheduled.state == .scheduled && scheduled.slotID == slot.id && scheduled.version == 2)
            #expect(try await world.tx { tx in try await store.bookings(week: T.date("2026-11-09"), on: tx) }.isEmpty)
            #expect(
                try await world.tx { tx in try await store.bookings(week: T.date("2026-11-16"), on: tx) }.map(\.id)
                    == [chat.id, nextWeek.id])

            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.booking(ID(), on: tx) } } == .notFound)
            #expect(
                await schedulingErrorCode {
                    _ = try await world.store.transaction(world.otherScope) { tx in try await store.booking(chat.id, on: tx) }
                } == .notFound)
        }
    }

    @Test("requested → scheduled → done; cancel and no-show need a reason; cancelling cancels the slot")
    func lifecycle() async throws {
        try await SchedulingWorld.with { world in
            let store = BookingStore()
            let window = [(T.at("2026-11-12", 9), T.at("2026-11-12", 12))]
            let (a, b, c) = (booking(world, windows: window), booking(world, windows: window), booking(world, windows: window))
            let (slotA, slotB, slotC) = (
                try await visitSlot(world, T.at("2026-11-12", 9)), try await visitSlot(world, T.at("2026-11-12", 10)),
                try await visitSlot(world, T.at("2026-11-12", 11))
            )
            try await world.tx { tx in for x in [a, b, c] { try await store.create(x, on: tx) } }

            // Done only once scheduled.
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await store.markDone(a.id, on: tx) } }
                    == .invalidValue)
            try await world.tx { tx in
                try await store.schedule(a.id, slot: slotA.id, on: tx)
                try await store.schedule(b.id, slot: slotB.id, on: tx)
            }
            // One booking per slot.
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in _ = try await store.schedule(c.id, slot: slotA.id, on: tx) }
                }
                    == .duplicate)
            let done = try await world.tx { tx in try await store.markDone(a.id, on: tx) }
            #expect(done.state == .done)
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in _ = try await store.cancel(a.id, reason: "不需要了", on: tx) }
                }
                    == .invalidValue)

            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await store.cancel(b.id, reason: "  ", on: tx) } }
                    == .invalidValue)
            let cancelled = try await world.tx { tx in try await store.cancel(b.id, reason: "老人住院了", on: tx) }
            #expect(cancelled.state == .cancelled && cancelled.stateReason == "老人住院了")
            let slot = try await world.tx { tx in try await SlotStore().slot(slotB.id, on: tx) }
            #expect(slot.status == .cancelled && slot.note == "老人住院了")

            try await world.tx { tx in _ = try await store.schedule(c.id, slot: slotC.id, on: tx) }
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in _ = try await store.markNoShow(c.id, reason: "", on: tx) }
                } == .invalidValue)
            let noShow = try await world.tx { tx in try await store.markNoShow(c.id, reason: "敲门无人应答，电话联系家属", on: tx) }
            #expect(noShow.state == .noShow && noShow.stateReason == "敲门无人应答，电话联系家属")

            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await store.cancel(ID(), reason: "x", on: tx) } }
                    == .notFound)
        }
    }

    @Test("the database refuses a booking without windows, with a reversed window, or for another community's resident")
    func constraints() async throws {
        try await SchedulingWorld.with { world in
            let store = BookingStore()
            func code(_ booking: Booking) async -> StorageError.Code? {
                await schedulingErrorCode { try await world.tx { tx in try await store.create(booking, on: tx) } }
            }
            #expect(await code(booking(world, windows: [])) == .invalidValue)
            #expect(await code(booking(world, windows: [(T.at("2026-11-12", 12), T.at("2026-11-12", 9))])) == .invalidValue)
            var tooShort = booking(world, windows: [(T.at("2026-11-12", 9), T.at("2026-11-12", 12))])
            tooShort.minutes = 3
            #expect(await code(tooShort) == .invalidValue)
            var foreign = booking(world, windows: [(T.at("2026-11-12", 9), T.at("2026-11-12", 12))])
            foreign.residentID = world.otherResident
            #expect(await code(foreign) == .invalidReference)
            var scheduledWithoutSlot = booking(world, windows: [(T.at("2026-11-12", 9), T.at("2026-11-12", 12))])
            scheduledWithoutSlot.state = .scheduled
            #expect(await code(scheduledWithoutSlot) == .invalidValue)
            let stored = try await world.tx { tx in try await store.bookings(resident: world.resident, on: tx) }
            #expect(stored.isEmpty)
        }
    }

    @Test("a standing request round-trips, lists by resident, deactivates; a window shorter than the visit is refused")
    func recurrences() async throws {
        try await SchedulingWorld.with { world in
            let store = BookingRecurrenceStore()
            let wednesday = BookingRecurrence(
                communityID: world.community, residentID: world.resident, serviceTypeID: world.visit, weekday: 3,
                windowStartMinute: 540, windowEndMinute: 660, minutes: 60, validFrom: T.date("2026-11-02"),
                notes: "每周三上午陪聊，结对帮扶")
            let friday = BookingRecurrence(
                communityID: world.community, residentID: world.resident, serviceTypeID: world.visit, weekday: 5,
                windowStartMinute: 900, windowEndMinute: 1020, minutes: 60, validFrom: T.date("2026-11-02"),
                validUntil: T.date("2027-01-31"))
            try await world.tx { tx in
                try await store.create(friday, createdBy: world.coordinator, on: tx)
                try await store.create(wednesday, on: tx)
            }
            #expect(try await world.tx { tx in try await store.recurrence(friday.id, on: tx) } == friday)
            #expect(
                try await world.tx { tx in try await store.recurrences(resident: world.resident, on: tx) } == [wednesday, friday])
            #expect(try await world.tx { tx in try await store.recurrences(resident: ID(), on: tx) }.isEmpty)
            try await world.tx { tx in try await store.deactivate(wednesday.id, on: tx) }
            #expect(try await world.tx { tx in try await store.recurrences(on: tx) } == [friday])
            #expect(try await world.tx { tx in try await store.recurrences(includeInactive: true, on: tx) }.count == 2)

            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.recurrence(ID(), on: tx) } }
                    == .notFound)
            var short = wednesday
            short.id = ID()
            short.minutes = 180
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.create(short, on: tx) } } == .invalidValue)
        }
    }
}
