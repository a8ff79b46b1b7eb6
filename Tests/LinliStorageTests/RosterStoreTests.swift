import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Roster and assignment stores")
struct RosterStoreTests {
    typealias T = SchedulingTime
    let week = SchedulingTime.date("2026-11-09")

    @Test("drafts are numbered per week; a roster reads back; a non-Monday or unknown roster is refused")
    func drafts() async throws {
        try await SchedulingWorld.with { world in
            let store = RosterStore()
            let first = try await world.tx { tx in try await store.createDraft(community: world.community, week: week, on: tx) }
            #expect(first.version == 1 && first.state == .draft && first.basedOn == nil && first.weekStart == week)
            #expect(try await world.tx { tx in try await store.roster(first.id, on: tx) } == first)
            let second = try await world.tx { tx in try await store.createDraft(community: world.community, week: week, on: tx) }
            #expect(second.version == 2)
            let other = try await world.tx { tx in
                try await store.createDraft(community: world.community, week: week.adding(days: 7), on: tx)
            }
            #expect(other.version == 1)
            #expect(
                try await world.tx { tx in try await store.versions(community: world.community, week: week, on: tx) } == [
                    first, second,
                ])
            #expect(try await world.tx { tx in try await store.published(community: world.community, week: week, on: tx) } == nil)

            #expect(
                await schedulingErrorCode {
                    _ = try await world.tx { tx in
                        try await store.createDraft(community: world.community, week: week.adding(days: 1), on: tx)
                    }
                } == .invalidValue)
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.roster(ID(), on: tx) } } == .notFound)
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.publish(ID(), on: tx) } } == .notFound)
            // Another community's roster cannot be made from here.
            #expect(
                await schedulingErrorCode {
                    _ = try await world.tx { tx in
                        try await store.createDraft(community: world.otherCommunity, week: week, on: tx)
                    }
                } == .forbidden)
        }
    }

    @Test("assign, pin with a reason, unassign; the database refuses double booking and overfill")
    func assignments() async throws {
        try await SchedulingWorld.with { world in
            let (v0, v1, v2, v3) = (world.volunteers[0], world.volunteers[1], world.volunteers[2], world.volunteers[3])
            let morning = try await world.slot(T.at("2026-11-10", 9), minutes: 180, headcountMax: 2)
            let overlapping = try await world.slot(T.at("2026-11-10", 11), minutes: 120)
            let afternoon = try await world.slot(T.at("2026-11-10", 12), minutes: 120)
            let roster = try await world.tx { tx in
                try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            let store = AssignmentStore()
            let a = Assignment(rosterID: roster.id, slotID: morning.id, volunteerID: v0)
            let stored = try await world.tx { tx in try await store.assign(a, createdBy: world.coordinator, on: tx) }
            #expect(stored == a)
            #expect(try await world.tx { tx in try await store.assignment(a.id, on: tx) } == a)

            func assign(_ slot: Slot, _ volunteer: ID<Volunteer>) async -> StorageError.Code? {
                await schedulingErrorCode {
                    try await world.tx { tx in
                        _ = try await store.assign(
                            Assignment(rosterID: roster.id, slotID: slot.id, volunteerID: volunteer), on: tx)
                    }
                }
            }
            #expect(await assign(overlapping, v0) == .doubleBooking)
            #expect(await assign(afternoon, v0) == nil)  // 12:00 starts when 09:00–12:00 ends: [) ranges touch
            #expect(await assign(morning, v1) == nil)
            #expect(await assign(morning, v2) == .slotFull)
            // Already on it: the unique key or the exclusion constraint, whichever the server checks first.
            #expect(await assign(afternoon, v0).map { [.duplicate, .doubleBooking].contains($0) } == true)
            #expect(try await world.tx { tx in try await store.fill(roster: roster.id, slot: morning.id, on: tx) } == 2)
            // Fewer places than people: refused.
            var smaller = try await world.tx { tx in try await SlotStore().slot(morning.id, on: tx) }
            smaller.headcountMax = 1
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await SlotStore().update(smaller, on: tx) } }
                    == .slotFull)
            // Moving the afternoon slot onto the morning makes v0 double-booked: refused.
            var earlier = afternoon
            earlier.start = T.at("2026-11-10", 11)
            earlier.end = T.at("2026-11-10", 13)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await SlotStore().update(earlier, on: tx) } }
                    == .doubleBooking)

            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await store.pin(a.id, reason: " ", on: tx) } }
                    == .invalidValue)
            let pinned = try await world.tx { tx in try await store.pin(a.id, reason: "老人点名要王阿姨", on: tx) }
            #expect(pinned.isPinned && pinned.reason == "老人点名要王阿姨")
            let unpinned = try await world.tx { tx in try await store.unpin(a.id, on: tx) }
            #expect(!unpinned.isPinned && unpinned.reason == "老人点名要王阿姨")

            try await world.tx { tx in try await store.unassign(a.id, on: tx) }
            #expect(try await world.tx { tx in try await store.fill(roster: roster.id, slot: morning.id, on: tx) } == 1)
            #expect(await assign(morning, v2) == nil)
            #expect(await assign(overlapping, v3) == nil)
            let list = try await world.tx { tx in try await store.assignments(roster: roster.id, on: tx) }
            #expect(list.map(\.slotID) == [morning.id, morning.id, overlapping.id, afternoon.id])
            #expect(Set(list.prefix(2).map(\.volunteerID)) == [v1, v2])
            #expect(list.suffix(2).map(\.volunteerID) == [v3, v0])

            // Unknown rows, other community's volunteer, cancelled slot.
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.unassign(ID(), on: tx) } } == .notFound)
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.assignment(ID(), on: tx) } }
                    == .notFound)
            #expect(
                await assign(
                    Slot(
                        communityID: world.community, serviceTypeID: world.duty, start: .now, end: .now, headcountMin: 1,
                        headcountMax: 1), v3) == .notFound)
            #expect(await assign(afternoon, world.otherVolunteer) == .invalidReference)
            try await world.tx { tx in _ = try await SlotStore().cancel(afternoon.id, on: tx) }
            #expect(await assign(afternoon, v3) == .invalidValue)
        }
    }

    @Test("publishing makes assignments live, supersedes the previous version, and the diff shows the changes")
    func publishAndDiff() async throws {
        try await SchedulingWorld.with { world in
            let (v0, v1, v2) = (world.volunteers[0], world.volunteers[1], world.volunteers[2])
            let monday = try await world.slot(T.at("2026-11-09", 9))
            let tuesday = try await world.slot(T.at("2026-11-10", 9))
            let rosters = RosterStore(), store = AssignmentStore()
            let v1Roster = try await world.tx { tx in
                try await rosters.createDraft(community: world.community, week: week, on: tx)
            }
            try await world.tx { tx in
                for (slot, volunteer) in [(monday, v0), (monday, v1), (tuesday, v0)] {
                    try await store.assign(Assignment(rosterID: v1Roster.id, slotID: slot.id, volunteerID: volunteer), on: tx)
                }
                _ = try await store.pin(
                    try await store.assignments(roster: v1Roster.id, on: tx)[0].id, reason: "队长安排", on: tx)
            }
            let published = try await world.tx { tx in try await rosters.publish(v1Roster.id, by: world.coordinator, on: tx) }
            #expect(published.state == .published && published.publishedAt != nil)
            #expect(try await world.tx { tx in try await store.assignments(roster: v1Roster.id, on: tx) }.allSatisfy(\.isLive))
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await rosters.publish(v1Roster.id, on: tx) } }
                    == .invalidValue)
            // A change after publishing is live at once.
            let late = try await world.tx { tx in
                try await store.assign(Assignment(rosterID: v1Roster.id, slotID: tuesday.id, volunteerID: v2), on: tx)
            }
            #expect(late.isLive)

            // Version 2 starts as a copy: not live, pins kept.
            let v2Roster = try await world.tx { tx in
                try await rosters.createDraft(community: world.community, week: week, on: tx)
            }
            #expect(v2Roster.version == 2 && v2Roster.basedOn == v1Roster.id)
            let copied = try await world.tx { tx in try await store.assignments(roster: v2Roster.id, on: tx) }
            #expect(copied.count == 4 && copied.allSatisfy { !$0.isLive })
            #expect(copied.filter(\.isPinned).map(\.reason) == ["队长安排"])
            #expect(try await world.tx { tx in try await rosters.diff(from: v1Roster.id, to: v2Roster.id, on: tx) }.isEmpty)
            // v0 falls ill on Monday: v2 takes the place.
            try await world.tx { tx in
                let mondayV0 = try #require(copied.first { $0.slotID == monday.id && $0.volunteerID == v0 })
                try await store.unassign(mondayV0.id, on: tx)
                try await store.assign(Assignment(rosterID: v2Roster.id, slotID: monday.id, volunteerID: v2), on: tx)
            }
            let diff = try await world.tx { tx in try await rosters.diff(from: v1Roster.id, to: v2Roster.id, on: tx) }
            #expect(diff.added == [RosterStore.Change(slotID: monday.id, volunteerID: v2, start: monday.start)])
            #expect(diff.removed == [RosterStore.Change(slotID: monday.id, volunteerID: v0, start: monday.start)])
            #expect(
                await schedulingErrorCode {
                    _ = try await world.tx { tx in try await rosters.diff(from: ID(), to: v2Roster.id, on: tx) }
                } == .notFound)

            // v2 on Monday overlaps v2's live Tuesday? No: different days. Publish it.
            let second = try await world.tx { tx in try await rosters.publish(v2Roster.id, by: world.coordinator, on: tx) }
            #expect(second.state == .published)
            let versions = try await world.tx { tx in try await rosters.versions(community: world.community, week: week, on: tx) }
            #expect(versions.map(\.state) == [.superseded, .published])
            #expect(versions[0].publishedAt == published.publishedAt)
            #expect(
                try await world.tx { tx in try await store.assignments(roster: v1Roster.id, on: tx) }.allSatisfy { !$0.isLive })
            #expect(try await world.tx { tx in try await store.assignments(roster: v2Roster.id, on: tx) }.allSatisfy(\.isLive))
            #expect(
                try await world.tx { tx in try await rosters.published(community: world.community, week: week, on: tx) }?.id
                    == v2Roster.id)
            // The superseded version is history: no more changes to it, nor publishing it again.
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        _ = try await store.assign(Assignment(rosterID: v1Roster.id, slotID: tuesday.id, volunteerID: v1), on: tx)
                    }
                } == .invalidValue)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await rosters.publish(v1Roster.id, on: tx) } }
                    == .invalidValue)
            // An older draft cannot replace a newer published version.
            let v3Roster = try await world.tx { tx in
                try await rosters.createDraft(community: world.community, week: week, on: tx)
            }
            let v4Roster = try await world.tx { tx in
                try await rosters.createDraft(community: world.community, week: week, on: tx)
            }
            try await world.tx { tx in _ = try await rosters.publish(v4Roster.id, on: tx) }
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await rosters.publish(v3Roster.id, on: tx) } }
                    == .invalidValue)
        }
    }

    @Test("publishing is refused as a whole when it would double-book a volunteer against another live week")
    func publishRefusedOnLiveOverlap() async throws {
        try await SchedulingWorld.with { world in
            let v0 = world.volunteers[0]
            let rosters = RosterStore(), store = AssignmentStore()
            // Sunday night 23:00–01:00 belongs to the week before; Monday 00:30 to this one.
            let night = try await world.slot(T.at("2026-11-08", 23), minutes: 120, service: world.patrol)
            let early = try await world.slot(T.at("2026-11-09", 0, 30), minutes: 60, service: world.patrol)
            let before = try await world.tx { tx in
                try await rosters.createDraft(community: world.community, week: week.adding(days: -7), on: tx)
            }
            let this = try await world.tx { tx in try await rosters.createDraft(community: world.community, week: week, on: tx) }
            try await world.tx { tx in
                try await store.assign(Assignment(rosterID: before.id, slotID: night.id, volunteerID: v0), on: tx)
                try await store.assign(Assignment(rosterID: this.id, slotID: early.id, volunteerID: v0), on: tx)
                _ = try await rosters.publish(before.id, on: tx)
            }
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await rosters.publish(this.id, on: tx) } }
                    == .doubleBooking)
            #expect(try await world.tx { tx in try await rosters.roster(this.id, on: tx) }.state == .draft)
            #expect(try await world.tx { tx in try await store.assignments(roster: this.id, on: tx) }.allSatisfy { !$0.isLive })
        }
    }
}
