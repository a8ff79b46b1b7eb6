import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// The desk's marks on a call.
public enum CallMark: String, Sendable, Codable, CaseIterable, PostgresEnum {
    case called, confirmed, cancelled
}

/// One resident to phone about tomorrow's visit: who, the number, what to say, and the
/// desk's latest mark.
public struct CallListEntry: Sendable, Hashable, Codable {
    public let slotID: ID<Slot>
    public let bookingID: ID<Booking>
    public let residentID: ID<Resident>
    public let residentName: String
    public let phone: String?
    public let familyContactName: String?
    public let familyContactPhone: String?
    public let start: Date
    public let end: Date
    public let serviceNameZh: String
    public let serviceNameEn: String
    public let volunteerNames: [String]
    /// What to say, in the resident's language.
    public let script: String
    public let mark: CallMark?
    public let note: String?
    public let markedAt: Date?
}

/// Residents who need a phone call instead of an SMS: the day's list for desk staff, and
/// their called / confirmed / cancelled marks. A "cancelled" mark cancels the visit.
public struct CallList: Sendable {
    let planner: ReminderPlanner

    public init(planner: ReminderPlanner = ReminderPlanner()) { self.planner = planner }

    /// Visits on `day` (the community's local date) for residents who need a call, earliest first.
    public func entries(community: ID<Community>, day: LocalDate, on tx: Connection) async throws -> [CallListEntry] {
        let messaging = try await ReminderStore.communityMessaging(community, on: tx)
        let from = day.startOfDay(in: messaging.timeZone)
        let to = day.adding(days: 1).startOfDay(in: messaging.timeZone)
        let rows = try await ReminderStore.callListRows(community: community, from: from, to: to, on: tx)
        return try rows.map { row in
            let names: [String] = try row.decode("volunteer_names")
            let locale = MessageLocale(tag: try row.decode("locale"))
            let facts = EventFacts(
                communityName: messaging.name, communityPhone: messaging.phone, serviceNameZh: try row.decode("name_zh"),
                serviceNameEn: try row.decode("name_en"), start: try row.decode("starts_at"),
                end: try row.decode("ends_at"), placeZh: nil, residentName: nil, teamName: nil, volunteerNames: names,
                timeZone: messaging.timeZone)
            let name: String = try row.decode("name")
            return CallListEntry(
                slotID: try row.decode("slot_id"), bookingID: try row.decode("booking_id"),
                residentID: try row.decode("resident_id"), residentName: name, phone: try row.decode("phone"),
                familyContactName: try row.decode("family_contact_name"),
                familyContactPhone: try row.decode("family_contact_phone"), start: facts.start, end: facts.end,
                serviceNameZh: facts.serviceNameZh, serviceNameEn: facts.serviceNameEn, volunteerNames: names,
                script: MessageText.callScript(name: name, facts, now: Date(), locale), mark: try row.decode("mark"),
                note: try row.decode("note"), markedAt: try row.decode("marked_at"))
        }
    }

    /// Records the desk's mark on the call about `slot`'s visit. `.cancelled` also cancels the
    /// booking (and its slot and reminders) with the note as the reason.
    public func mark(
        slot: ID<Slot>, _ mark: CallMark, note: String?, by user: ID<User>?, on tx: Connection
    ) async throws {
        guard
            let row = try await ReminderStore.visit(slot: slot, on: tx)
        else { throw StorageError.notFound("visit for slot \(slot)") }
        let booking: ID<Booking> = try row.decode("booking_id")
        let state: BookingState = try row.decode("state")
        if mark == .cancelled {
            guard state == .scheduled || state == .requested else {
                throw StorageError(code: .invalidValue, message: "the visit is \(state.rawValue); it cannot be cancelled now")
            }
            let reason = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? "电话确认时取消"
            try await planner.cancelBooking(booking, reason: reason, on: tx)
        }
        try await ReminderStore.insertCallMark(
            community: try row.decode("community_id"), slot: slot, resident: try row.decode("resident_id"), mark: mark,
            note: note, by: user, on: tx)
    }
}
