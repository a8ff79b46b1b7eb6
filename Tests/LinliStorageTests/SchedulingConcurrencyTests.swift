import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

/// Writers on separate connections (`linli_app`), each inside its own open transaction, released
/// together by a gate: the database alone keeps the rules.
@Suite("Scheduling under concurrent writers")
struct SchedulingConcurrencyTests {
    typealias T = SchedulingTime
    let week = SchedulingTime.date("2026-11-09")

    /// Runs `body(i, tx)` for i in 0..<n, each in its own transaction on its own connection; all
    /// transactions are open before any of them writes. Returns each one's error code (nil: committed).
    /// `retries`: how often a deadlocked (40P01) transaction runs again, as `Store` does by default.
    func race(
        _ n: Int, _ world: SchedulingWorld, retries: Int = 0,
        _ body: @escaping @Sendable (Int, Connection) async throws -> Void
    ) async -> [StorageError.Code?] {
        let gate = SchedulingGate(count: n)
        return await withTaskGroup(of: (Int, StorageError.Code?).self) { group in
            for i in 0..<n {
                group.addTask {
                    let code = await schedulingErrorCode {
                        try await world.store.transaction(world.scope, retries: retries) { tx in
                            await gate.arriveAndWait()
                            try await body(i, tx)
                        }
                    }
                    return (i, code)
                }
            }
            var codes = [StorageError.Code?](repeating: nil, count: n)
            for await (i, code) in group { codes[i] = code }
            return codes
        }
    }

    @Test("8 connections put one volunteer on 8 overlapping slots: exactly one succeeds", arguments: [false, true])
    func doubleBookingRace(published: Bool) async throws {
        try await SchedulingWorld.with(appPoolSize: 8) { world in
            let volunteer = world.volunteers[0]
            var slots: [Slot] = []
            for i in 0..<8 { slots.append(try await world.slot(T.at("2026-11-11", 9, i * 10), minutes: 120)) }
            let roster = try await world.tx { tx in
                let roster = try await RosterStore().createDraft(community: world.community, week: week, on: tx)
                return published ? try await RosterStore().publish(roster.id, on: tx) : roster
            }
            let slotIDs = slots.map(\.id)
            let codes = await race(8, world) { i, tx in
                _ = try await AssignmentStore().assign(
                    Assignment(rosterID: roster.id, slotID: slotIDs[i], volunteerID: volunteer), on: tx)
            }
            #expect(codes.filter { $0 == nil }.count == 1, "\(codes)")
            #expect(codes.filter { $0 == .doubleBooking }.count == 7, "\(codes)")
            let stored = try await world.tx { tx in try await AssignmentStore().assignments(roster: roster.id, on: tx) }
            #expect(stored.count == 1 && stored.allSatisfy { $0.isLive == published })
        }
    }

    @Test("8 raw INSERTs (no store, no lock) of one volunteer on 8 overlapping slots: the constraint keeps one")
    func doubleBookingRaceRawSQL() async throws {
        try await SchedulingWorld.with(appPoolSize: 8) { world in
            let volunteer = world.volunteers[0]
            var slots: [Slot] = []
            for i in 0..<8 { slots.append(try await world.slot(T.at("2026-11-11", 9, i * 10), minutes: 120)) }
            let roster = try await world.tx { tx in
                try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            let (community, slotIDs) = (world.community, slots.map(\.id))
            // Concurrent exclusion checks may deadlock; the victim runs again, as `Store` does.
            let codes = await race(8, world, retries: 20) { i, tx in
                try await tx.execute(
                    """
                    INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, during)
                    SELECT \(roster.id), \(community), s.id, \(volunteer), s.during FROM slots s WHERE s.id = \(slotIDs[i])
                    """)
            }
            #expect(codes.filter { $0 == nil }.count == 1, "\(codes)")
            #expect(codes.filter { $0 == .doubleBooking }.count == 7, "\(codes)")
            #expect(try await world.tx { tx in try await AssignmentStore().assignments(roster: roster.id, on: tx) }.count == 1)
        }
    }

    @Test("12 volunteers race onto a slot for at most 3: exactly 3 succeed, the fill says 3")
    func overfillRace() async throws {
        try await SchedulingWorld.with(volunteers: 12, appPoolSize: 12) { world in
            let slot = try await world.slot(T.at("2026-11-12", 19), minutes: 120, service: world.patrol, headcountMax: 3)
            let roster = try await world.tx { tx in
                try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            let volunteers = world.volunteers
            let codes = await race(12, world) { i, tx in
                _ = try await AssignmentStore().assign(
                    Assignment(rosterID: roster.id, slotID: slot.id, volunteerID: volunteers[i]), on: tx)
            }
            #expect(codes.filter { $0 == nil }.count == 3)
            #expect(codes.filter { $0 == .slotFull }.count == 9)
            #expect(try await world.tx { tx in try await AssignmentStore().fill(roster: roster.id, slot: slot.id, on: tx) } == 3)
            #expect(try await world.tx { tx in try await AssignmentStore().assignments(roster: roster.id, on: tx) }.count == 3)
            let counted: Int = try await world.admin.query(
                "SELECT assigned FROM roster_slot_fill WHERE roster_id = \(roster.id) AND slot_id = \(slot.id)"
            ).rows[0].decode("assigned")
            #expect(counted == 3)
        }
    }

    @Test("two updates of a slot with the same version: one wins, the other is stale")
    func optimisticRace() async throws {
        try await SchedulingWorld.with(appPoolSize: 2) { world in
            let slot = try await world.slot(T.at("2026-11-12", 9), minutes: 120)
            let codes = await race(2, world) { i, tx in
                var change = slot
                change.headcountMax = i + 1
                change.note = "改动 \(i)"
                _ = try await SlotStore().update(change, on: tx)
            }
            #expect(codes.filter { $0 == nil }.count == 1)
            #expect(codes.filter { $0 == .staleVersion }.count == 1)
            let winner = try #require(codes.firstIndex { $0 == nil })
            let stored = try await world.tx { tx in try await SlotStore().slot(slot.id, on: tx) }
            #expect(stored.version == 2 && stored.headcountMax == winner + 1 && stored.note == "改动 \(winner)")
        }
    }

    @Test("8 coordinators create drafts of one week at once: versions 1 to 8, no clash")
    func draftNumberingRace() async throws {
        try await SchedulingWorld.with(appPoolSize: 8) { world in
            let codes = await race(8, world) { _, tx in
                _ = try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            #expect(codes.allSatisfy { $0 == nil })
            let versions = try await world.tx { tx in
                try await RosterStore().versions(community: world.community, week: week, on: tx)
            }
            #expect(versions.map(\.version) == Array(1...8))
        }
    }

    @Test("publishing while a coordinator assigns: the new assignment ends up live")
    func publishWhileAssigning() async throws {
        try await SchedulingWorld.with(appPoolSize: 2) { world in
            let slot = try await world.slot(T.at("2026-11-12", 9), minutes: 120)
            let roster = try await world.tx { tx in
                try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            let volunteer = world.volunteers[1]
            let codes = await race(2, world) { i, tx in
                if i == 0 {
                    _ = try await RosterStore().publish(roster.id, on: tx)
                } else {
                    _ = try await AssignmentStore().assign(
                        Assignment(rosterID: roster.id, slotID: slot.id, volunteerID: volunteer), on: tx)
                }
            }
            #expect(codes == [nil, nil])
            let stored = try await world.tx { tx in try await AssignmentStore().assignments(roster: roster.id, on: tx) }
            #expect(stored.count == 1 && stored[0].isLive)
        }
    }
}
