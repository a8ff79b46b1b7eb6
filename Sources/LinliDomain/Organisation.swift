import Foundation

/// 街道: a sub-district, which runs several communities.
public struct SubDistrict: Hashable, Sendable, Codable {
    public var id: ID<SubDistrict>
    public var name: String
    public init(id: ID<SubDistrict> = ID(), name: String) {
        self.id = id
        self.name = name
    }
}

/// A community's limits on reminders: nothing reaches a person inside quiet hours (local time,
/// may wrap midnight), and no one gets more than `dailyMessageCap` reminders a day.
public struct MessagingRules: Hashable, Sendable, Codable {
    /// Minutes after local midnight.
    public var quietStartMinute: Int
    public var quietEndMinute: Int
    public var dailyMessageCap: Int

    public init(quietStartMinute: Int, quietEndMinute: Int, dailyMessageCap: Int) {
        self.quietStartMinute = quietStartMinute
        self.quietEndMinute = quietEndMinute
        self.dailyMessageCap = dailyMessageCap
    }

    /// "21:00" for 1260.
    public static func clock(_ minute: Int) -> String {
        let h = minute / 60
        let m = minute % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    /// Minutes after midnight for "HH:MM" (00:00–23:59), nil for anything else.
    public static func minute(clock text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }
}

/// 社区: the unit whose data is private to its own staff.
public struct Community: Hashable, Sendable, Codable {
    public var id: ID<Community>
    public var subDistrictID: ID<SubDistrict>?
    /// Short code used in URLs and the CLI (`demo`, `xingfuli`).
    public var code: String
    public var name: String
    public var phone: String?
    public var timeZone: String
    public var isActive: Bool
    public init(
        id: ID<Community> = ID(), subDistrictID: ID<SubDistrict>? = nil, code: String, name: String, phone: String? = nil,
        timeZone: String = "Asia/Shanghai", isActive: Bool = true
    ) {
        self.id = id
        self.subDistrictID = subDistrictID
        self.code = code
        self.name = name
        self.phone = phone
        self.timeZone = timeZone
        self.isActive = isActive
    }
}

/// 网格: a few hundred households with a grid worker; distances are counted in grids.
public struct Grid: Hashable, Sendable, Codable {
    public var id: ID<Grid>
    public var communityID: ID<Community>
    public var code: String
    public var name: String
    public var gridWorkerName: String?
    public var gridWorkerPhone: String?
    public init(
        id: ID<Grid> = ID(), communityID: ID<Community>, code: String, name: String, gridWorkerName: String? = nil,
        gridWorkerPhone: String? = nil
    ) {
        self.id = id
        self.communityID = communityID
        self.code = code
        self.name = name
        self.gridWorkerName = gridWorkerName
        self.gridWorkerPhone = gridWorkerPhone
    }
}

/// What kind of place a `Place` is.
public enum PlaceKind: String, Sendable, Codable, CaseIterable {
    case building, courtyard
    case serviceStation = "service_station"
    case patrolRoute = "patrol_route"
    case communityCentre = "community_centre"
    case canteen, library
}

/// 楼栋/院落, service stations, patrol routes: where work happens.
public struct Place: Hashable, Sendable, Codable {
    public var id: ID<Place>
    public var communityID: ID<Community>
    public var gridID: ID<Grid>?
    public var kind: PlaceKind
    public var name: String
    public var address: String?
    public init(
        id: ID<Place> = ID(), communityID: ID<Community>, gridID: ID<Grid>? = nil, kind: PlaceKind, name: String,
        address: String? = nil
    ) {
        self.id = id
        self.communityID = communityID
        self.gridID = gridID
        self.kind = kind
        self.name = name
        self.address = address
    }
}

/// Travel time between two grids, for the "one place at a time" rule.
public struct GridTravel: Hashable, Sendable, Codable {
    public var communityID: ID<Community>
    public var from: ID<Grid>
    public var to: ID<Grid>
    public var minutes: Int
    public init(communityID: ID<Community>, from: ID<Grid>, to: ID<Grid>, minutes: Int) {
        self.communityID = communityID
        self.from = from
        self.to = to
        self.minutes = minutes
    }
}

/// What a staff member may do; scoped to communities except for administrators.
public enum Role: String, Sendable, Codable, CaseIterable {
    case administrator
    case coordinator
    case deskStaff = "desk_staff"
    case patrolLeader = "patrol_leader"
}

/// A staff account. Passwords live only as hashes, outside this type.
public struct User: Hashable, Sendable, Codable {
    public var id: ID<User>
    public var login: String
    public var displayName: String
    public var locale: String
    public var isActive: Bool
    public init(id: ID<User> = ID(), login: String, displayName: String, locale: String = "zh-CN", isActive: Bool = true) {
        self.id = id
        self.login = login
        self.displayName = displayName
        self.locale = locale
        self.isActive = isActive
    }
}

/// One role of one user, in one community (nil for administrators), for a patrol leader's team.
public struct RoleGrant: Hashable, Sendable, Codable {
    public var id: ID<RoleGrant>
    public var userID: ID<User>
    public var role: Role
    public var communityID: ID<Community>?
    public var teamID: ID<PatrolTeam>?
    public init(
        id: ID<RoleGrant> = ID(), userID: ID<User>, role: Role, communityID: ID<Community>?, teamID: ID<PatrolTeam>? = nil
    ) {
        self.id = id
        self.userID = userID
        self.role = role
        self.communityID = communityID
        self.teamID = teamID
    }
}
