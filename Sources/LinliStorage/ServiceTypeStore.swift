import Foundation
import LinliDatabase
import LinliDomain

/// The service catalogue (助浴, 晚间巡逻, 便民服务站值班) with each service's required skills.
/// All SQL for `service_types` and `service_type_skills` is here.
public struct ServiceTypeStore: Sendable {
    public init() {}

    /// Inserts the service and its required skills.
    public func create(_ service: ServiceType, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO service_types (id, community_id, code, name_zh, name_en, kind, default_minutes, headcount_min,
                                       headcount_max, same_sex_as_resident, never_alone, needs_leader, priority,
                                       reminder_lead_minutes, is_active)
            VALUES (\(service.id), \(service.communityID), \(service.code), \(service.nameZh), \(service.nameEn),
                    \(service.kind), \(service.defaultMinutes), \(service.headcountMin), \(service.headcountMax),
                    \(service.sameSexAsResident), \(service.neverAlone), \(service.needsLeader), \(service.priority),
                    \(service.reminderLeadMinutes), \(service.isActive))
            """)
        try await insertSkills(of: service, on: tx)
    }

    public func serviceType(_ id: ID<ServiceType>, on tx: Connection) async throws -> ServiceType {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM service_types st WHERE st.id = \(id)").rows.first
        else { throw StorageError.notFound("service type \(id)") }
        return try Self.serviceType(row)
    }

    /// The services this scope can see, of one kind or all, by priority (highest first) and code.
    public func serviceTypes(
        kind: ServiceKind? = nil, includeInactive: Bool = false, on tx: Connection
    ) async throws
        -> [ServiceType]
    {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM service_types st
            WHERE (\(kind?.rawValue)::text IS NULL OR st.kind = \(kind?.rawValue)::service_kind)
              AND (\(includeInactive) OR st.is_active)
            ORDER BY st.priority DESC, st.code
            """
        ).rows.map(Self.serviceType)
    }

    /// Replaces every field (but the community) and the required skills.
    public func update(_ service: ServiceType, on tx: Connection) async throws {
        let changed = try await tx.execute(
            """
            UPDATE service_types SET code = \(service.code), name_zh = \(service.nameZh), name_en = \(service.nameEn),
                kind = \(service.kind), default_minutes = \(service.defaultMinutes),
                headcount_min = \(service.headcountMin), headcount_max = \(service.headcountMax),
                same_sex_as_resident = \(service.sameSexAsResident), never_alone = \(service.neverAlone),
                needs_leader = \(service.needsLeader), priority = \(service.priority),
                reminder_lead_minutes = \(service.reminderLeadMinutes), is_active = \(service.isActive)
            WHERE id = \(service.id)
            """)
        if changed == 0 { throw StorageError.notFound("service type \(service.id)") }
        try await tx.execute(
            """
            DELETE FROM service_type_skills
            WHERE service_type_id = \(service.id) AND NOT (skill_id = ANY (\(service.requiredSkillIDs)::uuid[]))
            """)
        try await insertSkills(of: service, on: tx)
    }

    /// Takes the service out of the catalogue; its history stays, and templates stop generating it.
    public func deactivate(_ id: ID<ServiceType>, on tx: Connection) async throws {
        if try await tx.execute("UPDATE service_types SET is_active = false WHERE id = \(id)") == 0 {
            throw StorageError.notFound("service type \(id)")
        }
    }

    private func insertSkills(of service: ServiceType, on tx: Connection) async throws {
        guard !service.requiredSkillIDs.isEmpty else { return }
        try await tx.execute(
            """
            INSERT INTO service_type_skills (service_type_id, skill_id, community_id)
            SELECT \(service.id), s, \(service.communityID) FROM unnest(\(service.requiredSkillIDs)::uuid[]) AS s
            ON CONFLICT DO NOTHING
            """)
    }

    static let columns: SQLQuery = """
        st.id, st.community_id, st.code, st.name_zh, st.name_en, st.kind, st.default_minutes, st.headcount_min,
        st.headcount_max, st.same_sex_as_resident, st.never_alone, st.needs_leader, st.priority,
        st.reminder_lead_minutes, st.is_active,
        ARRAY(SELECT sk.skill_id FROM service_type_skills sk WHERE sk.service_type_id = st.id
              ORDER BY sk.skill_id) AS skill_ids
        """

    static func serviceType(_ row: Row) throws -> ServiceType {
        ServiceType(
            id: try row.decode("id"), communityID: try row.decode("community_id"), code: try row.decode("code"),
            nameZh: try row.decode("name_zh"), nameEn: try row.decode("name_en"), kind: try row.decode("kind"),
            defaultMinutes: try row.decode("default_minutes"), headcountMin: try row.decode("headcount_min"),
            headcountMax: try row.decode("headcount_max"), sameSexAsResident: try row.decode("same_sex_as_resident"),
            neverAlone: try row.decode("never_alone"), needsLeader: try row.decode("needs_leader"),
            priority: try row.decode("priority"), reminderLeadMinutes: try row.decode("reminder_lead_minutes"),
            requiredSkillIDs: try row.decode("skill_ids"), isActive: try row.decode("is_active"))
    }
}
