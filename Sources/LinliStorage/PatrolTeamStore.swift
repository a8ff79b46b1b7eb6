import Foundation
import LinliDatabase
import LinliDomain

/// 三老巡逻队: teams, their members (one leader) and their routes. All SQL for them is here.
public struct PatrolTeamStore: Sendable {
    public init() {}

    public func create(_ team: PatrolTeam, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO patrol_teams (id, community_id, name, police_station)
            VALUES (\(team.id), \(team.communityID), \(team.name), \(team.policeStation))
            """)
    }

    public func teams(on tx: Connection) async throws -> [PatrolTeam] {
        try await tx.query("SELECT id, community_id, name, police_station FROM patrol_teams ORDER BY name").rows.map { row in
            PatrolTeam(
                id: try row.decode("id"), communityID: try row.decode("community_id"), name: try row.decode("name"),
                policeStation: try row.decode("police_station"))
        }
    }

    public func addMember(_ member: PatrolTeamMember, communityID: ID<Community>, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO patrol_team_members (team_id, volunteer_id, community_id, is_leader, is_experienced)
            VALUES (\(member.teamID), \(member.volunteerID), \(communityID), \(member.isLeader), \(member.isExperienced))
            """)
    }

    public func removeMember(team: ID<PatrolTeam>, volunteer: ID<Volunteer>, on tx: Connection) async throws {
        if try await tx.execute("DELETE FROM patrol_team_members WHERE team_id = \(team) AND volunteer_id = \(volunteer)") == 0 {
            throw StorageError.notFound("member \(volunteer) of team \(team)")
        }
    }

    /// Makes `volunteer` the team's only leader.
    public func setLeader(team: ID<PatrolTeam>, volunteer: ID<Volunteer>, on tx: Connection) async throws {
        try await tx.execute("UPDATE patrol_team_members SET is_leader = false WHERE team_id = \(team) AND is_leader")
        if try await tx.execute(
            "UPDATE patrol_team_members SET is_leader = true WHERE team_id = \(team) AND volunteer_id = \(volunteer)") == 0
        {
            throw StorageError.notFound("member \(volunteer) of team \(team)")
        }
    }

    public func members(of team: ID<PatrolTeam>, on tx: Connection) async throws -> [PatrolTeamMember] {
        try await tx.query(
            """
            SELECT m.team_id, m.volunteer_id, m.is_leader, m.is_experienced FROM patrol_team_members m
            JOIN volunteers v ON v.id = m.volunteer_id
            WHERE m.team_id = \(team) ORDER BY m.is_leader DESC, v.name
            """
        ).rows.map { row in
            PatrolTeamMember(
                teamID: try row.decode("team_id"), volunteerID: try row.decode("volunteer_id"),
                isLeader: try row.decode("is_leader"), isExperienced: try row.decode("is_experienced"))
        }
    }

    public func addRoute(team: ID<PatrolTeam>, place: ID<Place>, communityID: ID<Community>, on tx: Connection) async throws {
        let added = try await tx.execute(
            """
            INSERT INTO patrol_team_routes (team_id, place_id, community_id)
            SELECT \(team), p.id, \(communityID) FROM places p WHERE p.id = \(place) AND p.kind = 'patrol_route'
            """)
        if added == 0 {
            throw StorageError(code: .invalidReference, message: "place \(place) is not a patrol route of this community")
        }
    }

    public func routes(of team: ID<PatrolTeam>, on tx: Connection) async throws -> [ID<Place>] {
        try await tx.query("SELECT place_id FROM patrol_team_routes WHERE team_id = \(team) ORDER BY place_id").rows.map {
            try $0.decode("place_id")
        }
    }
}
