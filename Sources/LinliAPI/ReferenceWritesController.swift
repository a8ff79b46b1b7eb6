import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliStorage

/// Changing the community's reference data under `/api/v1/communities/{code}` (coordinators):
/// adding grids and places, adding slot templates and taking them out of use, adding and
/// editing service types. The rows have no version column, so edits carry no ETag; SQL stays
/// in the stores.
struct ReferenceWritesController: Sendable {
    let store: Store
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("grids") { request, context in try await createGrid(request, context) }
        group.post("places") { request, context in try await createPlace(request, context) }
        group.post("slot-templates") { request, context in try await createTemplate(request, context) }
        group.post("slot-templates/{id}/deactivate") { request, context in try await deactivateTemplate(request, context) }
        group.post("service-types") { request, context in try await createServiceType(request, context) }
        group.patch("service-types/{id}") { request, context in try await updateServiceType(request, context) }
    }

    // MARK: Grids and places

    /// The body of `POST grids`.
    struct GridCreate: KnownFields {
        let code: String
        let name: String
        let gridWorkerName: String?
        let gridWorkerPhone: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case code, name
            case gridWorkerName = "grid_worker_name"
            case gridWorkerPhone = "grid_worker_phone"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of `POST places`.
    struct PlaceCreate: KnownFields {
        let kind: PlaceKind
        let name: String
        let gridID: String?
        let address: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, name, address
            case gridID = "grid_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    func createGrid(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(GridCreate.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("code", body.code, max: 40)
        validation.name("name", body.name)
        validation.text("grid_worker_name", body.gridWorkerName, max: 50)
        validation.phone("grid_worker_phone", body.gridWorkerPhone, landline: true)
        try validation.check()
        let grid = Grid(
            communityID: community.id, code: body.code, name: body.name, gridWorkerName: body.gridWorkerName,
            gridWorkerPhone: body.gridWorkerPhone)
        try await Problem.naming(duplicate: "code") {
            try await store.transaction(context.scope()) { tx in try await OrganisationStore().createGrid(grid, on: tx) }
        }
        return try jsonResponse(
            CommunityDataController.GridBody(
                id: grid.id.description, code: grid.code, name: grid.name, gridWorkerName: grid.gridWorkerName),
            status: .created)
    }

    func createPlace(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(PlaceCreate.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("name", body.name)
        validation.text("address", body.address, max: 200)
        let grid = body.gridID.flatMap { validation.id("grid_id", $0, Grid.self) }
        try validation.check()
        let place = Place(
            communityID: community.id, gridID: grid, kind: body.kind, name: body.name, address: body.address)
        try await Problem.naming(duplicate: "name") {
            try await store.transaction(context.scope()) { tx in try await OrganisationStore().createPlace(place, on: tx) }
        }
        return try jsonResponse(
            CommunityDataController.PlaceBody(
                id: place.id.description, gridID: place.gridID?.description, kind: place.kind, name: place.name,
                address: place.address),
            status: .created)
    }

    // MARK: Slot templates

    /// The body of `POST slot-templates`.
    struct TemplateCreate: KnownFields {
        let serviceTypeID: String
        let placeID: String?
        let teamID: String?
        let weekdays: [Int]
        let startTime: String
        let minutes: Int
        let headcountMin: Int
        let headcountMax: Int
        let validFrom: String
        let validUntil: String?
        let skipHolidays: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case weekdays, minutes
            case serviceTypeID = "service_type_id"
            case placeID = "place_id"
            case teamID = "team_id"
            case startTime = "start_time"
            case headcountMin = "headcount_min"
            case headcountMax = "headcount_max"
            case validFrom = "valid_from"
            case validUntil = "valid_until"
            case skipHolidays = "skip_holidays"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    static let templateNotFound = LocalizedText("没有这个排班模板", "There is no such slot template")

    func createTemplate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(TemplateCreate.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let service = validation.id("service_type_id", body.serviceTypeID, ServiceType.self)
        let place = body.placeID.flatMap { validation.id("place_id", $0, Place.self) }
        let team = body.teamID.flatMap { validation.id("team_id", $0, PatrolTeam.self) }
        if body.weekdays.isEmpty || Set(body.weekdays).count != body.weekdays.count
            || !body.weekdays.allSatisfy({ (1...7).contains($0) })
        {
            validation.fail(
                "weekdays", "invalid_value", "须为 1（周一）到 7（周日）之间不重复的数字，至少一个",
                "must be distinct numbers 1 (Monday) to 7 (Sunday), at least one")
        }
        let start = validation.clock("start_time", body.startTime)
        validation.range("minutes", body.minutes, 5...1440)
        validation.range("headcount_min", body.headcountMin, 1...100)
        validation.range("headcount_max", body.headcountMax, 1...100)
        if body.headcountMax < body.headcountMin {
            validation.fail("headcount_max", "below_minimum", "不能少于最少人数", "may not be below headcount_min")
        }
        let from = validation.date("valid_from", body.validFrom)
        let until = body.validUntil.flatMap { validation.date("valid_until", $0) }
        if let from, let until, until < from {
            validation.fail("valid_until", "before_start", "不能早于开始日期", "may not be before valid_from")
        }
        try validation.check()
        guard let service, let start, let from else { throw Problem.internalError }
        let template = SlotTemplate(
            communityID: community.id, serviceTypeID: service, placeID: place, teamID: team,
            weekdays: body.weekdays.sorted(), startMinute: start, minutes: body.minutes,
            headcountMin: body.headcountMin, headcountMax: body.headcountMax, validFrom: from, validUntil: until,
            skipHolidays: body.skipHolidays ?? true)
        let stored = try await Problem.naming(duplicate: "service_type_id") {
            try await store.transaction(context.scope()) { tx in
                try await SlotTemplateStore().create(template, on: tx)
                return try await SlotTemplateStore().template(template.id, on: tx)
            }
        }
        return try jsonResponse(CommunityDataController.TemplateBody(template: stored), status: .created)
    }

    func deactivateTemplate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, SlotTemplate.self, what: Self.templateNotFound)
        let stored = try await store.transaction(context.scope()) { tx in
            try await SlotTemplateStore().deactivate(id, on: tx)
            return try await SlotTemplateStore().template(id, on: tx)
        }
        return try jsonResponse(CommunityDataController.TemplateBody(template: stored))
    }

    // MARK: Service types

    /// The body of `POST service-types`; PATCH takes the same fields, each optional.
    struct ServiceTypeCreate: KnownFields {
        let code: String
        let nameZh: String
        let nameEn: String
        let kind: ServiceKind
        let defaultMinutes: Int
        let headcountMin: Int?
        let headcountMax: Int?
        let sameSexAsResident: Bool?
        let neverAlone: Bool?
        let needsLeader: Bool?
        let priority: Int?
        let reminderLeadMinutes: [Int]?
        let requiredSkillIDs: [String]?
        typealias CodingKeys = ServiceTypeFields
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of `PATCH service-types/{id}`: a JSON merge patch.
    struct ServiceTypePatch: KnownFields {
        let code: PatchField<String>
        let nameZh: PatchField<String>
        let nameEn: PatchField<String>
        let kind: PatchField<ServiceKind>
        let defaultMinutes: PatchField<Int>
        let headcountMin: PatchField<Int>
        let headcountMax: PatchField<Int>
        let sameSexAsResident: PatchField<Bool>
        let neverAlone: PatchField<Bool>
        let needsLeader: PatchField<Bool>
        let priority: PatchField<Int>
        let reminderLeadMinutes: PatchField<[Int]>
        let requiredSkillIDs: PatchField<[String]>
        typealias CodingKeys = ServiceTypeFields
        static var fieldNames: Set<String> { ServiceTypeCreate.fieldNames }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.patchField(.code)
            nameZh = try c.patchField(.nameZh)
            nameEn = try c.patchField(.nameEn)
            kind = try c.patchField(.kind)
            defaultMinutes = try c.patchField(.defaultMinutes)
            headcountMin = try c.patchField(.headcountMin)
            headcountMax = try c.patchField(.headcountMax)
            sameSexAsResident = try c.patchField(.sameSexAsResident)
            neverAlone = try c.patchField(.neverAlone)
            needsLeader = try c.patchField(.needsLeader)
            priority = try c.patchField(.priority)
            reminderLeadMinutes = try c.patchField(.reminderLeadMinutes)
            requiredSkillIDs = try c.patchField(.requiredSkillIDs)
        }
    }

    /// The fields of a service type as the API writes them.
    enum ServiceTypeFields: String, CodingKey, CaseIterable {
        case code, kind, priority
        case nameZh = "name_zh"
        case nameEn = "name_en"
        case defaultMinutes = "default_minutes"
        case headcountMin = "headcount_min"
        case headcountMax = "headcount_max"
        case sameSexAsResident = "same_sex_as_resident"
        case neverAlone = "never_alone"
        case needsLeader = "needs_leader"
        case reminderLeadMinutes = "reminder_lead_minutes"
        case requiredSkillIDs = "required_skill_ids"
    }

    static let serviceNotFound = LocalizedText("没有这个服务类型", "There is no such service type")

    func createServiceType(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(ServiceTypeCreate.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let skills = body.requiredSkillIDs.map { Self.skills($0, &validation) } ?? []
        let service = ServiceType(
            communityID: community.id, code: body.code, nameZh: body.nameZh, nameEn: body.nameEn, kind: body.kind,
            defaultMinutes: body.defaultMinutes, headcountMin: body.headcountMin ?? 1,
            headcountMax: body.headcountMax ?? max(1, body.headcountMin ?? 1),
            sameSexAsResident: body.sameSexAsResident ?? false, neverAlone: body.neverAlone ?? false,
            needsLeader: body.needsLeader ?? false, priority: body.priority ?? 50,
            reminderLeadMinutes: body.reminderLeadMinutes ?? [720, 120], requiredSkillIDs: skills)
        Self.check(service, &validation)
        try validation.check()
        let stored = try await Problem.naming(duplicate: "code") {
            try await store.transaction(context.scope()) { tx in
                try await ServiceTypeStore().create(service, on: tx)
                return try await ServiceTypeStore().serviceType(service.id, on: tx)
            }
        }
        return try jsonResponse(CommunityDataController.ServiceTypeBody(service: stored), status: .created)
    }

    func updateServiceType(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, ServiceType.self, what: Self.serviceNotFound)
        let patch = try await JSONBody.read(ServiceTypePatch.self, from: request, maxBytes: maxBodyBytes, mergePatch: true)
        var validation = Validation()
        let fields: [(String, Bool)] = [
            ("code", patch.code.isNull), ("name_zh", patch.nameZh.isNull), ("name_en", patch.nameEn.isNull),
            ("kind", patch.kind.isNull), ("default_minutes", patch.defaultMinutes.isNull),
            ("headcount_min", patch.headcountMin.isNull), ("headcount_max", patch.headcountMax.isNull),
            ("same_sex_as_resident", patch.sameSexAsResident.isNull), ("never_alone", patch.neverAlone.isNull),
            ("needs_leader", patch.needsLeader.isNull), ("priority", patch.priority.isNull),
            ("reminder_lead_minutes", patch.reminderLeadMinutes.isNull),
            ("required_skill_ids", patch.requiredSkillIDs.isNull),
        ]
        for (field, isNull) in fields where isNull {
            validation.fail(field, "required", "不能为 null", "may not be null")
        }
        var skills: [ID<Skill>]?
        if case .value(let ids) = patch.requiredSkillIDs { skills = Self.skills(ids, &validation) }
        try validation.check()
        let updated = try await Problem.naming(duplicate: "code") {
            try await store.transaction(context.scope()) { tx in
                var s = try await ServiceTypeStore().serviceType(id, on: tx)
                patch.code.apply(to: &s.code)
                patch.nameZh.apply(to: &s.nameZh)
                patch.nameEn.apply(to: &s.nameEn)
                patch.kind.apply(to: &s.kind)
                patch.defaultMinutes.apply(to: &s.defaultMinutes)
                patch.headcountMin.apply(to: &s.headcountMin)
                patch.headcountMax.apply(to: &s.headcountMax)
                patch.sameSexAsResident.apply(to: &s.sameSexAsResident)
                patch.neverAlone.apply(to: &s.neverAlone)
                patch.needsLeader.apply(to: &s.needsLeader)
                patch.priority.apply(to: &s.priority)
                patch.reminderLeadMinutes.apply(to: &s.reminderLeadMinutes)
                if let skills { s.requiredSkillIDs = skills }
                var rules = Validation()
                Self.check(s, &rules)
                try rules.check()
                try await ServiceTypeStore().update(s, on: tx)
                return try await ServiceTypeStore().serviceType(id, on: tx)
            }
        }
        return try jsonResponse(CommunityDataController.ServiceTypeBody(service: updated))
    }

    static func skills(_ texts: [String], _ validation: inout Validation) -> [ID<Skill>] {
        var ids: [ID<Skill>] = []
        for (index, text) in texts.enumerated() {
            if let id = validation.id("required_skill_ids[\(index)]", text, Skill.self) { ids.append(id) }
        }
        return ids
    }

    /// The rules of a service type, each naming its field (the database's checks, said first
    /// in words people can act on).
    static func check(_ s: ServiceType, _ validation: inout Validation) {
        if s.code.range(of: "^[a-z0-9_]{2,40}$", options: .regularExpression) == nil {
            validation.fail(
                "code", "pattern", "须为 2–40 个小写字母、数字或下划线", "must be 2–40 lowercase letters, digits or underscores")
        }
        validation.name("name_zh", s.nameZh)
        validation.name("name_en", s.nameEn)
        validation.range("default_minutes", s.defaultMinutes, 5...1440)
        validation.range("headcount_min", s.headcountMin, 1...100)
        validation.range("headcount_max", s.headcountMax, 1...100)
        validation.range("priority", s.priority, 1...100)
        if s.headcountMax < s.headcountMin {
            validation.fail("headcount_max", "below_minimum", "不能少于最少人数", "may not be below headcount_min")
        }
        if s.neverAlone && s.headcountMin < 2 {
            validation.fail("never_alone", "needs_two", "不能单独前往时最少人数须至少为 2", "needs headcount_min of at least 2")
        }
        if s.sameSexAsResident && s.kind != .homeVisit {
            validation.fail(
                "same_sex_as_resident", "home_visit_only", "只适用于上门服务", "applies only to home visits (kind home_visit)")
        }
        if s.reminderLeadMinutes.count > 5 || !s.reminderLeadMinutes.allSatisfy({ (0...10080).contains($0) }) {
            validation.fail(
                "reminder_lead_minutes", "out_of_range", "最多 5 个，每个在 0 到 10080 分钟之间",
                "at most 5 values, each between 0 and 10080 minutes")
        }
    }
}

extension PatchField {
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension Validation {
    /// A calendar date "YYYY-MM-DD"; nil (and a failure naming `field`) otherwise.
    mutating func date(_ field: String, _ text: String) -> LocalDate? {
        guard let date = LocalDate(iso: text), (2000...2099).contains(date.year) else {
            fail(field, "invalid_date", "须为 2000–2099 年间的日期 YYYY-MM-DD", "must be a date YYYY-MM-DD between 2000 and 2099")
            return nil
        }
        return date
    }
}
