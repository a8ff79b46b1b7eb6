import Foundation
import LinliDatabase
import LinliDomain

/// Volunteers with their skills, weekly availability, absences and preferences. All SQL for
/// them is here. Volunteers are deactivated, never deleted, so history and hours stay.
public struct VolunteerStore: Sendable {
    public init() {}

    public func create(_ v: Volunteer, on tx: Connection) async throws {
        let l = v.limits
        try await tx.execute(
            """
            INSERT INTO volunteers (id, community_id, external_id, name, phone, email, sex, birth_year, home_grid_id, groups,
                max_minutes_per_week, max_minutes_per_day, max_shifts_per_day, max_shifts_per_week, max_consecutive_days,
                max_weekends_per_month, min_rest_minutes, no_evening, no_night, target_minutes_per_week, notify_channel,
                is_active, deactivated_at)
            VALUES (\(v.id), \(v.communityID), \(v.externalID), \(v.name), \(v.phone), \(v.email), \(v.sex), \(v.birthYear),
                \(v.homeGridID), \(v.groups)::volunteer_group[], \(l.maxMinutesPerWeek), \(l.maxMinutesPerDay),
                \(l.maxShiftsPerDay), \(l.maxShiftsPerWeek), \(l.maxConsecutiveDays), \(l.maxWeekendsPerMonth),
                \(l.minRestMinutes), \(l.noEvening), \(l.noNight), \(l.targetMinutesPerWeek), \(v.notifyChannel),
                \(v.isActive), CASE WHEN \(v.isActive) THEN NULL ELSE now() END)
            """)
    }

    public func volunteer(_ id: ID<Volunteer>, on tx: Connection) async throws -> Volunteer {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM volunteers WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("volunteer \(id)")
        }
        return try Self.volunteer(row)
    }

    /// Volunteers of the scope's community, by name; inactive ones only when asked.
    public func volunteers(includeInactive: Bool = false, on tx: Connection) async throws -> [Volunteer] {
        try await tx.query(
            "SELECT \(Self.columns) FROM volunteers WHERE is_active OR \(includeInactive) ORDER BY name, id"
        ).rows.map(Self.volunteer)
    }

    /// One page of the scope's volunteers in (name, id) order, starting after `after`; `text`
    /// matches part of the name or the last digits of the phone; `active` nil means both.
    public func page(
        after: (name: String, id: ID<Volunteer>)?, matching text: String?, active: Bool?, limit: Int, on tx: Connection
    ) async throws -> [Volunteer] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM volunteers
            WHERE (\(active)::boolean IS NULL OR is_active = \(active))
              AND (\(text)::text IS NULL OR strpos(name, \(text)) > 0 OR right(phone, length(\(text))) = \(text))
              AND (\(after?.name)::text IS NULL OR (name, id) > (\(after?.name)::text, \(after?.id)::uuid))
            ORDER BY name, id LIMIT \(limit)
            """
        ).rows.map(Self.volunteer)
    }

    /// Saves changed fields if nobody changed the volunteer since `v.version` was read;
    /// returns the new version.
    @discardableResult
    public func update(_ v: Volunteer, on tx: Connection) async throws -> Int {
        let l = v.limits
        let rows = try await tx.query(
            """
            UPDATE volunteers SET external_id = \(v.externalID), name = \(v.name), phone = \(v.phone), email = \(v.email),
                sex = \(v.sex), birth_year = \(v.birthYear), home_grid_id = \(v.homeGridID),
                groups = \(v.groups)::volunteer_group[], max_minutes_per_week = \(l.maxMinutesPerWeek),
                max_minutes_per_day = \(l.maxMinutesPerDay), max_shifts_per_day = \(l.maxShiftsPerDay),
                max_shifts_per_week = \(l.maxShiftsPerWeek), max_consecutive_days = \(l.maxConsecutiveDays),
                max_weekends_per_month = \(l.maxWeekendsPerMonth), min_rest_minutes = \(l.minRestMinutes),
                no_evening = \(l.noEvening), no_night = \(l.noNight), target_minutes_per_week = \(l.targetMinutesPerWeek),
                notify_channel = \(v.notifyChannel), updated_at = now(), version = version + 1
            WHERE id = \(v.id) AND version = \(v.version)
            RETURNING version
            """
        ).rows
        guard let row = rows.first else {
            throw try await StorageError.staleOrMissing(table: "volunteers", id: v.id, name: "volunteer", on: tx)
        }
        return try row.decode("version")
    }

    /// Takes a volunteer off future scheduling, keeping history and hours.
    public func deactivate(_ id: ID<Volunteer>, reason: String, on tx: Connection) async throws {
        let changed = try await tx.execute(
            """
            UPDATE volunteers SET is_active = false, deactivated_at = now(), deactivation_reason = \(reason),
                updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
        if changed == 0 { throw StorageError.notFound("volunteer \(id)") }
    }

    public func reactivate(_ id: ID<Volunteer>, on tx: Connection) async throws {
        let changed = try await tx.execute(
            """
            UPDATE volunteers SET is_active = true, deactivated_at = NULL, deactivation_reason = NULL,
                updated_at = now(), version = version + 1
            WHERE id = \(id)
            """)
        if changed == 0 { throw StorageError.notFound("volunteer \(id)") }
    }

    // MARK: Skills

    public func setSkill(_ skill: VolunteerSkill, communityID: ID<Community>, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO volunteer_skills (volunteer_id, skill_id, community_id, certificate_no, expires_on)
            VALUES (\(skill.volunteerID), \(skill.skillID), \(communityID), \(skill.certificateNumber), \(skill.expiresOn))
            ON CONFLICT (volunteer_id, skill_id) DO UPDATE
               SET certificate_no = EXCLUDED.certificate_no, expires_on = EXCLUDED.expires_on
            """)
    }

    public func removeSkill(volunteer: ID<Volunteer>, skill: ID<Skill>, on tx: Connection) async throws {
        try await tx.execute("DELETE FROM volunteer_skills WHERE volunteer_id = \(volunteer) AND skill_id = \(skill)")
    }

    public func skills(of volunteer: ID<Volunteer>, on tx: Connection) async throws -> [VolunteerSkill] {
        try await tx.query(
            """
            SELECT volunteer_id, skill_id, certificate_no, expires_on FROM volunteer_skills
            WHERE volunteer_id = \(volunteer) ORDER BY skill_id
            """
        ).rows.map { row in
            VolunteerSkill(
                volunteerID: try row.decode("volunteer_id"), skillID: try row.decode("skill_id"),
                certificateNumber: try row.decode("certificate_no"), expiresOn: try row.decode("expires_on"))
        }
    }

    // MARK: Availability

    /// Replaces a volunteer's weekly availability with `windows`.
    public func setAvailability(
        _ windows: [AvailabilityWindow], of volunteer: ID<Volunteer>, communityID: ID<Community>, on tx: Connection
    ) async throws {
        try await tx.execute("DELETE FROM volunteer_availability WHERE volunteer_id = \(volunteer)")
        for w in windows {
            try await tx.execute(
                """
                INSERT INTO volunteer_availability (volunteer_id, community_id, weekday, start_minute, end_minute)
                VALUES (\(volunteer), \(communityID), \(w.weekday), \(w.startMinute), \(w.endMinute))
                """)
        }
    }

    public func availability(of volunteer: ID<Volunteer>, on tx: Connection) async throws -> [AvailabilityWindow] {
        try await tx.query(
            """
            SELECT weekday, start_minute, end_minute FROM volunteer_availability
            WHERE volunteer_id = \(volunteer) ORDER BY weekday, start_minute
            """
        ).rows.map { row in
            AvailabilityWindow(
                weekday: try row.decode("weekday"), startMinute: try row.decode("start_minute"),
                endMinute: try row.decode("end_minute"))
        }
    }

    // MARK: Absences

    public func addAbsence(_ a: Absence, communityID: ID<Community>, on tx: Connection) async throws {
        guard a.end > a.start else {
            throw StorageError(code: .invalidValue, message: "an absence must end after it starts")
        }
        try await tx.execute(
            """
            INSERT INTO volunteer_absences (id, volunteer_id, community_id, during, reason, note)
            VALUES (\(a.id), \(a.volunteerID), \(communityID), tstzrange(\(a.start), \(a.end), '[)'), \(a.reason), \(a.note))
            """)
    }

    public func removeAbsence(_ id: ID<Absence>, on tx: Connection) async throws {
        if try await tx.execute("DELETE FROM volunteer_absences WHERE id = \(id)") == 0 {
            throw StorageError.notFound("absence \(id)")
        }
    }

    /// Absences of a volunteer that overlap [from, to).
    public func absences(of volunteer: ID<Volunteer>, from: Date, to: Date, on tx: Connection) async throws -> [Absence] {
        try await tx.query(
            """
            SELECT id, volunteer_id, lower(during) AS starts, upper(during) AS ends, reason, note FROM volunteer_absences
            WHERE volunteer_id = \(volunteer) AND during && tstzrange(\(from), \(to), '[)') ORDER BY lower(during)
            """
        ).rows.map { row in
            Absence(
                id: try row.decode("id"), volunteerID: try row.decode("volunteer_id"), start: try row.decode("starts"),
                end: try row.decode("ends"), reason: try row.decode("reason"), note: try row.decode("note"))
        }
    }

    // MARK: Preferences

    public func addPreference(_ p: VolunteerPreference, communityID: ID<Community>, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO volunteer_preferences (id, volunteer_id, community_id, prefers, place_id, service_type_id, weekday,
                start_minute, end_minute, weight)
            VALUES (\(p.id), \(p.volunteerID), \(communityID), \(p.prefers), \(p.placeID), \(p.serviceTypeID), \(p.weekday),
                \(p.startMinute), \(p.endMinute), \(p.weight))
            """)
    }

    public func preferences(of volunteer: ID<Volunteer>, on tx: Connection) async throws -> [VolunteerPreference] {
        try await tx.query(
            """
            SELECT id, volunteer_id, prefers, place_id, service_type_id, weekday, start_minute, end_minute, weight
            FROM volunteer_preferences WHERE volunteer_id = \(volunteer) ORDER BY prefers DESC, id
            """
        ).rows.map(Self.preference)
    }

    /// The preferences of every volunteer of the scope's community (the scheduler reads them all at once).
    public func preferences(on tx: Connection) async throws -> [VolunteerPreference] {
        try await tx.query(
            """
            SELECT id, volunteer_id, prefers, place_id, service_type_id, weekday, start_minute, end_minute, weight
            FROM volunteer_preferences ORDER BY volunteer_id, id
            """
        ).rows.map(Self.preference)
    }

    static func preference(_ row: Row) throws -> VolunteerPreference {
        VolunteerPreference(
            id: try row.decode("id"), volunteerID: try row.decode("volunteer_id"), prefers: try row.decode("prefers"),
            placeID: try row.decode("place_id"), serviceTypeID: try row.decode("service_type_id"),
            weekday: try row.decode("weekday"), startMinute: try row.decode("start_minute"),
            endMinute: try row.decode("end_minute"), weight: try row.decode("weight"))
    }

    static let columns: SQLQuery = """
        id, community_id, external_id, name, phone, email, sex, birth_year, home_grid_id, groups, max_minutes_per_week,
        max_minutes_per_day, max_shifts_per_day, max_shifts_per_week, max_consecutive_days, max_weekends_per_month,
        min_rest_minutes, no_evening, no_night, target_minutes_per_week, notify_channel, is_active, version
        """

    static func volunteer(_ row: Row) throws -> Volunteer {
        Volunteer(
            id: try row.decode("id"), communityID: try row.decode("community_id"), externalID: try row.decode("external_id"),
            name: try row.decode("name"), phone: try row.decode("phone"), email: try row.decode("email"),
            sex: try row.decode("sex"), birthYear: try row.decode("birth_year"), homeGridID: try row.decode("home_grid_id"),
            groups: try row.decode("groups"),
            limits: VolunteerLimits(
                maxMinutesPerWeek: try row.decode("max_minutes_per_week"),
                maxMinutesPerDay: try row.decode("max_minutes_per_day"),
                maxShiftsPerDay: try row.decode("max_shifts_per_day"),
                maxShiftsPerWeek: try row.decode("max_shifts_per_week"),
                maxConsecutiveDays: try row.decode("max_consecutive_days"),
                maxWeekendsPerMonth: try row.decode("max_weekends_per_month"),
                minRestMinutes: try row.decode("min_rest_minutes"), noEvening: try row.decode("no_evening"),
                noNight: try row.decode("no_night"), targetMinutesPerWeek: try row.decode("target_minutes_per_week")),
            notifyChannel: try row.decode("notify_channel"), isActive: try row.decode("is_active"),
            version: try row.decode("version"))
    }
}
