import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliStorage

/// When a volunteer can serve and with what, under `/api/v1/communities/{code}/volunteers/{id}`:
/// the weekly availability grid (replaced as a whole), dated absences, and skills with their
/// certificates. The scheduler reads all three as hard rules.
struct VolunteerScheduleController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    let volunteers = VolunteerStore()

    static let noAbsence = LocalizedText("没有这条请假记录", "There is no such absence")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("volunteers/{id}/availability") { request, context in try await availability(request, context) }
        group.put("volunteers/{id}/availability") { request, context in try await setAvailability(request, context) }
        group.get("volunteers/{id}/absences") { request, context in try await absences(request, context) }
        group.post("volunteers/{id}/absences") { request, context in try await addAbsence(request, context) }
        group.delete("volunteers/{id}/absences/{absence}") { request, context in try await removeAbsence(request, context) }
        group.get("volunteers/{id}/limits") { request, context in try await limits(request, context, replacing: false) }
        group.put("volunteers/{id}/limits") { request, context in try await limits(request, context, replacing: true) }
        group.get("volunteers/{id}/skills") { request, context in try await skills(request, context) }
        group.put("volunteers/{id}/skills") { request, context in try await setSkills(request, context) }
    }

    // MARK: Bodies

    /// One window of the weekly grid: ISO weekday (1 = Monday) and local times of day.
    struct Window: Codable, KnownFields {
        let weekday: Int
        let start: String
        let end: String
        static var fieldNames: Set<String> { ["weekday", "start", "end"] }
    }

    struct AvailabilityBody: Codable, KnownFields {
        let windows: [Window]
        static var fieldNames: Set<String> { ["windows"] }
        static var nestedFields: [String: any KnownFields.Type] { ["windows": Window.self] }
    }

    struct AbsenceRequest: KnownFields {
        let start: String
        let end: String
        let reason: String
        let note: String?
        static var fieldNames: Set<String> { ["start", "end", "reason", "note"] }
    }

    struct AbsenceBody: Encodable {
        let absence: Absence
        let community: Community
        enum CodingKeys: String, CodingKey { case id, start, end, reason, note }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(absence.id.description, forKey: .id)
            try c.encode(APITime.format(absence.start, in: community), forKey: .start)
            try c.encode(APITime.format(absence.end, in: community), forKey: .end)
            try c.encode(absence.reason, forKey: .reason)
            try c.encode(absence.note, forKey: .note)
        }
    }

    /// One skill a volunteer holds; a certificate may expire.
    struct SkillGrant: Codable, KnownFields {
        let skillID: String
        let certificateNumber: String?
        let expiresOn: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case skillID = "skill_id"
            case certificateNumber = "certificate_number"
            case expiresOn = "expires_on"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    struct SkillsBody: Codable, KnownFields {
        let skills: [SkillGrant]
        static var fieldNames: Set<String> { ["skills"] }
        static var nestedFields: [String: any KnownFields.Type] { ["skills": SkillGrant.self] }
    }

    /// A volunteer's limits, as read and as replaced with PUT; a missing number is no limit.
    struct LimitsBody: Codable, KnownFields {
        var maxMinutesPerWeek: Int?
        var maxMinutesPerDay: Int?
        var maxShiftsPerDay: Int?
        var maxShiftsPerWeek: Int?
        var maxConsecutiveDays: Int?
        var maxWeekendsPerMonth: Int?
        var minRestMinutes: Int?
        var noEvening: Bool?
        var noNight: Bool?
        var targetMinutesPerWeek: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxMinutesPerWeek = "max_minutes_per_week"
            case maxMinutesPerDay = "max_minutes_per_day"
            case maxShiftsPerDay = "max_shifts_per_day"
            case maxShiftsPerWeek = "max_shifts_per_week"
            case maxConsecutiveDays = "max_consecutive_days"
            case maxWeekendsPerMonth = "max_weekends_per_month"
            case minRestMinutes = "min_rest_minutes"
            case noEvening = "no_evening"
            case noNight = "no_night"
            case targetMinutesPerWeek = "target_minutes_per_week"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

        init(_ l: VolunteerLimits) {
            maxMinutesPerWeek = l.maxMinutesPerWeek
            maxMinutesPerDay = l.maxMinutesPerDay
            maxShiftsPerDay = l.maxShiftsPerDay
            maxShiftsPerWeek = l.maxShiftsPerWeek
            maxConsecutiveDays = l.maxConsecutiveDays
            maxWeekendsPerMonth = l.maxWeekendsPerMonth
            minRestMinutes = l.minRestMinutes
            noEvening = l.noEvening
            noNight = l.noNight
            targetMinutesPerWeek = l.targetMinutesPerWeek
        }

        // Every key is written, null for no limit, as the schema lists them all.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(maxMinutesPerWeek, forKey: .maxMinutesPerWeek)
            try c.encode(maxMinutesPerDay, forKey: .maxMinutesPerDay)
            try c.encode(maxShiftsPerDay, forKey: .maxShiftsPerDay)
            try c.encode(maxShiftsPerWeek, forKey: .maxShiftsPerWeek)
            try c.encode(maxConsecutiveDays, forKey: .maxConsecutiveDays)
            try c.encode(maxWeekendsPerMonth, forKey: .maxWeekendsPerMonth)
            try c.encode(minRestMinutes, forKey: .minRestMinutes)
            try c.encode(noEvening ?? false, forKey: .noEvening)
            try c.encode(noNight ?? false, forKey: .noNight)
            try c.encode(targetMinutesPerWeek, forKey: .targetMinutesPerWeek)
        }

        /// The limits, each range checked and named when wrong.
        func checked() throws -> VolunteerLimits {
            var validation = Validation()
            validate(into: &validation)
            try validation.check()
            return limits
        }

        /// Each range checked, a failure named by its field (the staff page's form checks the same).
        func validate(into validation: inout Validation) {
            validation.range("max_minutes_per_week", maxMinutesPerWeek, 0...10_080)
            validation.range("max_minutes_per_day", maxMinutesPerDay, 0...1_440)
            validation.range("max_shifts_per_day", maxShiftsPerDay, 0...12)
            validation.range("max_shifts_per_week", maxShiftsPerWeek, 0...50)
            validation.range("max_consecutive_days", maxConsecutiveDays, 1...7)
            validation.range("max_weekends_per_month", maxWeekendsPerMonth, 0...5)
            validation.range("min_rest_minutes", minRestMinutes, 0...1_440)
            validation.range("target_minutes_per_week", targetMinutesPerWeek, 0...10_080)
        }

        var limits: VolunteerLimits {
            VolunteerLimits(
                maxMinutesPerWeek: maxMinutesPerWeek, maxMinutesPerDay: maxMinutesPerDay, maxShiftsPerDay: maxShiftsPerDay,
                maxShiftsPerWeek: maxShiftsPerWeek, maxConsecutiveDays: maxConsecutiveDays,
                maxWeekendsPerMonth: maxWeekendsPerMonth, minRestMinutes: minRestMinutes, noEvening: noEvening ?? false,
                noNight: noNight ?? false, targetMinutesPerWeek: targetMinutesPerWeek)
        }
    }

    // MARK: Handlers

    /// GET answers the volunteer's limits; PUT (`replacing`) replaces them first, under the
    /// volunteer's version (`If-Match` when given).
    func limits(_ request: Request, _ context: APIRequestContext, replacing: Bool) async throws -> Response {
        let wanted = replacing ? try await JSONBody.read(LimitsBody.self, from: request, maxBytes: maxBodyBytes).checked() : nil
        let stored = try await withVolunteer(request, context) { _, id, tx in
            var volunteer = try await volunteers.volunteer(id, on: tx)
            if let wanted {
                if let header = request.headers[.ifMatch], !header.isEmpty {
                    try ETag.require(request, current: volunteer.version)
                }
                volunteer.limits = wanted
                volunteer.version = try await volunteers.update(volunteer, on: tx)
            }
            return volunteer
        }
        return try jsonResponse(LimitsBody(stored.limits), headers: ETag.headers(stored.version))
    }

    /// Runs `body` in the community's scope after checking the `{id}` volunteer is one of its own.
    func withVolunteer<T: Sendable>(
        _ request: Request, _ context: APIRequestContext,
        _ body: @escaping @Sendable (Community, ID<Volunteer>, Connection) async throws -> T
    ) async throws -> T {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Volunteer.self, what: VolunteersController.notFound)
        return try await store.transaction(context.scope()) { tx in
            _ = try await volunteers.volunteer(id, on: tx)
            return try await body(community, id, tx)
        }
    }

    static func windows(_ stored: [AvailabilityWindow]) -> AvailabilityBody {
        AvailabilityBody(
            windows: stored.map {
                Window(
                    weekday: $0.weekday, start: MessagingRules.clock($0.startMinute),
                    end: $0.endMinute == 1440 ? "24:00" : MessagingRules.clock($0.endMinute))
            })
    }

    func availability(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let stored = try await withVolunteer(request, context) { _, id, tx in try await volunteers.availability(of: id, on: tx) }
        return try jsonResponse(Self.windows(stored))
    }

    func setAvailability(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.read(AvailabilityBody.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        var windows: [AvailabilityWindow] = []
        if body.windows.count > 50 {
            validation.fail("windows", "too_many", "最多 50 个时段", "at most 50 windows")
        }
        for (i, w) in body.windows.enumerated() {
            validation.range("windows[\(i)].weekday", w.weekday, 1...7)
            let start = validation.clock("windows[\(i)].start", w.start)
            let end = w.end == "24:00" ? 1440 : validation.clock("windows[\(i)].end", w.end)
            if let start, let end {
                if end <= start {
                    validation.fail("windows[\(i)].end", "before_start", "结束时间须晚于开始时间", "must be after start")
                } else {
                    windows.append(AvailabilityWindow(weekday: w.weekday, startMinute: start, endMinute: end))
                }
            }
        }
        for (i, w) in windows.enumerated() {
            if windows[..<i].contains(where: {
                $0.weekday == w.weekday && $0.startMinute < w.endMinute && w.startMinute < $0.endMinute
            }) {
                validation.fail("windows[\(i)]", "overlap", "与同一天的另一时段重叠", "overlaps another window of the same day")
            }
        }
        try validation.check()
        let given = windows
        let stored = try await withVolunteer(request, context) { community, id, tx in
            try await volunteers.setAvailability(given, of: id, communityID: community.id, on: tx)
            return try await volunteers.availability(of: id, on: tx)
        }
        return try jsonResponse(Self.windows(stored))
    }

    func absences(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        // From a month back on: what a coordinator planning the coming weeks needs.
        let from = Date().addingTimeInterval(-31 * 86_400)
        let (community, rows) = try await withVolunteer(request, context) { community, id, tx in
            (community, try await volunteers.absences(of: id, from: from, to: APITime.plausible.upperBound, on: tx))
        }
        return try jsonResponse(Items(items: rows.map { AbsenceBody(absence: $0, community: community) }))
    }

    func addAbsence(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.read(AbsenceRequest.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let start = validation.time("start", body.start)
        let end = validation.time("end", body.end)
        if let start, let end, end <= start {
            validation.fail("end", "before_start", "结束时间须晚于开始时间", "must be after start")
        }
        let reason = AbsenceReason(rawValue: body.reason)
        if reason == nil {
            let known = AbsenceReason.allCases.map(\.rawValue).joined(separator: ", ")
            validation.fail("reason", "invalid_value", "须为以下之一：\(known)", "must be one of: \(known)")
        }
        validation.text("note", body.note, max: 200)
        try validation.check()
        guard let start, let end, let reason else { throw Problem.internalError }
        let (community, absence) = try await withVolunteer(request, context) { community, id, tx in
            let absence = Absence(volunteerID: id, start: start, end: end, reason: reason, note: body.note)
            try await volunteers.addAbsence(absence, communityID: community.id, on: tx)
            return (community, absence)
        }
        return try jsonResponse(AbsenceBody(absence: absence, community: community), status: .created)
    }

    func removeAbsence(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let absence = try request.pathID(context, Absence.self, parameter: "absence", what: Self.noAbsence)
        try await withVolunteer(request, context) { _, id, tx in
            let mine = try await volunteers.absences(
                of: id, from: APITime.plausible.lowerBound, to: APITime.plausible.upperBound, on: tx)
            guard mine.contains(where: { $0.id == absence }) else { throw Problem.notFound(Self.noAbsence) }
            try await volunteers.removeAbsence(absence, on: tx)
        }
        return Response(status: .noContent)
    }

    static func skills(_ stored: [VolunteerSkill]) -> SkillsBody {
        SkillsBody(
            skills: stored.map {
                SkillGrant(
                    skillID: $0.skillID.description, certificateNumber: $0.certificateNumber,
                    expiresOn: $0.expiresOn?.description)
            })
    }

    func skills(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let stored = try await withVolunteer(request, context) { _, id, tx in try await volunteers.skills(of: id, on: tx) }
        return try jsonResponse(Self.skills(stored))
    }

    /// Replaces the volunteer's skills with the list given.
    func setSkills(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.read(SkillsBody.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        var grants: [(ID<Skill>, String?, LocalDate?)] = []
        for (i, g) in body.skills.enumerated() {
            let skill = ID<Skill>(uuidString: g.skillID)
            if skill == nil {
                validation.fail("skills[\(i)].skill_id", "invalid_value", "须为技能编号（UUID）", "must be a skill id (UUID)")
            }
            validation.text("skills[\(i)].certificate_number", g.certificateNumber, max: 50)
            var expires: LocalDate?
            if let text = g.expiresOn {
                expires = LocalDate(iso: text)
                if expires == nil {
                    validation.fail(
                        "skills[\(i)].expires_on", "invalid_value", "须为日期，如 2027-06-30", "must be a date, e.g. 2027-06-30")
                }
            }
            if let skill {
                if grants.contains(where: { $0.0 == skill }) {
                    validation.fail("skills[\(i)].skill_id", "duplicate", "重复的技能", "the skill is listed twice")
                }
                grants.append((skill, g.certificateNumber, expires))
            }
        }
        try validation.check()
        let given = grants
        let stored = try await withVolunteer(request, context) { community, id, tx in
            for held in try await volunteers.skills(of: id, on: tx) where !given.contains(where: { $0.0 == held.skillID }) {
                try await volunteers.removeSkill(volunteer: id, skill: held.skillID, on: tx)
            }
            for (skill, number, expires) in given {
                _ = try await SkillStore().skill(skill, on: tx)
                try await volunteers.setSkill(
                    VolunteerSkill(volunteerID: id, skillID: skill, certificateNumber: number, expiresOn: expires),
                    communityID: community.id, on: tx)
            }
            return try await volunteers.skills(of: id, on: tx)
        }
        return try jsonResponse(Self.skills(stored))
    }
}
