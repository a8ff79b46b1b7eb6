import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage
import Logging
import NIOCore

/// Calendar feeds: `/api/v1/communities/{code}/feeds` creates (answering the secret URL once),
/// lists and revokes them; `/feeds/{token}.ics` is the public calendar phones subscribe to. Its
/// secret token is its only credential, so it is outside the community routes and sign-in.
struct FeedsController: Sendable {
    let store: Store
    let maxBodyBytes: Int

    /// The weeks a feed shows around today: four back, twelve ahead.
    static let weeksBack = 4
    static let weeksAhead = 12

    static let notFound = LocalizedText("没有这个日历订阅", "There is no such calendar feed")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("feeds") { request, context in try await list(request, context) }
        group.post("feeds") { request, context in try await create(request, context) }
        group.delete("feeds/{id}") { request, context in try await revoke(request, context) }
    }

    func addPublicRoutes(to router: Router<APIRequestContext>) {
        router.get("/feeds/{token}.ics") { request, context in try await calendar(request, context) }
    }

    /// The body of POST: exactly one of `volunteer_id` and `team_id`.
    struct Create: KnownFields {
        let volunteerID: String?
        let teamID: String?
        let label: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case label
            case volunteerID = "volunteer_id"
            case teamID = "team_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// A feed as listed; `token` and `url` only in the answer to its creation.
    struct Body: Encodable {
        let feed: CalendarFeed
        let community: Community
        var token: String?
        var path: String?
        var url: String?

        enum CodingKeys: String, CodingKey {
            case id, label, token, path, url
            case volunteerID = "volunteer_id"
            case teamID = "team_id"
            case createdAt = "created_at"
            case lastUsedAt = "last_used_at"
            case revokedAt = "revoked_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(feed.id.description, forKey: .id)
            try c.encode(feed.subject.volunteerID?.description, forKey: .volunteerID)
            try c.encode(feed.subject.teamID?.description, forKey: .teamID)
            try c.encode(feed.label, forKey: .label)
            try c.encode(APITime.format(feed.createdAt, in: community), forKey: .createdAt)
            try c.encode(feed.lastUsedAt.map { APITime.format($0, in: community) }, forKey: .lastUsedAt)
            try c.encode(feed.revokedAt.map { APITime.format($0, in: community) }, forKey: .revokedAt)
            try c.encodeIfPresent(token, forKey: .token)
            try c.encodeIfPresent(path, forKey: .path)
            try c.encodeIfPresent(url, forKey: .url)
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let feeds = try await store.transaction(context.scope()) { tx in
            try await CalendarFeedStore().feeds(community: community.id, on: tx)
        }
        return try jsonResponse(Items(items: feeds.map { Body(feed: $0, community: community) }))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let volunteer = body.volunteerID.flatMap { ID<Volunteer>(uuidString: $0) }
        let team = body.teamID.flatMap { ID<PatrolTeam>(uuidString: $0) }
        if body.volunteerID != nil, volunteer == nil {
            validation.fail("volunteer_id", "invalid_value", "须为志愿者编号（UUID）", "must be a volunteer id (UUID)")
        }
        if body.teamID != nil, team == nil {
            validation.fail("team_id", "invalid_value", "须为巡逻队编号（UUID）", "must be a patrol team id (UUID)")
        }
        if (body.volunteerID == nil) == (body.teamID == nil) {
            validation.fail(
                "volunteer_id", "one_of", "volunteer_id 与 team_id 须给且只给一个", "give exactly one of volunteer_id and team_id")
        }
        validation.text("label", body.label, max: 100)
        try validation.check()
        guard let subject = CalendarFeed.Subject(volunteer: volunteer, team: team) else { throw Problem.internalError }
        let created: (feed: CalendarFeed, token: CalendarFeedToken)
        do {
            created = try await store.transaction(context.scope()) { tx in
                try await CalendarFeedStore().create(community: community.id, subject: subject, label: body.label, on: tx)
            }
        } catch let error as StorageError where error.code == .invalidReference {
            let field = volunteer == nil ? "team_id" : "volunteer_id"
            throw Problem(
                .unprocessableContent, code: "invalid_reference",
                detail: .init("社区里没有这个志愿者或巡逻队", "The community has no such volunteer or patrol team"),
                errors: [
                    FieldProblem(field: field, code: "invalid_reference", message: .init("不存在", "does not exist"))
                ])
        }
        let path = "/feeds/\(created.token.value).ics"
        var headers = HTTPFields()
        headers[.location] = "/api/v1/communities/\(community.code)/feeds/\(created.feed.id)"
        headers[.cacheControl] = "no-store"
        return try jsonResponse(
            Body(feed: created.feed, community: community, token: created.token.value, path: path, url: Self.url(path, request)),
            status: .created, headers: headers)
    }

    /// The absolute URL of `path` as the client reached this server (Host, X-Forwarded-Proto).
    static func url(_ path: String, _ request: Request) -> String? {
        guard let host = request.head.authority else { return nil }
        let forwarded = HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }
        let scheme = forwarded == "https" ? "https" : (request.head.scheme ?? "http")
        return "\(scheme)://\(host)\(path)"
    }

    func revoke(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, CalendarFeed.self, what: Self.notFound)
        do {
            let feed = try await store.transaction(context.scope()) { tx in
                try await CalendarFeedStore().revoke(id, community: community.id, on: tx)
            }
            return try jsonResponse(Body(feed: feed, community: community))
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(Self.notFound)
        }
    }

    /// The live calendar of a feed, streamed; 404 for a token nobody has or a revoked feed (the
    /// same answer, so a guess learns nothing).
    func calendar(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let unknown = Problem.notFound(.init("没有这个日历订阅，或它已被停用", "There is no such calendar feed, or it was revoked"))
        guard let token = context.parameters.get("token").flatMap(CalendarFeedToken.init) else { throw unknown }
        // The one step that does not yet know the community: the lookup by the token's hash.
        guard let feed = try await store.transaction(.administrator(), { tx in try await CalendarFeedStore().use(token, on: tx) })
        else { throw unknown }
        let (community, name) = try await store.transaction(.community(feed.communityID)) { tx in
            let community = try await OrganisationStore().community(feed.communityID, on: tx)
            let name: String
            switch feed.subject {
            case .volunteer(let id): name = try await VolunteerStore().volunteer(id, on: tx).name
            case .team(let id): name = try await PatrolTeamStore().teams(on: tx).first { $0.id == id }?.name ?? ""
            }
            return (community, name)
        }
        let zone = TimeZone(identifier: community.timeZone) ?? .shanghai
        let monday = LocalDate(Date(), in: zone).weekStart
        let from = monday.adding(days: -7 * Self.weeksBack)
        let through = monday.adding(days: 7 * Self.weeksAhead)
        let store = store
        var headers = HTTPFields()
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.cacheControl] = "private, max-age=300"
        headers[.contentDisposition] = ContentDisposition.attachment("linli-\(community.code)", extension: "ics")
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let stream = BodyStream(writer)
                try await store.transaction(.community(community.id), isolation: .repeatableRead, retries: 0) { tx in
                    let calendar = try ICalendarWriter(
                        sink: stream.sink, name: "\(community.name) · \(name) 排班 Roster", timeZone: zone)
                    try await ExportQueries().publishedLines(
                        community: community.id, volunteer: feed.subject.volunteerID, team: feed.subject.teamID, from: from,
                        through: through, on: tx
                    ) { batch in
                        for line in batch { if let event = RosterExport.event(line) { try calendar.write(event) } }
                        try await stream.flush()
                    }
                    try calendar.finish()
                }
                try await stream.finish()
            })
    }
}

/// Logs each request's method and path, like Hummingbird's `LogRequestsMiddleware`, but with a
/// calendar feed's token replaced by `***`: the token is the feed's only credential, and a log
/// line is read by more people than the feed's owner.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let level: Logger.Level

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        context.logger.log(
            level: level, "Request",
            metadata: [
                "hb.request.path": .string(Self.redacted(request.uri.description)),
                "hb.request.method": .string(request.method.rawValue),
            ])
        return try await next(request, context)
    }

    /// `/feeds/<token>.ics` as `/feeds/***.ics`; other paths as they are.
    static func redacted(_ uri: String) -> String {
        guard uri.hasPrefix("/feeds/") else { return uri }
        let rest = uri.dropFirst("/feeds/".count)
        let suffix = rest.firstIndex(where: { $0 == "." || $0 == "?" }).map { rest[$0...] } ?? ""
        return "/feeds/***" + suffix
    }
}
