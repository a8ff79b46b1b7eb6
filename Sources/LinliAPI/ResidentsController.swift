import Foundation
import HTTPTypes
import Hummingbird
import LinliDomain
import LinliStorage

/// `/api/v1/communities/{code}/residents`: list (phone and address masked), read whole with
/// ETag, add, and change under If-Match. Phone and address are whole only on one resident's
/// page for roles that work with residents; care notes only to coordinators and administrators.
struct ResidentsController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    /// Opens the care notes for the roles that see them; nil when no key is configured.
    let careNotes: CareNotesKeyring?

    /// The store for this request: one that opens care notes only for the roles that see them
    /// (lists and other roles read no note, so an unreadable one cannot stop them).
    func residentStore(_ context: APIRequestContext, list: Bool = false) -> ResidentStore {
        !list && AccessPolicy.seesCareNotes(context.roles) ? ResidentStore(careNotes: careNotes) : ResidentStore()
    }

    static let notFound = LocalizedText("没有这位居民", "There is no such resident")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("residents") { request, context in try await list(request, context) }
        group.post("residents") { request, context in try await create(request, context) }
        group.get("residents/{id}") { request, context in try await read(request, context) }
        group.patch("residents/{id}") { request, context in try await update(request, context) }
    }

    /// A resident as the API shows it; `masked` for lists.
    struct Body: Encodable {
        let resident: Resident
        let masked: Bool
        var careNotes = false

        init(resident: Resident, masked: Bool, roles: Set<Role> = []) {
            self.resident = resident
            self.masked = masked || !AccessPolicy.seesResidentContacts(roles)
            self.careNotes = !masked && AccessPolicy.seesCareNotes(roles)
        }

        enum CodingKeys: String, CodingKey {
            case id, name, sex, address, phone, version
            case careNotes = "care_notes"
            case birthYear = "birth_year"
            case needsCall = "needs_call"
            case livesAlone = "lives_alone"
            case careNeeds = "care_needs"
            case isActive = "is_active"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let r = resident
            try c.encode(r.id.description, forKey: .id)
            try c.encode(r.name, forKey: .name)
            try c.encode(r.sex, forKey: .sex)
            try c.encode(r.birthYear, forKey: .birthYear)
            try c.encode(masked ? Mask.address(r.address) : r.address, forKey: .address)
            try c.encode(masked ? Mask.phone(r.phone) : r.phone, forKey: .phone)
            try c.encode(r.needsCall, forKey: .needsCall)
            try c.encode(r.livesAlone, forKey: .livesAlone)
            try c.encode(r.careNeeds, forKey: .careNeeds)
            try c.encode(r.isActive, forKey: .isActive)
            try c.encode(r.version, forKey: .version)
            if careNotes { try c.encode(r.careNotes, forKey: .careNotes) }
        }
    }

    /// The body of POST.
    struct Create: KnownFields {
        let name: String
        let sex: Sex
        let birthYear: Int?
        let address: String?
        let phone: String?
        let needsCall: Bool?
        let livesAlone: Bool?
        let careNeeds: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, sex, address, phone
            case birthYear = "birth_year"
            case needsCall = "needs_call"
            case livesAlone = "lives_alone"
            case careNeeds = "care_needs"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of PATCH: a JSON merge patch.
    struct Patch: KnownFields {
        let name: PatchField<String>
        let sex: PatchField<Sex>
        let birthYear: PatchField<Int>
        let address: PatchField<String>
        let phone: PatchField<String>
        let needsCall: PatchField<Bool>
        let livesAlone: PatchField<Bool>
        let careNeeds: PatchField<[String]>

        typealias CodingKeys = Create.CodingKeys
        static var fieldNames: Set<String> { Create.fieldNames }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.patchField(.name)
            sex = try c.patchField(.sex)
            birthYear = try c.patchField(.birthYear)
            address = try c.patchField(.address)
            phone = try c.patchField(.phone)
            needsCall = try c.patchField(.needsCall)
            livesAlone = try c.patchField(.livesAlone)
            careNeeds = try c.patchField(.careNeeds)
        }
    }

    static func validate(careNeeds: [String]?, into validation: inout Validation) {
        for (index, need) in (careNeeds ?? []).enumerated() {
            validation.name("care_needs[\(index)]", need)
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try ListQuery(request)
        let rows = try await store.transaction(context.scope()) { tx in
            try await residentStore(context, list: true).page(
                after: query.after.map { ($0.name, ID($0.id)) }, matching: query.text, active: query.active,
                limit: query.limit + 1, on: tx)
        }
        let page = Page(
            rows: rows, limit: query.limit, key: { ($0.name, $0.id.rawValue) }, item: { Body(resident: $0, masked: true) })
        return try jsonResponse(page)
    }

    func read(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Resident.self, what: Self.notFound)
        let resident = try await store.transaction(context.scope()) { tx in
            try await residentStore(context).resident(id, on: tx)
        }
        return try jsonResponse(
            Body(resident: resident, masked: false, roles: context.roles), headers: ETag.headers(resident.version))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("name", body.name)
        validation.phone("phone", body.phone, landline: true)
        validation.text("address", body.address, max: 200)
        validation.range("birth_year", body.birthYear, 1900...2100)
        Self.validate(careNeeds: body.careNeeds, into: &validation)
        try validation.check()
        let resident = Resident(
            communityID: community.id, name: body.name, sex: body.sex, birthYear: body.birthYear, address: body.address,
            phone: body.phone, needsCall: body.needsCall ?? false, livesAlone: body.livesAlone ?? false,
            careNeeds: body.careNeeds ?? [])
        let residents = residentStore(context)
        let stored = try await store.transaction(context.scope()) { tx in
            try await residents.create(resident, on: tx)
            return try await residents.resident(resident.id, on: tx)
        }
        let location = "/api/v1/communities/\(community.code)/residents/\(stored.id)"
        return try jsonResponse(
            Body(resident: stored, masked: false, roles: context.roles), status: .created,
            headers: ETag.headers(stored.version, location: location))
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Resident.self, what: Self.notFound)
        let patch = try await JSONBody.read(Patch.self, from: request, maxBytes: maxBodyBytes, mergePatch: true)
        var validation = Validation()
        validation.notNull("name", patch.name)
        validation.notNull("sex", patch.sex)
        validation.notNull("needs_call", patch.needsCall)
        validation.notNull("lives_alone", patch.livesAlone)
        validation.notNull("care_needs", patch.careNeeds)
        if case .value(let name) = patch.name { validation.name("name", name) }
        if case .value(let phone) = patch.phone { validation.phone("phone", phone, landline: true) }
        if case .value(let address) = patch.address { validation.text("address", address, max: 200) }
        if case .value(let year) = patch.birthYear { validation.range("birth_year", year, 1900...2100) }
        if case .value(let needs) = patch.careNeeds { Self.validate(careNeeds: needs, into: &validation) }
        try validation.check()
        let residents = residentStore(context)
        let updated = try await store.transaction(context.scope()) { tx in
            var r = try await residents.resident(id, on: tx)
            try ETag.require(request, current: r.version)
            patch.name.apply(to: &r.name)
            patch.sex.apply(to: &r.sex)
            patch.birthYear.apply(to: &r.birthYear)
            patch.address.apply(to: &r.address)
            patch.phone.apply(to: &r.phone)
            patch.needsCall.apply(to: &r.needsCall)
            patch.livesAlone.apply(to: &r.livesAlone)
            patch.careNeeds.apply(to: &r.careNeeds)
            r.version = try await residents.update(r, on: tx)
            return r
        }
        return try jsonResponse(
            Body(resident: updated, masked: false, roles: context.roles), headers: ETag.headers(updated.version))
    }
}
