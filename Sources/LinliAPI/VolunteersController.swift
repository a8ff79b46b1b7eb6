import Foundation
import HTTPTypes
import Hummingbird
import LinliDomain
import LinliStorage

/// `/api/v1/communities/{code}/volunteers`: list (keyset pages by name), read with ETag, add,
/// and change under If-Match. SQL stays in `VolunteerStore`; this maps HTTP to it.
struct VolunteersController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    let volunteers = VolunteerStore()

    static let notFound = LocalizedText("没有这位志愿者", "There is no such volunteer")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("volunteers") { request, context in try await list(request, context) }
        group.post("volunteers") { request, context in try await create(request, context) }
        group.get("volunteers/{id}") { request, context in try await read(request, context) }
        group.patch("volunteers/{id}") { request, context in try await update(request, context) }
    }

    /// A volunteer as the API shows it.
    struct Body: Encodable {
        let id: ID<Volunteer>
        let name: String
        let phone: String?
        let email: String?
        let sex: Sex
        let birthYear: Int?
        let groups: [VolunteerGroup]
        let notifyChannel: NotifyChannel
        let isActive: Bool
        let version: Int

        init(_ v: Volunteer) {
            id = v.id
            name = v.name
            phone = v.phone
            email = v.email
            sex = v.sex
            birthYear = v.birthYear
            groups = v.groups
            notifyChannel = v.notifyChannel
            isActive = v.isActive
            version = v.version
        }

        enum CodingKeys: String, CodingKey {
            case id, name, phone, email, sex, groups, version
            case birthYear = "birth_year"
            case notifyChannel = "notify_channel"
            case isActive = "is_active"
        }

        // Optional fields are sent as null, not left out, as the schema says.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id.description, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(phone, forKey: .phone)
            try c.encode(email, forKey: .email)
            try c.encode(sex, forKey: .sex)
            try c.encode(birthYear, forKey: .birthYear)
            try c.encode(groups, forKey: .groups)
            try c.encode(notifyChannel, forKey: .notifyChannel)
            try c.encode(isActive, forKey: .isActive)
            try c.encode(version, forKey: .version)
        }
    }

    /// The body of POST.
    struct Create: KnownFields {
        let name: String
        let phone: String?
        let email: String?
        let sex: Sex
        let birthYear: Int?
        let groups: [VolunteerGroup]?
        let notifyChannel: NotifyChannel?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, phone, email, sex, groups
            case birthYear = "birth_year"
            case notifyChannel = "notify_channel"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of PATCH: a JSON merge patch.
    struct Patch: KnownFields {
        let name: PatchField<String>
        let phone: PatchField<String>
        let email: PatchField<String>
        let sex: PatchField<Sex>
        let birthYear: PatchField<Int>
        let groups: PatchField<[VolunteerGroup]>
        let notifyChannel: PatchField<NotifyChannel>

        typealias CodingKeys = Create.CodingKeys
        static var fieldNames: Set<String> { Create.fieldNames }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.patchField(.name)
            phone = try c.patchField(.phone)
            email = try c.patchField(.email)
            sex = try c.patchField(.sex)
            birthYear = try c.patchField(.birthYear)
            groups = try c.patchField(.groups)
            notifyChannel = try c.patchField(.notifyChannel)
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try ListQuery(request)
        let rows = try await store.transaction(context.scope()) { tx in
            try await volunteers.page(
                after: query.after.map { ($0.name, ID($0.id)) }, matching: query.text, active: query.active,
                limit: query.limit + 1, on: tx)
        }
        let page = Page(rows: rows, limit: query.limit, key: { ($0.name, $0.id.rawValue) }, item: Body.init)
        return try jsonResponse(page)
    }

    func read(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Volunteer.self, what: Self.notFound)
        let volunteer = try await store.transaction(context.scope()) { tx in
            try await volunteers.volunteer(id, on: tx)
        }
        return try jsonResponse(Body(volunteer), headers: ETag.headers(volunteer.version))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("name", body.name)
        validation.phone("phone", body.phone)
        validation.email("email", body.email)
        validation.range("birth_year", body.birthYear, 1900...2100)
        try validation.check()
        let volunteer = Volunteer(
            communityID: community.id, name: body.name, phone: body.phone, email: body.email, sex: body.sex,
            birthYear: body.birthYear, groups: body.groups ?? [], notifyChannel: body.notifyChannel ?? .sms)
        let stored = try await store.transaction(context.scope()) { tx in
            try await volunteers.create(volunteer, on: tx)
            return try await volunteers.volunteer(volunteer.id, on: tx)
        }
        let location = "/api/v1/communities/\(community.code)/volunteers/\(stored.id)"
        return try jsonResponse(Body(stored), status: .created, headers: ETag.headers(stored.version, location: location))
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Volunteer.self, what: Self.notFound)
        let patch = try await JSONBody.read(Patch.self, from: request, maxBytes: maxBodyBytes, mergePatch: true)
        var validation = Validation()
        validation.notNull("name", patch.name)
        validation.notNull("sex", patch.sex)
        validation.notNull("groups", patch.groups)
        validation.notNull("notify_channel", patch.notifyChannel)
        if case .value(let name) = patch.name { validation.name("name", name) }
        if case .value(let phone) = patch.phone { validation.phone("phone", phone) }
        if case .value(let email) = patch.email { validation.email("email", email) }
        if case .value(let year) = patch.birthYear { validation.range("birth_year", year, 1900...2100) }
        try validation.check()
        let updated = try await store.transaction(context.scope()) { tx in
            var v = try await volunteers.volunteer(id, on: tx)
            try ETag.require(request, current: v.version)
            patch.name.apply(to: &v.name)
            patch.phone.apply(to: &v.phone)
            patch.email.apply(to: &v.email)
            patch.sex.apply(to: &v.sex)
            patch.birthYear.apply(to: &v.birthYear)
            patch.groups.apply(to: &v.groups)
            patch.notifyChannel.apply(to: &v.notifyChannel)
            v.version = try await volunteers.update(v, on: tx)
            return v
        }
        return try jsonResponse(Body(updated), headers: ETag.headers(updated.version))
    }
}

extension PatchField {
    /// Sets a required field when the patch gives a value (null was refused by validation).
    func apply(to field: inout Value) {
        if case .value(let value) = self { field = value }
    }

    /// Sets or clears an optional field.
    func apply(to field: inout Value?) {
        switch self {
        case .absent: break
        case .null: field = nil
        case .value(let value): field = value
        }
    }
}
