import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliWeb

/// The resident pages (issue #7): `/app/residents` lists and finds residents (the desk's
/// `ResidentSearch`: name, pinyin initials, phone ending, address) and a resident's page edits
/// their details (address, grid, phone, family contact, whether they are reminded by a call)
/// and the volunteers they know (结对) or decline. Registering and booking stay the desk's
/// pages, linked from here. AccessPolicy decides: `residents` read opens the pages, write saves
/// (coordinators, administrators and desk staff); naming volunteers also needs `volunteers` read,
/// which desk staff lack. Lists show phones and addresses masked, as the desk's search does.
struct ResidentPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int
    /// Opens the care notes shown to the roles that see them (coordinators, administrators).
    let careNotes: CareNotesKeyring?
    /// Without a keyring: saving details leaves the stored care notes as they are.
    let residents = ResidentStore()

    static let listLimit = 300

    func addRoutes(to router: Router<APIRequestContext>) {
        PeoplePages.add(
            [
                (.get, "/app/residents", { request, _ in try await list(request) }),
                (.get, "/app/residents/{id}", show), (.post, "/app/residents/{id}", save),
                (.post, "/app/residents/{id}/preferences", prefer),
                (.post, "/app/residents/{id}/preferences/{volunteer}/remove", forget),
            ], to: router)
    }

    var shared: PeoplePages { PeoplePages(pages: pages) }

    func open(_ request: Request, _ verb: AccessPolicy.Verb) async throws -> StaffPage {
        try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .residents, verb)
    }

    func residentID(_ context: APIRequestContext) throws -> ID<Resident> {
        try PeoplePages.id(context, missing: ResidentsController.notFound)
    }

    /// Whether the page may name volunteers (choose and remove the familiar ones).
    static func namesVolunteers(_ page: StaffPage) -> Bool {
        page.may(.volunteers, .read) && page.may(.residents, .write)
    }

    // MARK: - The list

    func list(_ request: Request) async throws -> Response {
        let page = try await open(request, .read)
        let q = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(50))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let found = try await store.transaction(page.scope) { tx -> [Resident] in
            if q.isEmpty {
                return try await residents.page(after: nil, matching: nil, active: true, limit: Self.listLimit, on: tx)
            }
            return try await ResidentSearch.find(q, on: tx)
        }
        let language = page.language
        let rows: [[String: Any]] = found.map { r in
            [
                "id": r.id.description, "residentName": r.name, "sex": WebStrings.people(r.sex.rawValue, language),
                "birthYear": r.birthYear.map(String.init) ?? "", "address": Mask.address(r.address) ?? "",
                "phone": Mask.phone(r.phone) ?? "", "needsCall": r.needsCall,
            ]
        }
        return try shared.render(
            "people-residents", title: WebStrings.people("residents", language), page, path: "/app/residents",
            [
                "q": q, "residents": rows, "hasResidents": !rows.isEmpty,
                "canRegister": page.may(.bookings, .write),
                "capped": rows.count >= Self.listLimit
                    ? WebStrings.people("firstN", language, ["n": String(Self.listLimit)]) : "",
            ])
    }

    // MARK: - A resident's page

    /// What the page's forms were given, to show again after a refusal.
    struct Forms {
        var details: [String: String]?
        var errors: [String: String] = [:]
        var stale = false
        var preference: [String: String] = [:]
        var preferenceError: String?
        var notice: String?
        var status: HTTPResponse.Status = .ok
    }

    func show(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .read)
        let id = try residentID(context)
        let notice = request.uri.queryParameters["notice"].map(String.init).flatMap {
            ["saved", "preferenceSaved"].contains($0) ? $0 : nil
        }
        return try await residentPage(page, id, Forms(notice: notice))
    }

    func residentPage(_ page: StaffPage, _ id: ID<Resident>, _ forms: Forms) async throws -> Response {
        let language = page.language
        let loaded: (Resident, [Grid])
        do {
            loaded = try await store.transaction(page.scope) { tx in
                (try await residents.resident(id, on: tx), try await OrganisationStore().grids(on: tx))
            }
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(ResidentsController.notFound)
        }
        let (resident, grids) = loaded
        // The volunteers' names are read in the community's scope, as the desk reads them (desk
        // staff read no volunteer's row): names only.
        let names = Self.namesVolunteers(page)
        let (preferences, choices) = try await store.transaction(.community(page.community.id, user: page.user.user.id)) {
            tx -> ([(ResidentPreference, String)], [Volunteer]) in
            var preferences: [(ResidentPreference, String)] = []
            for p in try await residents.preferences(of: id, on: tx) {
                let volunteer = try? await VolunteerStore().volunteer(p.volunteerID, on: tx)
                preferences.append((p, volunteer?.name ?? "—"))
            }
            guard names else { return (preferences, []) }
            return (preferences, try await VolunteerStore().volunteers(on: tx))
        }
        let notes = try await careNotesValues(page, id)
        let contacts = AccessPolicy.seesResidentContacts(page.roles)
        let fields = forms.details ?? ResidentForm.fields(resident)
        var values = ResidentForm.values(fields, errors: forms.errors, grids: grids, language)
        values.merge(notes) { _, new in new }
        values["heading"] = resident.name
        values["residentID"] = id.description
        values["canWrite"] = page.may(.residents, .write) && contacts
        values["canBook"] = page.may(.bookings, .write)
        values["namesVolunteers"] = names
        values["notice"] = forms.notice.map { WebStrings.people($0, language) } ?? ""
        values["formError"] =
            forms.stale
            ? WebStrings.people("stale", language) : forms.errors.isEmpty ? "" : WebStrings.people("formError", language)
        values["preferences"] = preferences.map { p, name -> [String: Any] in
            [
                "volunteerID": p.volunteerID.description, "volunteerName": name,
                "relation": WebStrings.people(p.prefers ? "prefers" : "declines", language),
                "removeLabel": WebStrings.people("removePreference", language, ["name": name]),
            ]
        }
        values["hasPreferences"] = !preferences.isEmpty
        values["volunteerOptions"] = choices.map { v -> [String: Any] in
            [
                "optionID": v.id.description, "optionLabel": v.name,
                "optionSelected": forms.preference["volunteer"] == v.id.description,
            ]
        }
        values["declineChosen"] = forms.preference["prefers"] == "false"
        values["preferenceError"] = forms.preferenceError ?? ""
        return try shared.render(
            "people-resident", title: resident.name, page, path: "/app/residents/\(id)", values, status: forms.status)
    }

    /// The care notes section, for the roles that see notes (as the API shows them): the note
    /// opened with the keyring, or why it cannot be shown. Other roles get no section.
    func careNotesValues(_ page: StaffPage, _ id: ID<Resident>) async throws -> [String: Any] {
        guard AccessPolicy.seesCareNotes(page.roles) else { return ["seesCareNotes": false] }
        let language = page.language
        do {
            let note = try await store.transaction(page.scope) { tx in
                try await ResidentStore(careNotes: careNotes).resident(id, on: tx).careNotes
            }
            let text = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return [
                "seesCareNotes": true, "careNotes": text,
                "careNotesEmpty": text.isEmpty ? WebStrings.people("noCareNotes", language) : "",
            ]
        } catch let error as StorageError where error.code == .careNotesUnreadable || error.code == .careNotesKeyMissing {
            return ["seesCareNotes": true, "careNotes": "", "careNotesError": WebStrings.people("careNotesUnreadable", language)]
        }
    }

    // MARK: - Forms

    func save(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        let id = try residentID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        let checked = ResidentForm.check(fields, page.language)
        guard let input = checked.input else {
            return try await residentPage(page, id, Forms(details: fields, errors: checked.errors, status: .unprocessableContent))
        }
        do {
            try await store.transaction(page.scope) { tx in
                var r = try await residents.resident(id, on: tx)
                r.version = Int(fields["version"] ?? "") ?? r.version
                input.apply(to: &r)
                try await residents.update(r, on: tx)
            }
        } catch let error as StorageError where error.code == .staleVersion {
            return try await residentPage(page, id, Forms(details: fields, stale: true, status: .conflict))
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(ResidentsController.notFound)
        }
        return StaffPage.seeOther("/app/residents/\(id)?\(page.query)&notice=saved")
    }

    func prefer(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        guard Self.namesVolunteers(page) else { throw Self.forbidden }
        let id = try residentID(context)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        let volunteer = fields["volunteer"].flatMap(ID<Volunteer>.init(uuidString:))
        do {
            guard let volunteer else { throw StorageError.notFound("volunteer") }
            try await store.transaction(page.scope) { tx in
                _ = try await residents.resident(id, on: tx)
                _ = try await VolunteerStore().volunteer(volunteer, on: tx)
                try await residents.setPreference(
                    ResidentPreference(residentID: id, volunteerID: volunteer, prefers: fields["prefers"] != "false"),
                    communityID: page.community.id, on: tx)
            }
        } catch let error as StorageError where error.code == .notFound {
            return try await residentPage(
                page, id,
                Forms(
                    preference: fields, preferenceError: WebStrings.people("preferenceError", page.language),
                    status: .unprocessableContent))
        }
        return StaffPage.seeOther("/app/residents/\(id)?\(page.query)&notice=preferenceSaved#preferences")
    }

    func forget(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await open(request, .write)
        guard Self.namesVolunteers(page) else { throw Self.forbidden }
        let id = try residentID(context)
        _ = try await page.form(request, maxBytes: maxBodyBytes)
        let volunteer: ID<Volunteer> = try PeoplePages.id(context, "volunteer", missing: ResidentsController.notFound)
        do {
            try await store.transaction(page.scope) { tx in
                try await residents.removePreference(resident: id, volunteer: volunteer, on: tx)
            }
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(ResidentsController.notFound)
        }
        return StaffPage.seeOther("/app/residents/\(id)?\(page.query)&notice=preferenceSaved#preferences")
    }

    static let forbidden = Problem(
        .forbidden, code: "role_forbidden",
        detail: .init("您的岗位不能为居民指定志愿者", "Your role may not name volunteers for a resident"))
}

/// The resident's details form: its fields from a resident, checked from a post (the same
/// checks as the API's and the desk's: a mobile or landline phone, lengths, the birth year).
enum ResidentForm {
    struct Input {
        var name: String
        var sex: Sex
        var birthYear: Int?
        var phone: String?
        var address: String?
        var grid: ID<Grid>?
        var familyName: String?
        var familyPhone: String?
        var needsCall: Bool
        var livesAlone: Bool

        func apply(to r: inout Resident) {
            r.name = name
            r.sex = sex
            r.birthYear = birthYear
            r.phone = phone
            r.address = address
            r.gridID = grid
            r.familyContactName = familyName
            r.familyContactPhone = familyPhone
            r.needsCall = needsCall
            r.livesAlone = livesAlone
        }
    }

    static func fields(_ r: Resident) -> [String: String] {
        var fields: [String: String] = [
            "name": r.name, "sex": r.sex.rawValue, "birth_year": r.birthYear.map(String.init) ?? "", "phone": r.phone ?? "",
            "address": r.address ?? "", "grid": r.gridID?.description ?? "", "family_name": r.familyContactName ?? "",
            "family_phone": r.familyContactPhone ?? "", "version": String(r.version),
        ]
        if r.needsCall { fields["needs_call"] = "1" }
        if r.livesAlone { fields["lives_alone"] = "1" }
        return fields
    }

    static func check(_ fields: [String: String], _ language: PageLanguage) -> (input: Input?, errors: [String: String]) {
        func value(_ key: String) -> String? { PeoplePages.value(fields, key) }
        var validation = Validation()
        let person = PeoplePages.checkPerson(fields, &validation, language)
        validation.phone("phone", value("phone"), landline: true)
        validation.phone("family_phone", value("family_phone"), landline: true)
        validation.text("address", value("address"), max: 200)
        validation.text("family_name", value("family_name"), max: 50)
        let errors = PeoplePages.errors(validation, language).merging(person.errors) { _, own in own }
        guard errors.isEmpty, let sex = person.sex, let name = person.name else { return (nil, errors) }
        let birthYear = person.birthYear
        return (
            Input(
                name: name, sex: sex, birthYear: birthYear, phone: value("phone"), address: value("address"),
                grid: value("grid").flatMap(ID<Grid>.init(uuidString:)), familyName: value("family_name"),
                familyPhone: value("family_phone"), needsCall: fields["needs_call"] != nil,
                livesAlone: fields["lives_alone"] != nil), errors
        )
    }

    static func values(
        _ fields: [String: String], errors: [String: String], grids: [Grid], _ language: PageLanguage
    ) -> [String: Any] {
        func text(_ key: String) -> String { WebStrings.people(key, language) }
        let details = [
            PeoplePages.field("name", label: text("name"), value: fields["name"], error: errors["name"], required: true),
            PeoplePages.field(
                "phone", label: text("residentPhone"), value: fields["phone"], error: errors["phone"], type: "tel",
                inputmode: "tel", maxlength: 20),
            PeoplePages.field(
                "address", label: text("address"), value: fields["address"], error: errors["address"], maxlength: 200),
            PeoplePages.field(
                "birth_year", label: text("birthYear"), value: fields["birth_year"], error: errors["birth_year"],
                inputmode: "numeric", maxlength: 4),
            PeoplePages.field(
                "family_name", label: text("familyName"), value: fields["family_name"], error: errors["family_name"]),
            PeoplePages.field(
                "family_phone", label: text("familyPhone"), value: fields["family_phone"], error: errors["family_phone"],
                type: "tel", inputmode: "tel", maxlength: 20),
        ]
        return [
            "details": details, "gridOptions": PeoplePages.gridOptions(grids, fields), "female": fields["sex"] == "female",
            "male": fields["sex"] == "male", "sexError": errors["sex"] ?? "", "needsCall": fields["needs_call"] != nil,
            "livesAlone": fields["lives_alone"] != nil, "version": fields["version"] ?? "",
        ]
    }
}
