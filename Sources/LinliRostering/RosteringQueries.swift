import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage

/// All SQL of roster solving: reading one community's week for the scheduler, the solve runs,
/// and the roster details the CLI shows. Every query runs inside a transaction whose scope
/// (`Store.transaction(.community(…))`) row-level security already limits to the community;
/// the explicit `community_id` conditions are for the indexes.
enum RosteringQueries {
    // MARK: - The week, for the scheduler

    struct SlotRow {
        var id: ID<LinliDomain.Slot>
        var serviceTypeID: ID<ServiceType>
        /// The grid of the slot's place, or the place itself when it has no grid.
        var placeKey: String?
        var teamID: ID<PatrolTeam>?
        var start: Date
        var end: Date
        var headcountMin: Int
        var headcountMax: Int
        var residentID: ID<Resident>?
        var residentSex: LinliDomain.Sex?
    }

    /// Open slots starting in [from, to), with the resident of their booking.
    static func slots(community: ID<Community>, from: Date, to: Date, on tx: Connection) async throws -> [SlotRow] {
        try await tx.query(
            """
            SELECT s.id, s.service_type_id, coalesce(g.code, p.id::text) AS place_key, s.team_id, s.starts_at, s.ends_at,
                   s.headcount_min, s.headcount_max, b.resident_id, r.sex AS resident_sex
            FROM slots s
            LEFT JOIN places p ON p.id = s.place_id
            LEFT JOIN grids g ON g.id = p.grid_id
            LEFT JOIN bookings b ON b.slot_id = s.id AND b.state <> 'cancelled'
            LEFT JOIN residents r ON r.id = b.resident_id
            WHERE s.community_id = \(community) AND s.status = 'open' AND s.starts_at >= \(from) AND s.starts_at < \(to)
            ORDER BY s.starts_at, s.id
            """
        ).rows.map { row in
            SlotRow(
                id: try row.decode("id"), serviceTypeID: try row.decode("service_type_id"),
                placeKey: try row.decode("place_key"), teamID: try row.decode("team_id"), start: try row.decode("starts_at"),
                end: try row.decode("ends_at"), headcountMin: try row.decode("headcount_min"),
                headcountMax: try row.decode("headcount_max"), residentID: try row.decode("resident_id"),
                residentSex: try row.decode("resident_sex"))
        }
    }

    static func volunteerSkills(
        community: ID<Community>, on tx: Connection
    ) async throws -> [(volunteer: ID<Volunteer>, code: String, expiresOn: LocalDate?)] {
        try await tx.query(
            """
            SELECT vs.volunteer_id, sk.code, vs.expires_on FROM volunteer_skills vs JOIN skills sk ON sk.id = vs.skill_id
            WHERE vs.community_id = \(community) ORDER BY vs.volunteer_id, sk.code
            """
        ).rows.map { row in (try row.decode("volunteer_id"), try row.decode("code"), try row.decode("expires_on")) }
    }

    static func availability(
        community: ID<Community>, on tx: Connection
    ) async throws -> [(volunteer: ID<Volunteer>, window: AvailabilityWindow)] {
        try await tx.query(
            """
            SELECT volunteer_id, weekday, start_minute, end_minute FROM volunteer_availability
            WHERE community_id = \(community) ORDER BY volunteer_id, weekday, start_minute
            """
        ).rows.map { row in
            (
                try row.decode("volunteer_id"),
                AvailabilityWindow(
                    weekday: try row.decode("weekday"), startMinute: try row.decode("start_minute"),
                    endMinute: try row.decode("end_minute"))
            )
        }
    }

    /// Absences overlapping [from, to).
    static func absences(
        community: ID<Community>, from: Date, to: Date, on tx: Connection
    ) async throws -> [LinliDomain.Absence] {
        try await tx.query(
            """
            SELECT id, volunteer_id, lower(during) AS starts, upper(during) AS ends, reason, note FROM volunteer_absences
            WHERE community_id = \(community) AND during && tstzrange(\(from), \(to), '[)')
            ORDER BY volunteer_id, lower(during)
            """
        ).rows.map { row in
            LinliDomain.Absence(
                id: try row.decode("id"), volunteerID: try row.decode("volunteer_id"), start: try row.decode("starts"),
                end: try row.decode("ends"), reason: try row.decode("reason"), note: try row.decode("note"))
        }
    }

    struct TeamMemberRow {
        var team: ID<PatrolTeam>
        var teamName: String
        var volunteer: ID<Volunteer>
        /// The 队长 or a member marked experienced: either may lead a patrol.
        var mayLead: Bool
    }

    static func teamMembers(community: ID<Community>, on tx: Connection) async throws -> [TeamMemberRow] {
        try await tx.query(
            """
            SELECT m.team_id, t.name, m.volunteer_id, (m.is_leader OR m.is_experienced) AS may_lead
            FROM patrol_team_members m JOIN patrol_teams t ON t.id = m.team_id
            WHERE m.community_id = \(community) ORDER BY t.name, m.volunteer_id
            """
        ).rows.map { row in
            TeamMemberRow(
                team: try row.decode("team_id"), teamName: try row.decode("name"), volunteer: try row.decode("volunteer_id"),
                mayLead: try row.decode("may_lead"))
        }
    }

    static func residentPreferences(
        residents: [ID<Resident>], on tx: Connection
    ) async throws -> [(resident: ID<Resident>, volunteer: ID<Volunteer>, prefers: Bool)] {
        guard !residents.isEmpty else { return [] }
        return try await tx.query(
            """
            SELECT resident_id, volunteer_id, prefers FROM resident_volunteer_preferences
            WHERE resident_id = ANY(\(residents)) ORDER BY resident_id, volunteer_id
            """
        ).rows.map { row in (try row.decode("resident_id"), try row.decode("volunteer_id"), try row.decode("prefers")) }
    }

    /// Who served each resident in live assignments starting in [from, to) (continuity).
    static func recentServers(
        residents: [ID<Resident>], from: Date, to: Date, on tx: Connection
    ) async throws -> [(resident: ID<Resident>, volunteer: ID<Volunteer>)] {
        guard !residents.isEmpty else { return [] }
        return try await tx.query(
            """
            SELECT DISTINCT b.resident_id, a.volunteer_id
            FROM assignments a JOIN bookings b ON b.slot_id = a.slot_id
            WHERE a.is_live AND b.resident_id = ANY(\(residents)) AND lower(a.during) >= \(from) AND lower(a.during) < \(to)
            ORDER BY b.resident_id, a.volunteer_id
            """
        ).rows.map { row in (try row.decode("resident_id"), try row.decode("volunteer_id")) }
    }

    /// Weekends each volunteer works (live) in the calendar month [monthStart, monthEnd), outside
    /// the week [weekFrom, weekTo).
    static func weekendsWorked(
        community: ID<Community>, monthStart: LocalDate, monthEnd: LocalDate, outside weekFrom: Date, _ weekTo: Date,
        timeZone: String, on tx: Connection
    ) async throws -> [ID<Volunteer>: Int] {
        var out: [ID<Volunteer>: Int] = [:]
        for row in try await tx.query(
            """
            SELECT a.volunteer_id, count(DISTINCT date_trunc('week', lower(a.during) AT TIME ZONE \(timeZone))) AS weekends
            FROM assignments a
            WHERE a.community_id = \(community) AND a.is_live
              AND extract(isodow FROM lower(a.during) AT TIME ZONE \(timeZone)) IN (6, 7)
              AND (lower(a.during) AT TIME ZONE \(timeZone))::date >= \(monthStart)
              AND (lower(a.during) AT TIME ZONE \(timeZone))::date < \(monthEnd)
              AND NOT (lower(a.during) >= \(weekFrom) AND lower(a.during) < \(weekTo))
            GROUP BY a.volunteer_id
            """
        ).rows {
            out[try row.decode("volunteer_id")] = try row.decode("weekends")
        }
        return out
    }

    /// A live assignment just outside a loaded week (`WeekProblemLoader`'s horizon edges).
    struct NeighbourShift: Sendable {
        var volunteer: ID<Volunteer>
        var start: Date
        var end: Date
        var kindCode: String
        var placeKey: String?
    }

    /// The community's live assignments on open slots starting in [from, weekStart) or
    /// [weekEnd, to), by volunteer and start.
    static func neighbourShifts(
        community: ID<Community>, from: Date, weekStart: Date, weekEnd: Date, to: Date, on tx: Connection
    ) async throws -> [NeighbourShift] {
        try await tx.query(
            """
            SELECT a.volunteer_id, s.starts_at, s.ends_at, st.code, coalesce(g.code, p.id::text) AS place_key
            FROM assignments a
            JOIN slots s ON s.id = a.slot_id AND s.status = 'open'
            JOIN service_types st ON st.id = s.service_type_id
            LEFT JOIN places p ON p.id = s.place_id
            LEFT JOIN grids g ON g.id = p.grid_id
            WHERE a.is_live AND a.community_id = \(community)
              AND ((s.starts_at >= \(from) AND s.starts_at < \(weekStart)) OR (s.starts_at >= \(weekEnd) AND s.starts_at < \(to)))
            ORDER BY a.volunteer_id, s.starts_at, s.ends_at
            """
        ).rows.map { row in
            NeighbourShift(
                volunteer: try row.decode("volunteer_id"), start: try row.decode("starts_at"), end: try row.decode("ends_at"),
                kindCode: try row.decode("code"), placeKey: try row.decode("place_key"))
        }
    }

    /// The community's grid-to-grid travel table, by grid code (the slots' place keys).
    static func travelTimes(community: ID<Community>, on tx: Connection) async throws -> [TravelTime] {
        try await tx.query(
            """
            SELECT f.code AS from_code, t.code AS to_code, m.minutes
            FROM grid_travel_minutes m
            JOIN grids f ON f.id = m.from_grid_id
            JOIN grids t ON t.id = m.to_grid_id
            WHERE m.community_id = \(community)
            ORDER BY f.code, t.code
            """
        ).rows.map { row in
            TravelTime(from: try row.decode("from_code"), to: try row.decode("to_code"), minutes: try row.decode("minutes"))
        }
    }

    /// The longest travel time between two grids of the community (0 without a table).
    static func longestTravel(community: ID<Community>, on tx: Connection) async throws -> Int {
        try await tx.query(
            "SELECT coalesce(max(minutes), 0) AS m FROM grid_travel_minutes WHERE community_id = \(community)"
        ).rows[0].decode("m")
    }

    /// A fingerprint of every row the week's problem is loaded from (`WeekProblemLoader.load`):
    /// the number of rows and the sum of a 64-bit hash of each row version's creating transaction
    /// (`xmin`). A committed insert or update adds row versions of a transaction none of those
    /// rows had before (an update writes a new version), a delete alone lowers the count, so any
    /// change changes it (but for a 2⁻⁶⁴ chance), and a week loaded under one fingerprint may be
    /// reused while it is unchanged (`WeekCache`). Time-bound rows count in [from, to) only, which
    /// must cover the week and the history the loader reads (continuity, weekends in the month).
    static func weekFingerprint(community: ID<Community>, from: Date, to: Date, on tx: Connection) async throws -> String {
        let row = try await tx.query(
            """
            WITH span AS (SELECT tstzrange(\(from), \(to), '[)') AS r)
            SELECT count(*) AS n, coalesce(sum(hashint8extended(t.xmin::text::bigint, 0)), 0)::text AS h
            FROM (
                SELECT xmin FROM communities WHERE id = \(community)
                UNION ALL SELECT xmin FROM skills WHERE community_id = \(community) OR community_id IS NULL
                UNION ALL SELECT xmin FROM service_types WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM service_type_skills WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM grids WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM grid_travel_minutes WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM places WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM volunteers WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM volunteer_skills WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM volunteer_availability WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM volunteer_preferences WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM patrol_teams WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM patrol_team_members WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM residents WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM resident_volunteer_preferences WHERE community_id = \(community)
                UNION ALL SELECT xmin FROM rosters WHERE community_id = \(community)
                UNION ALL SELECT a.xmin FROM volunteer_absences a, span
                    WHERE a.community_id = \(community) AND a.during && span.r
                UNION ALL SELECT s.xmin FROM slots s, span
                    WHERE s.community_id = \(community) AND s.during && span.r
                UNION ALL SELECT a.xmin FROM assignments a, span
                    WHERE a.community_id = \(community) AND a.during && span.r
                UNION ALL SELECT b.xmin FROM bookings b
                    WHERE b.community_id = \(community) AND b.slot_id IN (
                        SELECT s.id FROM slots s, span WHERE s.community_id = \(community) AND s.during && span.r)
            ) t
            """
        ).rows[0]
        return "\(try row.decode("n", as: Int.self)):\(try row.decode("h", as: String.self))"
    }

    /// The newest version of the week (any state).
    static func newestRoster(community: ID<Community>, week: LocalDate, on tx: Connection) async throws -> ID<Roster>? {
        try await tx.query(
            """
            SELECT id FROM rosters WHERE community_id = \(community) AND week_start = \(week)
            ORDER BY version DESC LIMIT 1
            """
        ).rows.first.map { try $0.decode("id") }
    }

    // MARK: - Rosters

    static func setScore(
        roster: ID<Roster>, score: RosterScore, basedOn: ID<Roster>?, on tx: Connection
    ) async throws {
        let json = try PostgresJSON(score)
        try await tx.execute(
            """
            UPDATE rosters SET score = \(json)::jsonb,
                based_on_roster_id = coalesce(\(basedOn), based_on_roster_id)
            WHERE id = \(roster)
            """)
    }

    static func versionSummaries(
        community: ID<Community>, week: LocalDate, on tx: Connection
    ) async throws -> [RosterVersionSummary] {
        try await tx.query(
            """
            SELECT r.id, r.version, r.state, r.score::text AS score, r.created_at, r.published_at,
                   (SELECT count(*) FROM assignments a WHERE a.roster_id = r.id) AS assignments,
                   (SELECT count(*) FROM assignments a WHERE a.roster_id = r.id AND a.is_pinned) AS pinned
            FROM rosters r WHERE r.community_id = \(community) AND r.week_start = \(week)
            ORDER BY r.version
            """
        ).rows.map { row in
            let text: String? = try row.decode("score")
            // A score written by other tools (or by hand) may not have this shape: show none then.
            let score = text.flatMap { try? JSONDecoder().decode(RosterScore.self, from: Data($0.utf8)) }
            return RosterVersionSummary(
                id: try row.decode("id"), version: try row.decode("version"), state: try row.decode("state"), score: score,
                assignments: try row.decode("assignments"), pinned: try row.decode("pinned"),
                createdAt: try row.decode("created_at"), publishedAt: try row.decode("published_at"))
        }
    }

    static func rosterVersion(
        community: ID<Community>, week: LocalDate, version: Int, on tx: Connection
    ) async throws -> ID<Roster>? {
        try await tx.query(
            """
            SELECT id FROM rosters WHERE community_id = \(community) AND week_start = \(week) AND version = \(version)
            """
        ).rows.first.map { try $0.decode("id") }
    }

    /// Slot times, service names and volunteer names for a diff.
    static func describe(
        _ changes: [RosterStore.Change], on tx: Connection
    ) async throws -> [RosterChange] {
        guard !changes.isEmpty else { return [] }
        let slots = Array(Set(changes.map(\.slotID)))
        let volunteers = Array(Set(changes.map(\.volunteerID)))
        var slotInfo: [ID<LinliDomain.Slot>: (String, String, String, Date, Date)] = [:]
        for row in try await tx.query(
            """
            SELECT s.id, st.code, st.name_zh, st.name_en, s.starts_at, s.ends_at
            FROM slots s JOIN service_types st ON st.id = s.service_type_id WHERE s.id = ANY(\(slots))
            """
        ).rows {
            slotInfo[try row.decode("id")] = (
                try row.decode("code"), try row.decode("name_zh"), try row.decode("name_en"),
                try row.decode("starts_at"), try row.decode("ends_at")
            )
        }
        var names: [ID<Volunteer>: String] = [:]
        for row in try await tx.query("SELECT id, name FROM volunteers WHERE id = ANY(\(volunteers))").rows {
            names[try row.decode("id")] = try row.decode("name")
        }
        return changes.map { change in
            let info = slotInfo[change.slotID]
            return RosterChange(
                slotID: change.slotID, volunteerID: change.volunteerID,
                volunteerName: names[change.volunteerID] ?? change.volunteerID.description, serviceCode: info?.0 ?? "",
                serviceNameZh: info?.1 ?? "", serviceNameEn: info?.2 ?? "", start: info?.3 ?? change.start,
                end: info?.4 ?? change.start)
        }
    }

    // MARK: - Solve runs

    static let runColumns: SQLQuery = """
        id, community_id, week_start, requested_by, job_id, state, seconds_limit, seed, cancel_requested,
        progress::text AS progress, best_score::text AS best_score, unfilled, result_roster_id, error, created_at, started_at,
        finished_at
        """

    static func run(_ row: Row) throws -> SolveRun {
        let progress: String = try row.decode("progress")
        let best: String? = try row.decode("best_score")
        let decoder = JSONDecoder()
        return SolveRun(
            id: try row.decode("id"), communityID: try row.decode("community_id"), week: try row.decode("week_start"),
            requestedBy: try row.decode("requested_by"), jobID: try row.decode("job_id"),
            state: SolveRunState(rawValue: try row.decode("state")) ?? .failed,
            secondsLimit: try row.decode("seconds_limit"), seed: UInt64(max(0, try row.decode("seed", as: Int64.self))),
            cancelRequested: try row.decode("cancel_requested"),
            progress: (try? decoder.decode([SolveProgressPoint].self, from: Data(progress.utf8))) ?? [],
            bestScore: best.flatMap { try? decoder.decode(Score.self, from: Data($0.utf8)) },
            unfilled: try row.decode("unfilled"), resultRosterID: try row.decode("result_roster_id"),
            error: try row.decode("error"), createdAt: try row.decode("created_at"), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"))
    }

    static func insertRun(
        community: ID<Community>, week: LocalDate, seconds: Double, seed: UInt64, requestedBy: ID<User>?,
        on tx: Connection
    ) async throws -> SolveRun {
        let rows = try await tx.query(
            """
            INSERT INTO roster_solve_runs (community_id, week_start, requested_by, seconds_limit, seed)
            VALUES (\(community), \(week), \(requestedBy), \(seconds), \(Int64(clamping: seed)))
            RETURNING \(runColumns)
            """
        ).rows
        return try run(rows[0])
    }

    static func setJob(run: ID<SolveRun>, job: Int64?, on tx: Connection) async throws {
        try await tx.execute("UPDATE roster_solve_runs SET job_id = \(job) WHERE id = \(run)")
    }

    static func run(_ id: ID<SolveRun>, on tx: Connection) async throws -> SolveRun? {
        try await tx.query("SELECT \(runColumns) FROM roster_solve_runs WHERE id = \(id)").rows.first.map(run)
    }

    static func runs(community: ID<Community>, week: LocalDate?, limit: Int, on tx: Connection) async throws -> [SolveRun] {
        try await tx.query(
            """
            SELECT \(runColumns) FROM roster_solve_runs
            WHERE community_id = \(community) AND (\(week)::date IS NULL OR week_start = \(week))
            ORDER BY created_at DESC LIMIT \(limit)
            """
        ).rows.map(run)
    }

    /// Starts (or, after a crash, restarts) a queued or running run; a run whose cancellation
    /// was asked for before it started ends as cancelled. nil when the run had already finished.
    static func claim(_ id: ID<SolveRun>, on tx: Connection) async throws -> SolveRun? {
        try await tx.query(
            """
            UPDATE roster_solve_runs SET
                state = CASE WHEN cancel_requested THEN 'cancelled'::roster_solve_state ELSE 'running'::roster_solve_state END,
                started_at = now(), finished_at = CASE WHEN cancel_requested THEN now() END, progress = '[]'
            WHERE id = \(id) AND state IN ('queued', 'running')
            RETURNING \(runColumns)
            """
        ).rows.first.map(run)
    }

    static func appendProgress(_ id: ID<SolveRun>, _ point: SolveProgressPoint, on tx: Connection) async throws {
        let json = try PostgresJSON(point), score = try PostgresJSON(point.score)
        try await tx.execute(
            """
            UPDATE roster_solve_runs SET progress = progress || jsonb_build_array(\(json)::jsonb),
                best_score = \(score)::jsonb, unfilled = \(point.unfilled)
            WHERE id = \(id) AND state = 'running'
            """)
    }

    static func cancelRequested(_ id: ID<SolveRun>, on tx: Connection) async throws -> Bool {
        try await tx.query("SELECT cancel_requested FROM roster_solve_runs WHERE id = \(id)").rows.first
            .map { try $0.decode("cancel_requested") } ?? true
    }

    /// Asks a run to stop; a queued one is cancelled at once. nil when there is no such run.
    static func requestCancel(_ id: ID<SolveRun>, on tx: Connection) async throws -> SolveRun? {
        try await tx.query(
            """
            UPDATE roster_solve_runs SET cancel_requested = true,
                state = CASE WHEN state = 'queued' THEN 'cancelled'::roster_solve_state ELSE state END,
                finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END
            WHERE id = \(id) AND state IN ('queued', 'running')
            RETURNING \(runColumns)
            """
        ).rows.first.map(run)
    }

    static func finish(
        _ id: ID<SolveRun>, state: SolveRunState, best: Score?, unfilled: Int?, result: ID<Roster>?, error: String?,
        on tx: Connection
    ) async throws {
        let json = try best.map { try PostgresJSON($0) }
        try await tx.execute(
            """
            UPDATE roster_solve_runs SET state = \(state.rawValue)::roster_solve_state, finished_at = now(),
                best_score = coalesce(\(json)::jsonb, best_score),
                unfilled = coalesce(\(unfilled), unfilled), result_roster_id = \(result), error = \(error)
            WHERE id = \(id) AND state = 'running'
            """)
    }

    /// Puts an interrupted run back in the queue (the worker shut down; the job runs again).
    static func requeue(_ id: ID<SolveRun>, on tx: Connection) async throws {
        try await tx.execute(
            "UPDATE roster_solve_runs SET state = 'queued', started_at = NULL WHERE id = \(id) AND state = 'running'")
    }

    // MARK: - The booking desk's proposals

    /// The grid of the resident's place (or the place, or their grid): the scheduler's place key.
    static func residentPlaceKey(_ resident: ID<Resident>, on tx: Connection) async throws -> String? {
        try await tx.query(
            """
            SELECT coalesce(g.code, p.id::text, rg.code) AS place_key
            FROM residents r
            LEFT JOIN places p ON p.id = r.place_id
            LEFT JOIN grids g ON g.id = p.grid_id
            LEFT JOIN grids rg ON rg.id = r.grid_id
            WHERE r.id = \(resident)
            """
        ).rows.first.flatMap { try $0.decode("place_key") }
    }

    static func insertProposal(_ p: StoredProposal, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO booking_proposals (id, community_id, resident_id, service_type_id, minutes, notes, windows,
                                           starts_at, ends_at, volunteer_ids, roster_id, created_by, expires_at)
            SELECT \(p.id), \(p.communityID), \(p.residentID), \(p.serviceTypeID), \(p.minutes), \(p.notes),
                   array(SELECT tstzrange(w.s, w.e, '[)')
                         FROM unnest(\(p.windows.map(\.start))::timestamptz[], \(p.windows.map(\.end))::timestamptz[])
                              WITH ORDINALITY AS w(s, e, n) ORDER BY w.n),
                   \(p.start), \(p.end), \(p.volunteerIDs)::uuid[], \(p.rosterID), \(p.createdBy), \(p.expiresAt)
            """)
    }

    /// The proposal, locked until the transaction ends (a second confirm waits, then sees it used).
    static func lockProposal(_ id: ID<VisitProposal>, on tx: Connection) async throws -> StoredProposal? {
        try await tx.query(
            """
            SELECT id, community_id, resident_id, service_type_id, minutes, notes,
                   array(SELECT lower(w) FROM unnest(windows) WITH ORDINALITY AS u(w, n) ORDER BY n) AS window_starts,
                   array(SELECT upper(w) FROM unnest(windows) WITH ORDINALITY AS u(w, n) ORDER BY n) AS window_ends,
                   starts_at, ends_at, volunteer_ids, roster_id, booking_id, created_by, expires_at
            FROM booking_proposals WHERE id = \(id) FOR UPDATE
            """
        ).rows.first.map { row in
            let starts: [Date] = try row.decode("window_starts"), ends: [Date] = try row.decode("window_ends")
            return StoredProposal(
                id: try row.decode("id"), communityID: try row.decode("community_id"),
                residentID: try row.decode("resident_id"), serviceTypeID: try row.decode("service_type_id"),
                minutes: try row.decode("minutes"), notes: try row.decode("notes"),
                windows: zip(starts, ends).map { TimeWindow(start: $0, end: $1) }, start: try row.decode("starts_at"),
                end: try row.decode("ends_at"), volunteerIDs: try row.decode("volunteer_ids"),
                rosterID: try row.decode("roster_id"), bookingID: try row.decode("booking_id"),
                createdBy: try row.decode("created_by"), expiresAt: try row.decode("expires_at"))
        }
    }

    static func markProposalConfirmed(_ id: ID<VisitProposal>, booking: ID<Booking>, on tx: Connection) async throws {
        try await tx.execute("UPDATE booking_proposals SET booking_id = \(booking) WHERE id = \(id)")
    }

    /// Deletes proposals that expired unconfirmed more than a day ago; returns how many.
    static func purgeProposals(on tx: Connection) async throws -> Int {
        try await tx.execute(
            "DELETE FROM booking_proposals WHERE booking_id IS NULL AND expires_at < now() - interval '1 day'")
    }

    /// Live assignments of `volunteer` overlapping [start, end), with the service and time (the clash to name).
    static func liveOverlaps(
        volunteer: ID<Volunteer>, start: Date, end: Date, on tx: Connection
    ) async throws -> [(slot: ID<LinliDomain.Slot>, service: String, serviceEn: String, start: Date, end: Date)] {
        try await tx.query(
            """
            SELECT a.slot_id, st.name_zh, st.name_en, lower(a.during) AS starts_at, upper(a.during) AS ends_at
            FROM assignments a JOIN slots s ON s.id = a.slot_id JOIN service_types st ON st.id = s.service_type_id
            WHERE a.volunteer_id = \(volunteer) AND a.is_live AND a.during && tstzrange(\(start), \(end))
            ORDER BY lower(a.during)
            """
        ).rows.map { row in
            (
                try row.decode("slot_id"), try row.decode("name_zh"), try row.decode("name_en"),
                try row.decode("starts_at"), try row.decode("ends_at")
            )
        }
    }
}
