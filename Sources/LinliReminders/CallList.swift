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
        let rows = try await tx.query(
            """
            SELECT s.id AS slot_id, b.id AS booking_id, r.id AS resident_id, r.name, r.phone, r.family_contact_name,
                   r.family_contact_phone, r.locale, s.starts_at, s.ends_at, st.name_zh, st.name_en,
                   coalesce((SELECT array_agg(v.name ORDER BY v.name) FROM assignments a JOIN volunteers v ON v.id = a.volunteer_id
                             WHERE a.slot_id = s.id AND a.is_live), '{}') AS volunteer_names,
                   m.mark, m.note, m.marked_at
            FROM bookings b
            JOIN slots s ON s.id = b.slot_id
            JOIN residents r ON r.id = b.resident_id
            JOIN service_types st ON st.id = s.service_type_id
            LEFT JOIN LATERAL (SELECT mark, note, marked_at FROM call_marks c WHERE c.slot_id = s.id
                               ORDER BY marked_at DESC, id DESC LIMIT 1) m ON true
            WHERE s.community_id = \(community) AND r.needs_call AND r.is_active
              AND s.starts_at >= \(from) AND s.starts_at < \(to)
              AND (b.state = 'scheduled' OR (b.state = 'cancelled' AND m.mark = 'cancelled'))
            ORDER BY s.starts_at, r.name
            """
        ).rows
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
            let row = try await tx.query(
                """
                SELECT b.id AS booking_id, b.resident_id, b.community_id, b.state FROM bookings b
                WHERE b.slot_id = \(slot)
                """
            ).rows.first
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
        try await tx.execute(
            """
            INSERT INTO call_marks (community_id, slot_id, resident_id, mark, note, marked_by)
            VALUES (\(try row.decode("community_id", as: ID<Community>.self)), \(slot),
                    \(try row.decode("resident_id", as: ID<Resident>.self)), \(mark), \(note), \(user))
            """)
    }
}
