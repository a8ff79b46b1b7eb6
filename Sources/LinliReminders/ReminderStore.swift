import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Who a message is for.
public enum MessageAudience: String, Sendable, Codable, CaseIterable, PostgresEnum {
    case volunteer, resident, team, staff
}

/// Why a message is sent.
public enum MessageKind: String, Sendable, Codable, CaseIterable, PostgresEnum {
    case reminder, change, cancellation, coordinator
}

/// Where a message stands.
public enum MessageState: String, Sendable, Codable, CaseIterable, PostgresEnum {
    case pending, sent, failed, suppressed
}

/// A message as staff see it in the outbox, and as `linli reminders` lists it.
public struct MessageRecord: Sendable, Hashable, Codable {
    public let id: Int64
    public let communityID: ID<Community>
    public let idempotencyKey: String
    public let kind: MessageKind
    public let audience: MessageAudience
    public let volunteerID: ID<Volunteer>?
    public let residentID: ID<Resident>?
    public let slotID: ID<Slot>?
    public let channel: String
    public let address: String?
    public let body: String
    public let state: MessageState
    public let stateReason: String?
    public let attempts: Int
    public let createdAt: Date
    public let sentAt: Date?
    public let reply: String?
}

/// The community's messaging rules and contact facts.
struct CommunityMessaging: Sendable {
    let id: ID<Community>
    let name: String
    let phone: String?
    let timeZone: TimeZone
    let quiet: QuietHours
    let dailyCap: Int
}

/// A slot and everything a message about it says, read from live data.
struct SlotFacts: Sendable {
    let slotID: ID<Slot>
    let community: CommunityMessaging
    let status: SlotStatus
    let version: Int
    let kind: ServiceKind
    let leads: [Int]
    let teamID: ID<PatrolTeam>?
    let teamRobot: String?
    let resident: ResidentContact?
    let liveVolunteers: [ID<Volunteer>]
    let facts: EventFacts
}

/// How to reach a resident about their visits.
struct ResidentContact: Sendable {
    let id: ID<Resident>
    let name: String
    let phone: String?
    let needsCall: Bool
    let locale: MessageLocale
}

/// How to reach a volunteer.
struct VolunteerContact: Sendable {
    let id: ID<Volunteer>
    let name: String
    let phone: String?
    let email: String?
    let channel: NotifyChannel
    let locale: MessageLocale
    /// The WeCom robot of a patrol team they belong to, for the `wecom` choice.
    let teamRobot: String?
}

/// A live assignment to plan reminders for.
struct PlannedAssignment: Sendable {
    let slotID: ID<Slot>
    let volunteerID: ID<Volunteer>
    let communityID: ID<Community>
    let start: Date
    let version: Int
    let kind: ServiceKind
    let leads: [Int]
    let hasTeam: Bool
    let hasBooking: Bool
}

/// All SQL of reminders, notices, the outbox and the call list.
enum ReminderStore {
    // MARK: Planning

    static func liveAssignments(roster: ID<Roster>, on tx: Connection) async throws -> [PlannedAssignment] {
        try await plannedAssignments(where: "a.roster_id = \(roster)", on: tx)
    }

    static func liveAssignments(slot: ID<Slot>, on tx: Connection) async throws -> [PlannedAssignment] {
        try await plannedAssignments(where: "a.slot_id = \(slot)", on: tx)
    }

    private static func plannedAssignments(where filter: SQLQuery, on tx: Connection) async throws -> [PlannedAssignment] {
        let select: SQLQuery = """
            SELECT a.slot_id, a.volunteer_id, s.community_id, s.starts_at, s.version, st.kind,
                   st.reminder_lead_minutes, s.team_id IS NOT NULL AS has_team,
                   EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.state = 'scheduled') AS has_booking
            FROM assignments a
            JOIN slots s ON s.id = a.slot_id
            JOIN service_types st ON st.id = s.service_type_id
            WHERE a.is_live AND s.status = 'open' AND s.starts_at > now()
            """
        let query = select + " AND " + filter + " ORDER BY s.starts_at, a.slot_id, a.volunteer_id"
        return try await tx.query(query).rows.map { row in
            PlannedAssignment(
                slotID: try row.decode("slot_id"), volunteerID: try row.decode("volunteer_id"),
                communityID: try row.decode("community_id"), start: try row.decode("starts_at"),
                version: try row.decode("version"), kind: try row.decode("kind"),
                leads: try row.decode("reminder_lead_minutes"), hasTeam: try row.decode("has_team"),
                hasBooking: try row.decode("has_booking"))
        }
    }

    /// The slot's start, its service's reminder leads, its community and its version.
    static func slotTiming(
        _ slot: ID<Slot>, on tx: Connection
    ) async throws -> (
        start: Date, leads: [Int], community: ID<Community>, version: Int
    )? {
        guard
            let row = try await tx.query(
                """
                SELECT s.starts_at, st.reminder_lead_minutes, s.community_id, s.version FROM slots s
                JOIN service_types st ON st.id = s.service_type_id WHERE s.id = \(slot)
                """
            ).rows.first
        else { return nil }
        return (
            try row.decode("starts_at"), try row.decode("reminder_lead_minutes"), try row.decode("community_id"),
            try row.decode("version")
        )
    }

    /// The volunteers live on `slot`.
    static func liveVolunteers(slot: ID<Slot>, on tx: Connection) async throws -> [ID<Volunteer>] {
        try await tx.query("SELECT volunteer_id FROM assignments WHERE slot_id = \(slot) AND is_live ORDER BY volunteer_id")
            .rows.map { try $0.decode("volunteer_id") }
    }

    /// Whether anything was already sent to `volunteer` about `slot`.
    static func wasTold(volunteer: ID<Volunteer>, slot: ID<Slot>, on tx: Connection) async throws -> Bool {
        try await tx.query(
            """
            SELECT EXISTS (SELECT 1 FROM messages WHERE slot_id = \(slot) AND volunteer_id = \(volunteer)
                           AND state = 'sent' AND kind IN ('reminder', 'change')) AS told
            """
        ).rows.first?.decode("told") ?? false
    }

    static func communityMessaging(_ id: ID<Community>, on tx: Connection) async throws -> CommunityMessaging {
        guard
            let row = try await tx.query(
                """
                SELECT id, name, phone, time_zone, \(OrganisationStore.messagingRulesColumns)
                FROM communities WHERE id = \(id)
                """
            ).rows.first
        else { throw StorageError.notFound("community \(id)") }
        let zone = TimeZone(identifier: try row.decode("time_zone", as: String.self)) ?? .shanghai
        let rules = try OrganisationStore.messagingRules(row)
        return CommunityMessaging(
            id: try row.decode("id"), name: try row.decode("name"), phone: try row.decode("phone"), timeZone: zone,
            quiet: QuietHours(startMinute: rules.quietStartMinute, endMinute: rules.quietEndMinute, timeZone: zone),
            dailyCap: rules.dailyMessageCap)
    }

    // MARK: Sending

    /// Locks the slot against a concurrent cancellation or move until the caller's
    /// transaction ends (a message is checked and handed to its channel under this lock).
    static func lockSlot(_ slot: ID<Slot>, on tx: Connection) async throws {
        try await tx.query("SELECT 1 FROM slots WHERE id = \(slot) FOR SHARE")
    }

    /// Locks the slot for a change that makes its messages pointless (see `lockSlot`).
    static func lockSlotForChange(_ slot: ID<Slot>, on tx: Connection) async throws {
        try await tx.query("SELECT 1 FROM slots WHERE id = \(slot) FOR UPDATE")
    }

    static func slotFacts(_ slot: ID<Slot>, on tx: Connection) async throws -> SlotFacts? {
        guard
            let row = try await tx.query(
                """
                SELECT s.id, s.community_id, s.status, s.version, s.starts_at, s.ends_at, st.kind, st.reminder_lead_minutes,
                       st.name_zh, st.name_en, s.team_id, t.name AS team_name, t.wecom_webhook_ref,
                       CASE WHEN st.kind = 'home_visit' AND r.address IS NOT NULL THEN r.address
                            ELSE p.name || coalesce('（' || p.address || '）', '') END AS place,
                       r.id AS resident_id, r.name AS resident_name, coalesce(r.phone, r.family_contact_phone) AS resident_phone,
                       r.needs_call, r.locale AS resident_locale,
                       coalesce((SELECT array_agg(v.id ORDER BY v.name, v.id) FROM assignments a
                                 JOIN volunteers v ON v.id = a.volunteer_id
                                 WHERE a.slot_id = s.id AND a.is_live), '{}') AS volunteer_ids,
                       coalesce((SELECT array_agg(v.name ORDER BY v.name, v.id) FROM assignments a
                                 JOIN volunteers v ON v.id = a.volunteer_id
                                 WHERE a.slot_id = s.id AND a.is_live), '{}') AS volunteer_names
                FROM slots s
                JOIN service_types st ON st.id = s.service_type_id
                LEFT JOIN places p ON p.id = s.place_id
                LEFT JOIN patrol_teams t ON t.id = s.team_id
                LEFT JOIN bookings b ON b.slot_id = s.id AND b.state IN ('scheduled', 'done')
                LEFT JOIN residents r ON r.id = b.resident_id AND r.is_active
                WHERE s.id = \(slot)
                """
            ).rows.first
        else { return nil }
        let community = try await communityMessaging(try row.decode("community_id"), on: tx)
        let resident: ResidentContact? = try row.decode("resident_id", as: ID<Resident>?.self).map { id in
            ResidentContact(
                id: id, name: try row.decode("resident_name"), phone: try row.decode("resident_phone"),
                needsCall: try row.decode("needs_call"), locale: MessageLocale(tag: try row.decode("resident_locale")))
        }
        let facts = EventFacts(
            communityName: community.name, communityPhone: community.phone, serviceNameZh: try row.decode("name_zh"),
            serviceNameEn: try row.decode("name_en"), start: try row.decode("starts_at"), end: try row.decode("ends_at"),
            placeZh: try row.decode("place"), residentName: resident?.name, teamName: try row.decode("team_name"),
            volunteerNames: try row.decode("volunteer_names"), timeZone: community.timeZone)
        return SlotFacts(
            slotID: slot, community: community, status: try row.decode("status"), version: try row.decode("version"),
            kind: try row.decode("kind"), leads: try row.decode("reminder_lead_minutes"), teamID: try row.decode("team_id"),
            teamRobot: try row.decode("wecom_webhook_ref"), resident: resident,
            liveVolunteers: try row.decode("volunteer_ids"), facts: facts)
    }

    static func volunteerContact(_ id: ID<Volunteer>, on tx: Connection) async throws -> VolunteerContact? {
        guard
            let row = try await tx.query(
                """
                SELECT v.id, v.name, v.phone, v.email, v.notify_channel, v.locale,
                       (SELECT t.wecom_webhook_ref FROM patrol_team_members m JOIN patrol_teams t ON t.id = m.team_id
                        WHERE m.volunteer_id = v.id AND t.wecom_webhook_ref IS NOT NULL ORDER BY t.name LIMIT 1) AS robot
                FROM volunteers v WHERE v.id = \(id) AND v.is_active
                """
            ).rows.first
        else { return nil }
        return VolunteerContact(
            id: try row.decode("id"), name: try row.decode("name"), phone: try row.decode("phone"),
            email: try row.decode("email"),
            channel: NotifyChannel(rawValue: try row.decode("notify_channel", as: String.self)) ?? .sms,
            locale: MessageLocale(tag: try row.decode("locale")), teamRobot: try row.decode("robot"))
    }

    /// Reminders already sent today (in the community's time zone) to this person.
    static func remindersSentToday(
        volunteer: ID<Volunteer>?, resident: ID<Resident>?, community: CommunityMessaging, now: Date, on tx: Connection
    ) async throws -> Int {
        let dayStart = LocalDate(now, in: community.timeZone).startOfDay(in: community.timeZone)
        return try await tx.query(
            """
            SELECT count(*) AS n FROM messages
            WHERE kind = 'reminder' AND state = 'sent' AND sent_at >= \(dayStart)
              AND ((\(volunteer)::uuid IS NOT NULL AND volunteer_id = \(volunteer))
                OR (\(resident)::uuid IS NOT NULL AND resident_id = \(resident)))
            """
        ).rows.first?.decode("n") ?? 0
    }

    static func message(key: String, on tx: Connection) async throws -> MessageRecord? {
        try await tx.query("SELECT \(columns) FROM messages WHERE idempotency_key = \(key) FOR UPDATE").rows.first.map(
            record)
    }

    /// The fields of a message to write.
    struct NewMessage: Sendable {
        var community: ID<Community>
        var key: String
        var kind: MessageKind
        var audience: MessageAudience
        var volunteer: ID<Volunteer>?
        var resident: ID<Resident>?
        var team: ID<PatrolTeam>?
        var slot: ID<Slot>?
        var slotVersion: Int?
        var channel: String
        var address: String?
        var body: String
    }

    /// Writes the message as pending, or suppressed with `reason`.
    static func insert(_ m: NewMessage, suppressed reason: String? = nil, on tx: Connection) async throws -> MessageRecord {
        let state: MessageState = reason == nil ? .pending : .suppressed
        let rows = try await tx.query(
            """
            INSERT INTO messages (community_id, idempotency_key, kind, audience, volunteer_id, resident_id, team_id, slot_id,
                                  slot_version, channel, address, body, state, state_reason)
            VALUES (\(m.community), \(m.key), \(m.kind), \(m.audience), \(m.volunteer), \(m.resident), \(m.team), \(m.slot),
                    \(m.slotVersion), \(m.channel)::message_channel, \(m.address), \(m.body), \(state), \(reason))
            RETURNING \(columns)
            """
        ).rows
        guard let row = rows.first else { throw StorageError(code: .failed, message: "message \(m.key) was not written") }
        return try record(row)
    }

    static func markSent(_ id: Int64, on tx: Connection) async throws {
        try await tx.execute(
            "UPDATE messages SET state = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = \(id)")
    }

    static func markFailed(_ id: Int64, error: String, permanently: Bool, on tx: Connection) async throws {
        try await tx.execute(
            """
            UPDATE messages SET attempts = attempts + 1, last_error = left(\(error), 500),
                state = CASE WHEN \(permanently) THEN 'failed'::message_state ELSE state END
            WHERE id = \(id)
            """)
    }

    static func markSuppressed(_ id: Int64, reason: String, on tx: Connection) async throws {
        try await tx.execute(
            "UPDATE messages SET state = 'suppressed', state_reason = \(reason) WHERE id = \(id) AND state = 'pending'")
    }

    // MARK: Outbox

    static func outbox(state: MessageState?, limit: Int, on tx: Connection) async throws -> [MessageRecord] {
        try await tx.query(
            """
            SELECT \(columns) FROM messages WHERE (\(state)::message_state IS NULL OR state = \(state)::message_state)
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        ).rows.map(record)
    }

    static let columns: SQLQuery = """
        id, community_id, idempotency_key, kind, audience, volunteer_id, resident_id, slot_id, channel::text AS channel,
        address, body, state, state_reason, attempts, created_at, sent_at, reply::text AS reply
        """

    static func record(_ row: Row) throws -> MessageRecord {
        MessageRecord(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            idempotencyKey: try row.decode("idempotency_key"), kind: try row.decode("kind"),
            audience: try row.decode("audience"), volunteerID: try row.decode("volunteer_id"),
            residentID: try row.decode("resident_id"), slotID: try row.decode("slot_id"), channel: try row.decode("channel"),
            address: try row.decode("address"), body: try row.decode("body"), state: try row.decode("state"),
            stateReason: try row.decode("state_reason"), attempts: try row.decode("attempts"),
            createdAt: try row.decode("created_at"), sentAt: try row.decode("sent_at"), reply: try row.decode("reply"))
    }
}

extension ReminderStore {
    /// Pending reminder jobs due in [from, to), earliest first.
    static func pendingReminderJobs(
        from: Date, to: Date, on tx: Connection
    ) async throws -> [(
        Date, ID<Community>, String?, String
    )] {
        try await tx.query(
            """
            SELECT run_at, community_id, unique_key, payload::text AS payload FROM jobs
            WHERE kind = 'reminder.send' AND state = 'pending' AND community_id IS NOT NULL
              AND run_at >= \(from) AND run_at < \(to)
            ORDER BY run_at, id
            """
        ).rows.map {
            (try $0.decode("run_at"), try $0.decode("community_id"), try $0.decode("unique_key"), try $0.decode("payload"))
        }
    }

    // MARK: Call list

    /// The visits between `from` and `to` of residents who need a call, with the latest mark.
    static func callListRows(community: ID<Community>, from: Date, to: Date, on tx: Connection) async throws -> [Row] {
        try await tx.query(
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
    }

    /// The booking of `slot`'s visit: `booking_id`, `resident_id`, `community_id`, `state`.
    static func visit(slot: ID<Slot>, on tx: Connection) async throws -> Row? {
        try await tx.query(
            """
            SELECT b.id AS booking_id, b.resident_id, b.community_id, b.state FROM bookings b
            WHERE b.slot_id = \(slot)
            """
        ).rows.first
    }

    static func insertCallMark(
        community: ID<Community>, slot: ID<Slot>, resident: ID<Resident>, mark: CallMark, note: String?,
        by user: ID<User>?, on tx: Connection
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO call_marks (community_id, slot_id, resident_id, mark, note, marked_by)
            VALUES (\(community), \(slot), \(resident), \(mark), \(note), \(user))
            """)
    }

    // MARK: Replies

    /// The latest reminder or change notice sent to `phone` about a slot still to come (the
    /// one with idempotency key `key` when given), locked for recording the reply.
    static func repliableMessage(phone: String, key: String?, on tx: Connection) async throws -> [Row] {
        try await tx.query(
            """
            SELECT m.id, m.community_id, m.slot_id, m.volunteer_id FROM messages m JOIN slots s ON s.id = m.slot_id
            WHERE m.state = 'sent' AND m.audience = 'volunteer' AND m.kind IN ('reminder', 'change')
              AND m.address = \(phone) AND s.starts_at > now()
              AND (\(key)::text IS NULL OR m.idempotency_key = \(key))
            ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
            FOR UPDATE OF m
            """
        ).rows
    }

    static func recordReply(_ meaning: ReplyMeaning, message id: Int64, on tx: Connection) async throws {
        try await tx.execute(
            "UPDATE messages SET reply = \(meaning.rawValue)::message_reply, replied_at = now() WHERE id = \(id)")
    }
}

extension ReminderStore {
    // MARK: Outbox page

    static let outboxColumns: SQLQuery = """
        m.id, m.community_id, m.idempotency_key, m.kind, m.audience, m.volunteer_id, m.resident_id, m.slot_id,
        m.channel::text AS channel, m.address, m.body, m.state, m.state_reason, m.attempts, m.created_at, m.sent_at,
        m.reply::text AS reply, m.last_error, m.passed_on_at, coalesce(v.name, r.name, t.name) AS recipient,
        coalesce(v.phone, r.phone) AS recipient_phone,
        s.starts_at, s.ends_at, st.name_zh, st.name_en
        """

    static let outboxJoins: SQLQuery = """
        LEFT JOIN volunteers v ON v.id = m.volunteer_id
        LEFT JOIN residents r ON r.id = m.resident_id
        LEFT JOIN patrol_teams t ON t.id = m.team_id
        LEFT JOIN slots s ON s.id = m.slot_id
        LEFT JOIN service_types st ON st.id = s.service_type_id
        """

    static func outboxLines(
        _ filter: OutboxFilter, from: Date?, to: Date?, limit: Int, on tx: Connection
    ) async throws -> [OutboxLine] {
        try await tx.query(
            """
            SELECT \(outboxColumns) FROM messages m \(outboxJoins)
            WHERE (\(filter.rawValue)::text = 'all'
                OR (\(filter.rawValue)::text = 'sent' AND m.state = 'sent')
                OR (\(filter.rawValue)::text = 'failed' AND m.state = 'failed')
                OR (\(filter.rawValue)::text = 'waiting' AND m.state = 'pending')
                OR (\(filter.rawValue)::text = 'suppressed' AND m.state = 'suppressed')
                OR (\(filter.rawValue)::text = 'to_phone' AND m.channel = 'outbox' AND m.state = 'sent' AND m.passed_on_at IS NULL))
              AND (\(from)::timestamptz IS NULL OR m.created_at >= \(from))
              AND (\(to)::timestamptz IS NULL OR m.created_at < \(to))
            ORDER BY m.created_at DESC, m.id DESC LIMIT \(limit)
            """
        ).rows.map(outboxLine)
    }

    static func outboxLine(_ id: Int64, on tx: Connection) async throws -> OutboxLine? {
        try await tx.query("SELECT \(outboxColumns) FROM messages m \(outboxJoins) WHERE m.id = \(id) FOR UPDATE OF m")
            .rows.first.map(outboxLine)
    }

    static func outboxLine(_ row: Row) throws -> OutboxLine {
        OutboxLine(
            message: try record(row), lastError: try row.decode("last_error"), recipient: try row.decode("recipient"),
            recipientPhone: try row.decode("recipient_phone"),
            slotStart: try row.decode("starts_at"), slotEnd: try row.decode("ends_at"),
            serviceNameZh: try row.decode("name_zh"), serviceNameEn: try row.decode("name_en"),
            passedOnAt: try row.decode("passed_on_at"))
    }

    /// The reminder jobs about `slot` (any state), to find the one that wrote a message.
    static func reminderJobs(slot: ID<Slot>?, on tx: Connection) async throws -> [(id: Int64, uniqueKey: String)] {
        guard let slot else { return [] }
        return try await tx.query(
            """
            SELECT id, unique_key FROM jobs
            WHERE kind = 'reminder.send' AND unique_key IS NOT NULL AND lower(payload->>'slot') = \(slot.description)
            ORDER BY id
            """
        ).rows.map { row -> (id: Int64, uniqueKey: String) in
            (try row.decode("id", as: Int64.self), try row.decode("unique_key", as: String.self))
        }
    }

    /// Sets a failed message waiting again and makes its job due now with fresh attempts (a
    /// running job is left to finish).
    static func requeue(message: Int64, job: Int64, on tx: Connection) async throws {
        try await tx.execute("UPDATE messages SET state = 'pending' WHERE id = \(message) AND state = 'failed'")
        try await tx.execute(
            """
            UPDATE jobs SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, last_error = NULL
            WHERE id = \(job) AND state IN ('pending', 'succeeded', 'dead', 'cancelled')
            """)
    }

    static func markPassedOn(_ id: Int64, by user: ID<User>?, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE messages SET passed_on_at = now(), passed_on_by = \(user)
            WHERE id = \(id) AND channel = 'outbox' AND state = 'sent' AND passed_on_at IS NULL
            """) == 1
    }
}
