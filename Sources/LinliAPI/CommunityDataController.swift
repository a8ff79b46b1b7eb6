import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliStorage

/// The community's reference data that forms and pages pick from, under
/// `/api/v1/communities/{code}`: service types, skills, grids, places, patrol teams with their
/// members, slot templates; making a week's slots from the templates; and the community's
/// reminder rules (quiet hours, daily cap).
struct CommunityDataController: Sendable {
    let store: Store
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("service-types") { _, context in try await serviceTypes(context) }
        group.get("skills") { _, context in try await skills(context) }
        group.get("grids") { _, context in try await grids(context) }
        group.get("places") { _, context in try await places(context) }
        group.get("teams") { _, context in try await teams(context) }
        group.get("slot-templates") { _, context in try await templates(context) }
        group.post("slots/generate") { request, context in try await generate(request, context) }
        group.get("messaging") { _, context in try await messaging(nil, context) }
        group.put("messaging") { request, context in try await messaging(request, context) }
    }

    // MARK: Bodies

    struct ServiceTypeBody: Encodable {
        let service: ServiceType
        /// The fields as written (ReferenceWritesController), and the id besides.
        typealias CodingKeys = ReferenceWritesController.ServiceTypeFields
        enum IDKey: String, CodingKey { case id }
        func encode(to encoder: any Encoder) throws {
            var idContainer = encoder.container(keyedBy: IDKey.self)
            try idContainer.encode(service.id.description, forKey: .id)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(service.code, forKey: .code)
            try c.encode(service.nameZh, forKey: .nameZh)
            try c.encode(service.nameEn, forKey: .nameEn)
            try c.encode(service.kind, forKey: .kind)
            try c.encode(service.priority, forKey: .priority)
            try c.encode(service.defaultMinutes, forKey: .defaultMinutes)
            try c.encode(service.headcountMin, forKey: .headcountMin)
            try c.encode(service.headcountMax, forKey: .headcountMax)
            try c.encode(service.sameSexAsResident, forKey: .sameSexAsResident)
            try c.encode(service.neverAlone, forKey: .neverAlone)
            try c.encode(service.needsLeader, forKey: .needsLeader)
            try c.encode(service.reminderLeadMinutes, forKey: .reminderLeadMinutes)
            try c.encode(service.requiredSkillIDs.map(\.description), forKey: .requiredSkillIDs)
        }
    }

    struct SkillBody: Encodable {
        let id: String
        let code: String
        let nameZh: String
        let nameEn: String
        let isCertificate: Bool
        enum CodingKeys: String, CodingKey {
            case id, code
            case nameZh = "name_zh"
            case nameEn = "name_en"
            case isCertificate = "is_certificate"
        }
    }

    struct GridBody: Encodable {
        let id: String
        let code: String
        let name: String
        let gridWorkerName: String?
        enum CodingKeys: String, CodingKey {
            case id, code, name
            case gridWorkerName = "grid_worker_name"
        }
    }

    struct PlaceBody: Encodable {
        let id: String
        let gridID: String?
        let kind: PlaceKind
        let name: String
        let address: String?
        enum CodingKeys: String, CodingKey {
            case id, kind, name, address
            case gridID = "grid_id"
        }
    }

    struct TeamBody: Encodable {
        struct Member: Encodable {
            let volunteerID: String
            let isLeader: Bool
            let isExperienced: Bool
            enum CodingKeys: String, CodingKey {
                case volunteerID = "volunteer_id"
                case isLeader = "is_leader"
                case isExperienced = "is_experienced"
            }
        }
        let id: String
        let name: String
        let policeStation: String?
        let members: [Member]
        enum CodingKeys: String, CodingKey {
            case id, name, members
            case policeStation = "police_station"
        }
    }

    struct TemplateBody: Encodable {
        let template: SlotTemplate
        /// The fields as written (ReferenceWritesController), and the id and state besides.
        typealias CodingKeys = ReferenceWritesController.TemplateCreate.CodingKeys
        enum StateKeys: String, CodingKey {
            case id
            case isActive = "is_active"
        }
        func encode(to encoder: any Encoder) throws {
            var state = encoder.container(keyedBy: StateKeys.self)
            try state.encode(template.id.description, forKey: .id)
            try state.encode(template.isActive, forKey: .isActive)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(template.serviceTypeID.description, forKey: .serviceTypeID)
            try c.encode(template.placeID?.description, forKey: .placeID)
            try c.encode(template.teamID?.description, forKey: .teamID)
            try c.encode(template.weekdays, forKey: .weekdays)
            try c.encode(MessagingRules.clock(template.startMinute), forKey: .startTime)
            try c.encode(template.minutes, forKey: .minutes)
            try c.encode(template.headcountMin, forKey: .headcountMin)
            try c.encode(template.headcountMax, forKey: .headcountMax)
            try c.encode(template.validFrom.description, forKey: .validFrom)
            try c.encode(template.validUntil?.description, forKey: .validUntil)
            try c.encode(template.skipHolidays, forKey: .skipHolidays)
        }
    }

    /// `POST slots/generate`: the week to make from the templates.
    struct GenerateRequest: KnownFields {
        let week: String
        static var fieldNames: Set<String> { ["week"] }
    }

    struct GenerateBody: Encodable {
        let week: String
        let created: Int
    }

    /// The community's reminder rules, as read and as written with PUT.
    struct MessagingBody: Encodable, KnownFields {
        let quietHoursStart: String
        let quietHoursEnd: String
        let dailyMessageCap: Int
        enum CodingKeys: String, CodingKey, CaseIterable {
            case quietHoursStart = "quiet_hours_start"
            case quietHoursEnd = "quiet_hours_end"
            case dailyMessageCap = "daily_message_cap"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

        init(_ rules: MessagingRules) {
            quietHoursStart = MessagingRules.clock(rules.quietStartMinute)
            quietHoursEnd = MessagingRules.clock(rules.quietEndMinute)
            dailyMessageCap = rules.dailyMessageCap
        }
    }

    // MARK: Handlers

    /// Reads a list in the community's scope and answers it as `{"items": […]}`.
    func list<Item: Encodable>(
        _ context: APIRequestContext, _ read: @escaping @Sendable (Connection) async throws -> [Item]
    ) async throws -> Response {
        let items = try await store.transaction(context.scope()) { tx in try await read(tx) }
        return try jsonResponse(Items(items: items))
    }

    func serviceTypes(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in try await ServiceTypeStore().serviceTypes(on: tx).map(ServiceTypeBody.init) }
    }

    func skills(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in
            try await SkillStore().skills(on: tx).map {
                SkillBody(
                    id: $0.id.description, code: $0.code, nameZh: $0.nameZh, nameEn: $0.nameEn, isCertificate: $0.isCertificate)
            }
        }
    }

    func grids(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in
            try await OrganisationStore().grids(on: tx).map {
                GridBody(id: $0.id.description, code: $0.code, name: $0.name, gridWorkerName: $0.gridWorkerName)
            }
        }
    }

    func places(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in
            try await OrganisationStore().places(on: tx).map {
                PlaceBody(
                    id: $0.id.description, gridID: $0.gridID?.description, kind: $0.kind, name: $0.name, address: $0.address)
            }
        }
    }

    func teams(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in
            var out: [TeamBody] = []
            for team in try await PatrolTeamStore().teams(on: tx) {
                let members = try await PatrolTeamStore().members(of: team.id, on: tx).map {
                    TeamBody.Member(
                        volunteerID: $0.volunteerID.description, isLeader: $0.isLeader, isExperienced: $0.isExperienced)
                }
                out.append(
                    TeamBody(id: team.id.description, name: team.name, policeStation: team.policeStation, members: members))
            }
            return out
        }
    }

    func templates(_ context: APIRequestContext) async throws -> Response {
        try await list(context) { tx in try await SlotTemplateStore().templates(on: tx).map(TemplateBody.init) }
    }

    func generate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.read(GenerateRequest.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let week = validation.week("week", body.week)
        try validation.check()
        guard let week else { throw Problem.internalError }
        let created = try await SlotGenerator().generate(
            week: week, scope: context.scope(), in: store)
        return try jsonResponse(GenerateBody(week: week.isoWeekName, created: created))
    }

    /// GET answers the rules; PUT (a request given) replaces them first.
    func messaging(_ request: Request?, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        var wanted: MessagingRules?
        if let request {
            let body = try await JSONBody.read(MessagingBody.self, from: request, maxBytes: maxBodyBytes)
            var validation = Validation()
            let start = validation.clock("quiet_hours_start", body.quietHoursStart)
            let end = validation.clock("quiet_hours_end", body.quietHoursEnd)
            validation.range("daily_message_cap", body.dailyMessageCap, 1...100)
            if let start, let end, start == end {
                validation.fail("quiet_hours_end", "empty_range", "不能与开始时间相同", "must differ from quiet_hours_start")
            }
            try validation.check()
            if let start, let end {
                wanted = MessagingRules(quietStartMinute: start, quietEndMinute: end, dailyMessageCap: body.dailyMessageCap)
            }
        }
        let rules = try await store.transaction(context.scope()) { tx in
            if let wanted { try await OrganisationStore().setMessagingRules(wanted, community: community.id, on: tx) }
            return try await OrganisationStore().messagingRules(community.id, on: tx)
        }
        return try jsonResponse(MessagingBody(rules))
    }
}

extension CommunityDataController.MessagingBody {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        quietHoursStart = try c.decode(String.self, forKey: .quietHoursStart)
        quietHoursEnd = try c.decode(String.self, forKey: .quietHoursEnd)
        dailyMessageCap = try c.decode(Int.self, forKey: .dailyMessageCap)
    }
}

extension Validation {
    /// A time of day "HH:MM" as minutes after midnight; nil (and a failure naming `field`) otherwise.
    mutating func clock(_ field: String, _ text: String) -> Int? {
        guard let minute = MessagingRules.minute(clock: text) else {
            fail(field, "invalid_time", "须为 HH:MM 格式的时间，如 21:00", "must be a time of day HH:MM, e.g. 21:00")
            return nil
        }
        return minute
    }
}
