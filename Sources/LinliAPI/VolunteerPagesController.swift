import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliWeb

/// The coordinator's volunteer pages (issue #7): `/app/volunteers` lists and finds volunteers
/// (name, pinyin initials, phone ending), `/app/volunteers/new` adds one, and a volunteer's page
/// edits their details and limits, skills and certificates with expiry, the weekly availability
/// grid and dated absences. Plain forms with a CSRF token, POST-redirect-GET, a refused form shown
/// again with the errors next to the fields and everything typed kept. Reading follows
/// AccessPolicy's `volunteers` read (a patrol leader sees their team's members, by row-level
/// security); every form needs `volunteers` write (coordinators and administrators). The same
/// stores as the JSON API (`VolunteerStore`, `SkillStore`), the same checks (`Validation`).
struct VolunteerPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int
    let volunteers = VolunteerStore()

    /// How many volunteers the list shows at most.
    static let listLimit = 300

    func addRoutes(to router: Router<APIRequestContext>) {
        PeoplePages.add(
            [
                (.get, "/app/volunteers", { request, _ in try await list(request) }),
                (.get, "/app/volunteers/new", { request, _ in try await newForm(request) }),
                (.post, "/app/volunteers", { request, _ in try await create(request) }),
                (.get, "/app/volunteers/{id}", show), (.post, "/app/volunteers/{id}", save),
                (.post, "/app/volunteers/{id}/availability", saveAvailability),
                (.post, "/app/volunteers/{id}/skills", saveSkill),
                (.post, "/app/volunteers/{id}/skills/{skill}/remove", removeSkill),
                (.post, "/app/volunteers/{id}/absences", addAbsence),
                (.post, "/app/volunteers/{id}/absences/{absence}/remove", removeAbsence),
                (.post, "/app/volunteers/{id}/deactivate", deactivate),
                (.post, "/app/volunteers/{id}/reactivate", reactivate),
            ], to: router)
    }

    var shared: PeoplePages { PeoplePages(pages: pages) }

    func open(_ request: Request, _ verb: AccessPolicy.Verb) async throws -> StaffPage {
        try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .volunteers, verb)
    }

    func volunteerID(_ context: APIRequestContext) throws -> ID<Volunteer> {
        try PeoplePages.id(context, missing: VolunteersController.notFound)
    }

    // MARK: - The list

    func list(_ request: Request) async throws -> Response {
        let page = try await open(request, .read)
        let q = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(50))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (found, grids) = try await store.transaction(page.scope) { tx in
            let found: [Volunteer]
            if q.isEmpty {
                found = try await volunteers.page(after: nil, matching: nil, active: nil, limit: Self.listLimit, on: tx)
            } else {
                found = try await VolunteerSearch.find(q, limit: Self.listLimit, on: tx)
            }
            return (found, try await OrganisationStore().grids(on: tx))
        }
        let gridNames = Dictionary(uniqueKeysWithValues: grids.map { ($0.id, $0.name) })
        let language = page.language
        let rows: [[String: Any]] = found.map { v in
            [
                "id": v.id.description, "volunteerName": v.name, "sex": WebStrings.people(v.sex.rawValue, language),
                "phone": v.phone ?? "", "grid": v.homeGridID.flatMap { gridNames[$0] } ?? "",
                "groups": v.groups.map { WebStrings.people("group.\($0.rawValue)", language) }
                    .joined(separator: WebStrings.text("listSeparator", language)),
                "state": WebStrings.people(v.isActive ? "isActive" : "isInactive", language), "inactive": !v.isActive,
            ]
        }
        return try shared.render(
            "people-volunteers", title: WebStrings.people("volunteers", language), page, path: "/app/volunteers",
            [
                "q": q, "volunteers": rows, "hasVolunteers": !rows.isEmpty, "canWrite": page.may(.volunteers, .write),
                "capped": rows.count >= Self.listLimit
                    ? WebStrings.people("firstN", language, ["n": String(Self.listLimit)]) : "",
            ])
    }

    // MARK: - Adding a volunteer

    func newForm(_ request: Request) async throws -> Response {
        let page = try await open(request, .write)
        return try await detailsPage(page, fields: ["notify": NotifyChannel.sms.rawValue], errors: [:])
    }

    /// The page with only the details form: adding a volunteer, or one refused.
    func detailsPage(
        _ page: StaffPage, fields: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let grids = try await store.transaction(page.scope) { tx in try await OrganisationStore().grids(on: tx) }
        var values = VolunteerForm.values(fields, errors: errors, grids: grids, page.language)
        values["formError"] = errors.isEmpty ? "" : WebStrings.people("formError", page.language)
        values["isNew"] = true
        values["canWrite"] = true
        let title = WebStrings.people("newVolunteer", page.language)
        values["heading"] = title
        return try shared.render("people-volunteer", title: title, page, path: "/app/volunteers/new", values, status: status)
    }

    func create(_ request: Request) async throws -> Response {
        let page = try await open(request, .write)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        let checked = VolunteerForm.check(fields, page.language)
        guard let input = checked.input else {
            return try await detailsPage(page, fields: fields, errors: checked.errors, status: .unprocessableContent)
        }
        var volunteer = Volunteer(communityID: page.community.id, name: input.name, sex: input.sex)
        input.apply(to: &volunteer)
        try await store.transaction(page.scope) { tx in try await volunteers.create(volunteer, on: tx) }
        return StaffPage.seeOther("/app/volunteers/\(volunteer.id)?\(page.query)&notice=created")
    }

    // MARK: - A volunteer's page

    /// What the page's forms were given, to show again after a refusal, and what to say.
    struct Forms {
        var details: [String: String]?
        var detailErrors: [String: String] = [:]
        var stale = false
        var skill: [String: String] = [:]
        var skillErrors: [String: String] = [:]
        var absence: [String: String] = [:]
        var absenceErrors: [String: String] = [:]
        var stopReason = ""
        var stopError: String?
        var notice: String?
        var status: HTTPResponse.Status = .ok
    }

    static let notices: Set<String> = [
        "saved", "created", "availabilitySaved", "skillSaved", "skillRemoved", "absenceAdded", "absenceRemoved",
        "deactivated", "reactivated",
    ]

    func show(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .read)
        let id = try volunteerID(context)
        let notice = request.uri.queryParameters["notice"].map(String.init).flatMap { Self.notices.contains($0) ? $0 : nil }
        return try await volunteerPage(page, id, Forms(notice: notice))
    }

    /// The volunteer's data as the page shows it.
    struct Loaded {
        let volunteer: Volunteer
        let grids: [Grid]
        let skills: [Skill]
        let held: [VolunteerSkill]
        let availability: [AvailabilityWindow]
        let absences: [Absence]
    }

    func load(_ page: StaffPage, _ id: ID<Volunteer>) async throws -> Loaded {
        let today = LocalDate(Date(), in: page.zone)
        let from = today.adding(days: -7).startOfDay(in: page.zone)
        let to = today.adding(days: 400).startOfDay(in: page.zone)
        do {
            return try await store.transaction(page.scope) { tx in
                Loaded(
                    volunteer: try await volunteers.volunteer(id, on: tx), grids: try await OrganisationStore().grids(on: tx),
                    skills: try await SkillStore().skills(on: tx), held: try await volunteers.skills(of: id, on: tx),
                    availability: try await volunteers.availability(of: id, on: tx),
                    absences: try await volunteers.absences(of: id, from: from, to: to, on: tx))
            }
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(VolunteersController.notFound)
        }
    }

    func volunteerPage(_ page: StaffPage, _ id: ID<Volunteer>, _ forms: Forms) async throws -> Response {
        let data = try await load(page, id)
        let language = page.language
        let v = data.volunteer
        let fields = forms.details ?? VolunteerForm.fields(v)
        var values = VolunteerForm.values(fields, errors: forms.detailErrors, grids: data.grids, language)
        values["heading"] = v.name
        values["volunteerID"] = id.description
        values["inactive"] = !v.isActive
        values["canWrite"] = page.may(.volunteers, .write)
        values["notice"] = forms.notice.map { WebStrings.people($0, language) } ?? ""
        values["formError"] =
            forms.stale
            ? WebStrings.people("stale", language) : forms.detailErrors.isEmpty ? "" : WebStrings.people("formError", language)
        values.merge(skillValues(data, forms, language, today: LocalDate(Date(), in: page.zone))) { _, new in new }
        values.merge(AvailabilityGrid.values(data.availability, language)) { _, new in new }
        values.merge(absenceValues(data, forms, page)) { _, new in new }
        values["stopReason"] = forms.stopReason
        values["stopError"] = forms.stopError ?? ""
        return try shared.render(
            "people-volunteer", title: v.name, page, path: "/app/volunteers/\(id)", values, status: forms.status)
    }

    func skillValues(_ data: Loaded, _ forms: Forms, _ language: PageLanguage, today: LocalDate) -> [String: Any] {
        let byID = Dictionary(uniqueKeysWithValues: data.skills.map { ($0.id, $0) })
        func name(_ skill: Skill) -> String { language == .en ? skill.nameEn : skill.nameZh }
        let held: [[String: Any]] = data.held.compactMap { h in
            guard let skill = byID[h.skillID] else { return nil }
            return [
                "skillID": skill.id.description, "skillName": name(skill), "isCertificate": skill.isCertificate,
                "number": h.certificateNumber ?? "", "expires": h.expiresOn?.description ?? "",
                "expired": h.expiresOn.map { $0 < today } ?? false,
                "removeLabel": WebStrings.people("removeSkill", language, ["name": name(skill)]),
            ]
        }
        let options: [[String: Any]] = data.skills.map { skill in
            [
                "optionID": skill.id.description, "optionSelected": forms.skill["skill"] == skill.id.description,
                "optionLabel": name(skill) + (skill.isCertificate ? WebStrings.people("certificate", language) : ""),
            ]
        }
        return [
            "held": held, "hasHeld": !held.isEmpty, "skillOptions": options,
            "skillNumber": forms.skill["certificate_number"] ?? "", "skillExpires": forms.skill["expires_on"] ?? "",
            "skillErrors": forms.skillErrors,
        ]
    }

    func absenceValues(_ data: Loaded, _ forms: Forms, _ page: StaffPage) -> [String: Any] {
        let language = page.language
        let rows: [[String: Any]] = data.absences.map { a in
            let from = LocalDate(a.start, in: page.zone).description
            let to = LocalDate(a.end.addingTimeInterval(-1), in: page.zone).description
            return [
                "absenceID": a.id.description, "from": from, "to": to,
                "reason": WebStrings.people("reason.\(a.reason.rawValue)", language), "note": a.note ?? "",
                "removeLabel": WebStrings.people("removeAbsence", language, ["from": from, "to": to]),
            ]
        }
        let chosen = forms.absence["reason"] ?? AbsenceReason.away.rawValue
        let reasons: [[String: Any]] = AbsenceReason.allCases.map { reason in
            [
                "optionID": reason.rawValue, "optionSelected": reason.rawValue == chosen,
                "optionLabel": WebStrings.people("reason.\(reason.rawValue)", language),
            ]
        }
        return [
            "absences": rows, "hasAbsences": !rows.isEmpty, "reasons": reasons,
            "absenceFrom": forms.absence["from"] ?? "", "absenceTo": forms.absence["to"] ?? "",
            "absenceNote": forms.absence["note"] ?? "", "absenceErrors": forms.absenceErrors,
        ]
    }

    // MARK: - Forms

    func save(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        let checked = VolunteerForm.check(fields, page.language)
        guard let input = checked.input else {
            return try await volunteerPage(
                page, id, Forms(details: fields, detailErrors: checked.errors, status: .unprocessableContent))
        }
        do {
            try await store.transaction(page.scope) { tx in
                var v = try await volunteers.volunteer(id, on: tx)
                v.version = Int(fields["version"] ?? "") ?? v.version
                input.apply(to: &v)
                try await volunteers.update(v, on: tx)
            }
        } catch let error as StorageError where error.code == .staleVersion {
            return try await volunteerPage(page, id, Forms(details: fields, stale: true, status: .conflict))
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(VolunteersController.notFound)
        }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=saved")
    }

    func saveAvailability(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        try await withVolunteer(page, id) { tx in
            let windows = AvailabilityGrid.apply(fields, to: try await volunteers.availability(of: id, on: tx))
            try await volunteers.setAvailability(windows, of: id, communityID: page.community.id, on: tx)
        }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=availabilitySaved#availability")
    }

    func saveSkill(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        var errors: [String: String] = [:]
        let skill = fields["skill"].flatMap(ID<Skill>.init(uuidString:))
        if skill == nil { errors["skill"] = WebStrings.people("skillError", page.language) }
        let expiresText = PeoplePages.value(fields, "expires_on")
        let expires = expiresText.flatMap { LocalDate(iso: $0) }
        if expiresText != nil && expires == nil { errors["expires_on"] = WebStrings.people("dateFormat", page.language) }
        var validation = Validation()
        validation.text("certificate_number", PeoplePages.value(fields, "certificate_number"), max: 50)
        errors.merge(PeoplePages.errors(validation, page.language)) { first, _ in first }
        guard errors.isEmpty, let skill else {
            return try await volunteerPage(
                page, id, Forms(skill: fields, skillErrors: errors, status: .unprocessableContent))
        }
        do {
            try await withVolunteer(page, id) { tx in
                _ = try await SkillStore().skill(skill, on: tx)
                try await volunteers.setSkill(
                    VolunteerSkill(
                        volunteerID: id, skillID: skill, certificateNumber: PeoplePages.value(fields, "certificate_number"),
                        expiresOn: expires), communityID: page.community.id, on: tx)
            }
        } catch let error as Problem where error.status == .notFound {
            // The skill is not the community's (the volunteer was found first).
            return try await volunteerPage(
                page, id,
                Forms(
                    skill: fields, skillErrors: ["skill": WebStrings.people("skillError", page.language)],
                    status: .unprocessableContent))
        }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=skillSaved#skills")
    }

    func removeSkill(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        _ = try await page.form(request, maxBytes: maxBodyBytes)
        let skill: ID<Skill> = try PeoplePages.id(context, "skill", missing: VolunteersController.notFound)
        try await withVolunteer(page, id) { tx in try await volunteers.removeSkill(volunteer: id, skill: skill, on: tx) }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=skillRemoved#skills")
    }

    func addAbsence(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        let language = page.language
        var errors: [String: String] = [:]
        let fromText = PeoplePages.value(fields, "from")
        let toText = PeoplePages.value(fields, "to")
        let from = fromText.flatMap { LocalDate(iso: $0) }
        let to = toText.flatMap { LocalDate(iso: $0) }
        for (key, text, date) in [("from", fromText, from), ("to", toText, to)] where date == nil {
            errors[key] = WebStrings.people(text == nil ? "required" : "dateFormat", language)
        }
        if let from, let to, to < from { errors["to"] = WebStrings.people("absenceOrder", language) }
        if let from, let to, from.adding(days: 366) < to { errors["to"] = WebStrings.people("absenceTooLong", language) }
        let reason = fields["reason"].flatMap(AbsenceReason.init(rawValue:)) ?? .other
        let note = PeoplePages.value(fields, "note")
        var validation = Validation()
        validation.text("note", note, max: 200)
        errors.merge(PeoplePages.errors(validation, language)) { first, _ in first }
        guard errors.isEmpty, let from, let to else {
            return try await volunteerPage(
                page, id, Forms(absence: fields, absenceErrors: errors, status: .unprocessableContent))
        }
        // Whole days in the community's time zone: from the first day's midnight to the one after the last.
        let absence = Absence(
            volunteerID: id, start: from.startOfDay(in: page.zone), end: to.adding(days: 1).startOfDay(in: page.zone),
            reason: reason, note: note)
        try await withVolunteer(page, id) { tx in
            try await volunteers.addAbsence(absence, communityID: page.community.id, on: tx)
        }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=absenceAdded#absences")
    }

    func removeAbsence(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        _ = try await page.form(request, maxBytes: maxBodyBytes)
        let absence: ID<Absence> = try PeoplePages.id(context, "absence", missing: VolunteerScheduleController.noAbsence)
        do {
            try await withVolunteer(page, id) { tx in
                let all = try await volunteers.absences(
                    of: id, from: Date(timeIntervalSince1970: 0), to: Date().addingTimeInterval(100 * 366 * 86_400), on: tx)
                let mine = all.contains { $0.id == absence }
                guard mine else { throw StorageError.notFound("absence \(absence)") }
                try await volunteers.removeAbsence(absence, on: tx)
            }
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(VolunteerScheduleController.noAbsence)
        }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=absenceRemoved#absences")
    }

    // MARK: - Taking off and back onto the roster

    /// Takes the volunteer off future scheduling (moved away, stopped volunteering), with a
    /// reason; their history and hours stay. The next solve no longer places them.
    func deactivate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        let form = try await page.form(request, maxBytes: maxBodyBytes)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 200 else {
            let key = reason.isEmpty ? "stopReasonMissing" : "stopReasonLong"
            var forms = Forms(stopReason: reason, stopError: WebStrings.people(key, page.language))
            forms.status = .unprocessableContent
            return try await volunteerPage(page, id, forms)
        }
        try await withVolunteer(page, id) { tx in try await volunteers.deactivate(id, reason: reason, on: tx) }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=deactivated#active")
    }

    func reactivate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try volunteerID(context)
        _ = try await page.form(request, maxBytes: maxBodyBytes)
        try await withVolunteer(page, id) { tx in try await volunteers.reactivate(id, on: tx) }
        return StaffPage.seeOther("/app/volunteers/\(id)?\(page.query)&notice=reactivated#active")
    }

    /// Runs `body` in the page's scope once the volunteer is found there (404 otherwise).
    func withVolunteer(_ page: StaffPage, _ id: ID<Volunteer>, _ body: (Connection) async throws -> Void) async throws {
        do {
            try await store.transaction(page.scope) { tx in
                _ = try await volunteers.volunteer(id, on: tx)
                do {
                    try await body(tx)
                } catch let error as StorageError where error.code == .notFound {
                    // Something the form named (a skill) is not there: the caller says so.
                    throw Problem.notFound(VolunteersController.notFound)
                }
            }
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(VolunteersController.notFound)
        }
    }
}

/// The details-and-limits form of a volunteer: its fields from a volunteer, checked from a post.
enum VolunteerForm {
    /// The limit fields, named as in the API's limits body.
    static var limitFields: [(field: String, label: String, path: WritableKeyPath<VolunteerLimits, Int?>)] {
        [
            ("max_minutes_per_week", "maxMinutesPerWeek", \.maxMinutesPerWeek),
            ("target_minutes_per_week", "targetMinutesPerWeek", \.targetMinutesPerWeek),
            ("max_minutes_per_day", "maxMinutesPerDay", \.maxMinutesPerDay),
            ("max_shifts_per_day", "maxShiftsPerDay", \.maxShiftsPerDay),
            ("max_shifts_per_week", "maxShiftsPerWeek", \.maxShiftsPerWeek),
            ("max_consecutive_days", "maxConsecutiveDays", \.maxConsecutiveDays),
            ("max_weekends_per_month", "maxWeekendsPerMonth", \.maxWeekendsPerMonth),
            ("min_rest_minutes", "minRestMinutes", \.minRestMinutes),
        ]
    }

    /// A checked form.
    struct Input {
        var name: String
        var sex: Sex
        var phone: String?
        var email: String?
        var birthYear: Int?
        var grid: ID<Grid>?
        var groups: [VolunteerGroup]
        var notify: NotifyChannel
        var limits: VolunteerLimits

        func apply(to v: inout Volunteer) {
            v.name = name
            v.sex = sex
            v.phone = phone
            v.email = email
            v.birthYear = birthYear
            v.homeGridID = grid
            v.groups = groups
            v.notifyChannel = notify
            v.limits = limits
        }
    }

    static func fields(_ v: Volunteer) -> [String: String] {
        var fields: [String: String] = [
            "name": v.name, "sex": v.sex.rawValue, "phone": v.phone ?? "", "email": v.email ?? "",
            "birth_year": v.birthYear.map(String.init) ?? "", "grid": v.homeGridID?.description ?? "",
            "notify": v.notifyChannel.rawValue, "version": String(v.version),
        ]
        for group in v.groups { fields["group_\(group.rawValue)"] = "1" }
        for limit in limitFields { fields[limit.field] = v.limits[keyPath: limit.path].map(String.init) ?? "" }
        if v.limits.noEvening { fields["no_evening"] = "1" }
        if v.limits.noNight { fields["no_night"] = "1" }
        return fields
    }

    static func check(_ fields: [String: String], _ language: PageLanguage) -> (input: Input?, errors: [String: String]) {
        func value(_ key: String) -> String? { PeoplePages.value(fields, key) }
        var validation = Validation()
        let person = PeoplePages.checkPerson(fields, &validation, language)
        validation.phone("phone", value("phone"))
        validation.email("email", value("email"))
        var errors = person.errors
        var numbers = VolunteerLimits()
        for limit in limitFields {
            guard let text = value(limit.field) else { continue }
            guard let number = Int(text) else {
                errors[limit.field] = WebStrings.people("wholeNumber", language)
                continue
            }
            numbers[keyPath: limit.path] = number
        }
        numbers.noEvening = fields["no_evening"] != nil
        numbers.noNight = fields["no_night"] != nil
        let limits = VolunteerScheduleController.LimitsBody(numbers)
        limits.validate(into: &validation)
        errors.merge(PeoplePages.errors(validation, language)) { first, _ in first }
        let grid = value("grid").flatMap(ID<Grid>.init(uuidString:))
        guard errors.isEmpty, let sex = person.sex, let name = person.name else { return (nil, errors) }
        let input = Input(
            name: name, sex: sex, phone: value("phone"), email: value("email"), birthYear: person.birthYear, grid: grid,
            groups: VolunteerGroup.allCases.filter { fields["group_\($0.rawValue)"] != nil },
            notify: fields["notify"].flatMap(NotifyChannel.init(rawValue:)) ?? .sms, limits: limits.limits)
        return (input, errors)
    }

    /// The form's template values: text fields, choices, limits, each with its error.
    static func values(
        _ fields: [String: String], errors: [String: String], grids: [Grid], _ language: PageLanguage
    ) -> [String: Any] {
        func text(_ key: String) -> String { WebStrings.people(key, language) }
        let details = [
            PeoplePages.field("name", label: text("name"), value: fields["name"], error: errors["name"], required: true),
            PeoplePages.field(
                "phone", label: text("phone"), value: fields["phone"], error: errors["phone"], type: "tel",
                inputmode: "tel", maxlength: 20),
            PeoplePages.field(
                "email", label: text("email"), value: fields["email"], error: errors["email"], type: "email", maxlength: 100),
            PeoplePages.field(
                "birth_year", label: text("birthYear"), value: fields["birth_year"], error: errors["birth_year"],
                inputmode: "numeric", maxlength: 4),
        ]
        let limits = limitFields.map { limit in
            PeoplePages.field(
                limit.field, label: text(limit.label), value: fields[limit.field], error: errors[limit.field],
                inputmode: "numeric", maxlength: 5)
        }
        let groups: [[String: Any]] = VolunteerGroup.allCases.map { group in
            [
                "groupField": "group_\(group.rawValue)", "groupLabel": text("group.\(group.rawValue)"),
                "groupChecked": fields["group_\(group.rawValue)"] != nil,
            ]
        }
        let notify: [[String: Any]] = NotifyChannel.allCases.map { channel in
            [
                "optionID": channel.rawValue, "optionLabel": text("notify.\(channel.rawValue)"),
                "optionSelected": fields["notify"] == channel.rawValue,
            ]
        }
        return [
            "details": details, "limits": limits, "gridOptions": PeoplePages.gridOptions(grids, fields), "groups": groups,
            "notifyOptions": notify,
            "female": fields["sex"] == "female", "male": fields["sex"] == "male", "sexError": errors["sex"] ?? "",
            "noEvening": fields["no_evening"] != nil, "noNight": fields["no_night"] != nil, "version": fields["version"] ?? "",
        ]
    }
}

/// Finding a volunteer as the desk finds a resident: part of the name or the phone's last
/// digits (the store's search), or the pinyin initials of the name (`ResidentSearch.initials`).
enum VolunteerSearch {
    static func find(_ text: String, limit: Int, on tx: Connection) async throws -> [Volunteer] {
        var found = try await VolunteerStore().page(after: nil, matching: text, active: nil, limit: limit, on: tx)
        let letters = text.lowercased()
        guard (1...8).contains(letters.count), letters.allSatisfy({ $0.isASCII && $0.isLetter }) else { return found }
        var seen = Set(found.map(\.id))
        // A community has a few hundred volunteers: their names are read and matched here.
        let everyone = try await VolunteerStore().volunteers(includeInactive: true, on: tx)
        found += everyone.filter { ResidentSearch.initials($0.name).hasPrefix(letters) && seen.insert($0.id).inserted }
        return Array(found.prefix(limit))
    }
}
