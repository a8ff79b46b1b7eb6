import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliStorage

/// `/api/v1/communities/{code}/teams`: adding a patrol team (三老巡逻队) and its members.
/// Coordinators manage every team; a patrol leader the members of the teams they lead — the
/// route table lets them in, this controller (and row-level security, migration 0016) keeps
/// them to their own teams.
struct TeamsController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    let teams = PatrolTeamStore()

    static let notFound = LocalizedText("没有这个巡逻队", "There is no such patrol team")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("teams") { request, context in try await create(request, context) }
        group.post("teams/{id}/members") { request, context in try await addMember(request, context) }
        group.delete("teams/{id}/members/{volunteer}") { request, context in try await removeMember(request, context) }
    }

    /// The body of `POST teams`.
    struct Create: KnownFields {
        let name: String
        let policeStation: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case name
            case policeStation = "police_station"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of `POST teams/{id}/members`.
    struct MemberCreate: KnownFields {
        let volunteerID: String
        let isLeader: Bool?
        let isExperienced: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case volunteerID = "volunteer_id"
            case isLeader = "is_leader"
            case isExperienced = "is_experienced"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("name", body.name)
        validation.text("police_station", body.policeStation, max: 50)
        try validation.check()
        let team = PatrolTeam(communityID: community.id, name: body.name, policeStation: body.policeStation)
        try await Problem.naming(duplicate: "name") {
            try await store.transaction(context.scope()) { tx in try await teams.create(team, on: tx) }
        }
        return try jsonResponse(
            CommunityDataController.TeamBody(
                id: team.id.description, name: team.name, policeStation: team.policeStation, members: []),
            status: .created)
    }

    func addMember(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let teamID = try request.pathID(context, PatrolTeam.self, what: Self.notFound)
        let body = try await JSONBody.read(MemberCreate.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let volunteerID = validation.id("volunteer_id", body.volunteerID, Volunteer.self)
        try validation.check()
        guard let volunteerID else { throw Problem.internalError }
        try Self.requireOwnTeam(teamID, context)
        let member = PatrolTeamMember(
            teamID: teamID, volunteerID: volunteerID, isLeader: body.isLeader ?? false,
            isExperienced: body.isExperienced ?? false)
        let team = try await Problem.naming(duplicate: member.isLeader ? "is_leader" : "volunteer_id") {
            try await store.transaction(context.scope()) { tx in
                guard let team = try await teams.teams(on: tx).first(where: { $0.id == teamID }) else {
                    throw Problem.notFound(Self.notFound)
                }
                try await teams.addMember(member, communityID: community.id, on: tx)
                return try await Self.body(team, on: tx)
            }
        }
        return try jsonResponse(team, status: .created)
    }

    func removeMember(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let teamID = try request.pathID(context, PatrolTeam.self, what: Self.notFound)
        let volunteerID = try request.pathID(
            context, Volunteer.self, parameter: "volunteer", what: .init("该志愿者不是这个队的队员", "The volunteer is not on this team"))
        try Self.requireOwnTeam(teamID, context)
        try await store.transaction(context.scope()) { tx in
            try await teams.removeMember(team: teamID, volunteer: volunteerID, on: tx)
        }
        return Response(status: .noContent)
    }

    /// Coordinators and administrators manage any team; a patrol leader only one they lead.
    static func requireOwnTeam(_ team: ID<PatrolTeam>, _ context: APIRequestContext) throws {
        if context.roles.contains(.coordinator) || context.roles.contains(.administrator) { return }
        guard context.roles.contains(.patrolLeader), context.teams.contains(team) else {
            throw Problem(
                .forbidden, code: "not_your_team",
                detail: .init("巡逻队长只能管理自己所带队伍的队员", "A patrol leader may manage only the members of their own team"))
        }
    }

    /// The team with its members, as `GET teams` shows it.
    static func body(_ team: PatrolTeam, on tx: Connection) async throws -> CommunityDataController.TeamBody {
        let members = try await PatrolTeamStore().members(of: team.id, on: tx).map {
            CommunityDataController.TeamBody.Member(
                volunteerID: $0.volunteerID.description, isLeader: $0.isLeader, isExperienced: $0.isExperienced)
        }
        return CommunityDataController.TeamBody(
            id: team.id.description, name: team.name, policeStation: team.policeStation, members: members)
    }
}

extension Problem {
    /// Runs `body`; a duplicate the database refuses becomes a 409 naming `field` (the store's
    /// error names only the constraint).
    @discardableResult
    static func naming<T>(duplicate field: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError where error.code == .duplicate {
            let message = LocalizedText("该值已被使用", "This value is already taken")
            throw Problem(
                .conflict, code: "duplicate", detail: message,
                errors: [FieldProblem(field: field, code: "duplicate", message: message)])
        } catch let error as StorageError where error.code == .invalidReference {
            throw Problem.reference(error)
        }
    }

    /// A reference to a row that does not exist, naming the field whose column the foreign key
    /// names (`slots_place_id_community_id_fkey` → `place_id`).
    static func reference(_ error: StorageError) -> Problem {
        let fields = ["service_type_id", "volunteer_id", "place_id", "team_id", "grid_id", "skill_id"]
        let field = error.constraint.flatMap { name in fields.first { name.contains($0) } }
        let message = LocalizedText("引用的记录不存在", "A referenced record does not exist")
        return Problem(
            .unprocessableContent, code: "invalid_reference", detail: message,
            errors: field.map { [FieldProblem(field: $0, code: "not_found", message: message)] } ?? [])
    }
}

extension Validation {
    /// A UUID naming a row; nil (and a failure naming `field`) otherwise.
    mutating func id<Entity>(_ field: String, _ text: String, _ type: Entity.Type) -> ID<Entity>? {
        guard let id = ID<Entity>(uuidString: text) else {
            fail(field, "invalid_value", "须为编号（UUID）", "must be an id (UUID)")
            return nil
        }
        return id
    }
}
