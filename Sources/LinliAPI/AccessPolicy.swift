import HTTPTypes
import Hummingbird
import LinliDomain

/// Who may do what on the community routes: the ONE table of roles × resources × verbs, and
/// every route under `/api/v1/communities/{code}/` named by the resource and verb it is. A
/// route missing from `routes` is refused to everyone but administrators and coordinators
/// (so a new route is closed until it is placed here); the role-matrix test walks this table.
///
/// Row-level security (migration 0009) backs the narrower roles in the database: desk staff
/// see no volunteer's row; a patrol leader only their teams' members and slots, no resident.
enum AccessPolicy {
    /// What a route works on.
    enum Resource: String, CaseIterable, Sendable {
        case volunteers, residents, slots, bookings, rosters, users
        /// Service types, skills, grids, places, teams, slot templates: what forms pick from.
        case reference
        /// The community's own settings (quiet hours, the daily message cap).
        case settings
        /// The week's roster as CSV/XLSX/JSON and the printable sign-in sheet.
        case exports
        /// Hours (时间银行) and participation reports.
        case reports
        /// Who came to a shift, and for how long.
        case attendance
        /// Calendar feed links.
        case feeds
        /// Who is on a patrol team (a patrol leader: only on the teams they lead).
        case teamMembers
        /// The messages Linli wrote (the outbox page): who was told what, failures, retries.
        case messages

        var name: LocalizedText {
            switch self {
            case .volunteers: .init("志愿者", "volunteers")
            case .residents: .init("居民", "residents")
            case .slots: .init("班次", "slots")
            case .bookings: .init("预约", "bookings")
            case .rosters: .init("排班表", "rosters")
            case .users: .init("账号", "user accounts")
            case .reference: .init("基础资料", "reference data")
            case .settings: .init("社区设置", "community settings")
            case .exports: .init("排班导出", "roster exports")
            case .reports: .init("统计报表", "reports")
            case .attendance: .init("出勤记录", "attendance")
            case .feeds: .init("日历订阅", "calendar feeds")
            case .teamMembers: .init("巡逻队队员", "patrol team members")
            case .messages: .init("消息", "messages")
            }
        }
    }

    /// Reading, or changing (creating, editing, cancelling, publishing).
    enum Verb: String, CaseIterable, Sendable {
        case read, write

        var name: LocalizedText {
            switch self {
            case .read: .init("查看", "read")
            case .write: .init("修改", "change")
            }
        }
    }

    /// The roles' rights. Administrators and coordinators: everything (administrators in every
    /// community). Desk staff: residents and bookings, and the week's slots to book into; no
    /// volunteer list, no roster. Patrol leaders: their team's members and slots, read only
    /// (row-level security narrows the rows to their teams), and their team's roster exports
    /// and attendance to read; they add and remove the members of the teams they lead
    /// (`TeamsController` checks the team); no residents. Everyone reads the reference data.
    static let grants: [Role: [Resource: Set<Verb>]] = [
        .administrator: Dictionary(uniqueKeysWithValues: Resource.allCases.map { ($0, Set(Verb.allCases)) }),
        .coordinator: Dictionary(uniqueKeysWithValues: Resource.allCases.map { ($0, Set(Verb.allCases)) }),
        .deskStaff: [.residents: [.read, .write], .bookings: [.read, .write], .slots: [.read], .reference: [.read]],
        .patrolLeader: [
            .volunteers: [.read], .slots: [.read], .reference: [.read], .exports: [.read], .attendance: [.read],
            .teamMembers: [.write],
        ],
    ]

    /// Every community route ("METHOD path after /api/v1/communities/{code}/") and what it is.
    static let routes: [String: (resource: Resource, verb: Verb)] = [
        "GET volunteers": (.volunteers, .read),
        "POST volunteers": (.volunteers, .write),
        "GET volunteers/{id}": (.volunteers, .read),
        "PATCH volunteers/{id}": (.volunteers, .write),
        "GET residents": (.residents, .read),
        "POST residents": (.residents, .write),
        "GET residents/{id}": (.residents, .read),
        "PATCH residents/{id}": (.residents, .write),
        "GET slots": (.slots, .read),
        "GET slots/{id}": (.slots, .read),
        "PATCH slots/{id}": (.slots, .write),
        "POST slots/{id}/cancel": (.slots, .write),
        "GET bookings": (.bookings, .read),
        "POST bookings": (.bookings, .write),
        "GET bookings/{id}": (.bookings, .read),
        "POST bookings/{id}/cancel": (.bookings, .write),
        "POST bookings/proposals": (.bookings, .write),
        "POST bookings/proposals/{id}/confirm": (.bookings, .write),
        "GET rosters": (.rosters, .read),
        "GET rosters/diff": (.rosters, .read),
        "GET rosters/{id}/assignments": (.rosters, .read),
        "POST rosters/{id}/publish": (.rosters, .write),
        "GET users": (.users, .read),
        "POST users": (.users, .write),
        "POST users/{id}/disable": (.users, .write),
        "PUT users/{id}/roles": (.users, .write),
        "GET volunteers/{id}/availability": (.volunteers, .read),
        "PUT volunteers/{id}/availability": (.volunteers, .write),
        "GET volunteers/{id}/absences": (.volunteers, .read),
        "POST volunteers/{id}/absences": (.volunteers, .write),
        "DELETE volunteers/{id}/absences/{absence}": (.volunteers, .write),
        "GET volunteers/{id}/limits": (.volunteers, .read),
        "PUT volunteers/{id}/limits": (.volunteers, .write),
        "GET volunteers/{id}/skills": (.volunteers, .read),
        "PUT volunteers/{id}/skills": (.volunteers, .write),
        "GET service-types": (.reference, .read),
        "GET skills": (.reference, .read),
        "GET grids": (.reference, .read),
        "GET places": (.reference, .read),
        "GET teams": (.reference, .read),
        "GET slot-templates": (.reference, .read),
        "POST slots/generate": (.slots, .write),
        "GET messaging": (.settings, .read),
        "PUT messaging": (.settings, .write),
        "POST rosters/solve": (.rosters, .write),
        "GET rosters/runs": (.rosters, .read),
        "GET rosters/runs/{id}": (.rosters, .read),
        "POST rosters/runs/{id}/cancel": (.rosters, .write),
        "GET rosters/{id}/unfilled": (.rosters, .read),
        "GET rosters/{id}/suggestions": (.rosters, .read),
        "POST rosters/{id}/assignments": (.rosters, .write),
        "DELETE rosters/{id}/assignments/{assignment}": (.rosters, .write),
        "POST rosters/{id}/assignments/{assignment}/pin": (.rosters, .write),
        "POST rosters/{id}/assignments/{assignment}/unpin": (.rosters, .write),
        "POST rosters/replan": (.rosters, .write),
        "GET exports/roster": (.exports, .read),
        "GET exports/roster/print": (.exports, .read),
        "GET exports/hours": (.reports, .read),
        "GET exports/visits": (.reports, .read),
        "GET exports/unfilled": (.reports, .read),
        "GET reports/participation": (.reports, .read),
        "GET assignments/{id}/attendance": (.attendance, .read),
        "POST assignments/{id}/attendance": (.attendance, .write),
        "PUT assignments/{id}/attendance": (.attendance, .write),
        "GET feeds": (.feeds, .read),
        "POST feeds": (.feeds, .write),
        "DELETE feeds/{id}": (.feeds, .write),
        "POST teams": (.reference, .write),
        "POST teams/{id}/members": (.teamMembers, .write),
        "DELETE teams/{id}/members/{volunteer}": (.teamMembers, .write),
        "POST slots": (.slots, .write),
        "POST grids": (.reference, .write),
        "POST places": (.reference, .write),
        "POST slot-templates": (.reference, .write),
        "POST slot-templates/{id}/deactivate": (.reference, .write),
        "POST service-types": (.reference, .write),
        "PATCH service-types/{id}": (.reference, .write),
    ]

    static let communityPrefix = "/api/v1/communities/{code}/"

    /// The table's key of a routed request: "GET volunteers/{id}".
    static func key(method: HTTPRequest.Method, endpointPath: String?) -> String {
        var path = endpointPath ?? ""
        if path.hasPrefix(communityPrefix) { path.removeFirst(communityPrefix.count) }
        return "\(method.rawValue) \(path)"
    }

    /// Whether any of `roles` may do `verb` on `resource`.
    static func allows(_ roles: Set<Role>, _ resource: Resource, _ verb: Verb) -> Bool {
        roles.contains { grants[$0]?[resource]?.contains(verb) ?? false }
    }

    /// Whether `roles` may call the route `key`: as the table says; a route not in it only by
    /// administrators and coordinators.
    static func allows(_ roles: Set<Role>, route key: String) -> Bool {
        guard let entry = routes[key] else { return roles.contains(.administrator) || roles.contains(.coordinator) }
        return allows(roles, entry.resource, entry.verb)
    }

    /// The role whose view the database gives: the broadest held.
    static func broadest(_ roles: Set<Role>) -> Role? {
        [Role.administrator, .coordinator, .deskStaff, .patrolLeader].first { roles.contains($0) }
    }

    /// Whether residents' phone numbers and addresses may be shown whole (one resident's page).
    static func seesResidentContacts(_ roles: Set<Role>) -> Bool { allows(roles, .residents, .write) }

    /// Care notes: coordinators (and administrators) only.
    static func seesCareNotes(_ roles: Set<Role>) -> Bool {
        roles.contains(.coordinator) || roles.contains(.administrator)
    }

    /// The 403 for a route the roles may not call, naming what they may not do.
    static func forbidden(_ roles: Set<Role>, route key: String) -> Problem {
        let roleNames = roles.sorted { $0.rawValue < $1.rawValue }.map { roleName($0) }
        let zhRoles = roleNames.map(\.zh).joined(separator: "、")
        let enRoles = roleNames.map(\.en).joined(separator: ", ")
        guard let entry = routes[key] else {
            return Problem(
                .forbidden, code: "role_forbidden",
                detail: .init("\(zhRoles)无权进行此操作", "The role \(enRoles) may not do this"))
        }
        return Problem(
            .forbidden, code: "role_forbidden",
            detail: .init(
                "\(zhRoles)无权\(entry.verb.name.zh)\(entry.resource.name.zh)",
                "The role \(enRoles) may not \(entry.verb.name.en) \(entry.resource.name.en)"))
    }

    static func roleName(_ role: Role) -> LocalizedText {
        switch role {
        case .administrator: .init("管理员", "administrator")
        case .coordinator: .init("协调员", "coordinator")
        case .deskStaff: .init("服务台人员", "desk staff")
        case .patrolLeader: .init("巡逻队长", "patrol leader")
        }
    }
}
