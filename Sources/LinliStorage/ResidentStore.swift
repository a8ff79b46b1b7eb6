import Foundation
import LinliDatabase
import LinliDomain

/// Elderly residents and their preferred / declined volunteers. All SQL for them is here.
/// Residents are deactivated, not deleted; `erase` removes personal data on request (PIPL).
///
/// Care notes are sealed and opened here with `careNotes` (migration 0019): a store without a
/// keyring reads residents without their notes (`careNotes` nil), leaves the stored notes alone
/// when it updates one, and refuses to write a note.
public struct ResidentStore: Sendable {
    public let careNotes: CareNotesKeyring?

    public init(careNotes: CareNotesKeyring? = nil) {
        self.careNotes = careNotes
    }

    public func create(_ r: Resident, on tx: Connection) async throws {
        let sealed = try seal(r)
        try await tx.execute(
            """
            INSERT INTO residents (id, community_id, external_id, name, sex, birth_year, grid_id, place_id, address, phone,
                family_contact_name, family_contact_phone, needs_call, lives_alone, care_needs, care_notes_sealed,
                care_notes_key_id, is_active)
            VALUES (\(r.id), \(r.communityID), \(r.externalID), \(r.name), \(r.sex), \(r.birthYear), \(r.gridID), \(r.placeID),
                \(r.address), \(r.phone), \(r.familyContactName), \(r.familyContactPhone), \(r.needsCall), \(r.livesAlone),
                \(r.careNeeds), \(sealed?.box), \(sealed?.keyID), \(r.isActive))
            """)
    }

    /// The resident's notes sealed with the current key (nil for no notes).
    private func seal(_ r: Resident) throws -> SealedCareNote? {
        guard let text = r.careNotes else { return nil }
        guard let careNotes else { throw StorageError(code: .careNotesKeyMissing, message: CareNotesKeyring.missingMessage) }
        return try careNotes.seal(text, resident: r.id, community: r.communityID)
    }

    public func resident(_ id: ID<Resident>, on tx: Connection) async throws -> Resident {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM residents WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("resident \(id)")
        }
        return try resident(row)
    }

    /// Active residents whose name, address or phone contains `text` (all when nil), by name.
    public func residents(matching text: String? = nil, limit: Int = 200, on tx: Connection) async throws -> [Resident] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM residents
            WHERE is_active AND (\(text)::text IS NULL OR strpos(name, \(text)) > 0 OR strpos(address, \(text)) > 0
                   OR right(phone, length(\(text))) = \(text))
            ORDER BY name, id LIMIT \(limit)
            """
        ).rows.map(resident)
    }

    /// One page of the scope's residents in (name, id) order, starting after `after`; `text`
    /// matches part of the name or address or the last digits of the phone; `active` nil means both.
    public func page(
        after: (name: String, id: ID<Resident>)?, matching text: String?, active: Bool?, limit: Int, on tx: Connection
    ) async throws -> [Resident] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM residents
            WHERE (\(active)::boolean IS NULL OR is_active = \(active))
              AND (\(text)::text IS NULL OR strpos(name, \(text)) > 0 OR strpos(address, \(text)) > 0
                   OR right(phone, length(\(text))) = \(text))
              AND (\(after?.name)::text IS NULL OR (name, id) > (\(after?.name)::text, \(after?.id)::uuid))
            ORDER BY name, id LIMIT \(limit)
            """
        ).rows.map(resident)
    }

    /// Saves changes if nobody changed the resident since `r.version` was read; returns the new version.
    @discardableResult
    public func update(_ r: Resident, on tx: Connection) async throws -> Int {
        let sealed = try seal(r)
        // Without a keyring the stored notes stay as they are (this store read none).
        let keepNotes = careNotes == nil
        let rows = try await tx.query(
            """
            UPDATE residents SET external_id = \(r.externalID), name = \(r.name), sex = \(r.sex), birth_year = \(r.birthYear),
                grid_id = \(r.gridID), place_id = \(r.placeID), address = \(r.address), phone = \(r.phone),
                family_contact_name = \(r.familyContactName), family_contact_phone = \(r.familyContactPhone),
                needs_call = \(r.needsCall), lives_alone = \(r.livesAlone), care_needs = \(r.careNeeds),
                care_notes = CASE WHEN \(keepNotes)::boolean THEN care_notes END,
                care_notes_sealed = CASE WHEN \(keepNotes)::boolean THEN care_notes_sealed ELSE \(sealed?.box)::bytea END,
                care_notes_key_id = CASE WHEN \(keepNotes)::boolean THEN care_notes_key_id ELSE \(sealed?.keyID)::integer END,
                updated_at = now(), version = version + 1
            WHERE id = \(r.id) AND version = \(r.version) AND erased_at IS NULL
            RETURNING version
            """
        ).rows
        guard let row = rows.first else {
            throw try await StorageError.staleOrMissing(table: "residents", id: r.id, name: "resident", on: tx)
        }
        return try row.decode("version")
    }

    public func deactivate(_ id: ID<Resident>, on tx: Connection) async throws {
        if try await tx.execute(
            "UPDATE residents SET is_active = false, updated_at = now(), version = version + 1 WHERE id = \(id)") == 0
        {
            throw StorageError.notFound("resident \(id)")
        }
    }

    /// PIPL erasure: removes name, contact data, address and care notes; keeps sex, birth
    /// decade, grid and the visit history as anonymous statistics. Future bookings are cancelled.
    /// Answers the slots it cancelled, so the caller can cancel what was planned for them
    /// (`ReminderPlanner.eraseResident` does).
    @discardableResult
    public func erase(_ id: ID<Resident>, on tx: Connection) async throws -> [ID<Slot>] {
        let changed = try await tx.execute(
            """
            UPDATE residents SET name = '已删除', external_id = NULL, address = NULL, phone = NULL, place_id = NULL,
                family_contact_name = NULL, family_contact_phone = NULL, care_notes = NULL, care_needs = '{}',
                care_notes_sealed = NULL, care_notes_key_id = NULL,
                birth_year = (birth_year / 10) * 10, is_active = false, erased_at = now(), updated_at = now(),
                version = version + 1
            WHERE id = \(id) AND erased_at IS NULL
            """)
        if changed == 0 { throw StorageError.notFound("resident \(id) (or already erased)") }
        try await tx.execute("DELETE FROM resident_volunteer_preferences WHERE resident_id = \(id)")
        // Nobody should still come to visit: the slots of open visits are cancelled too.
        let cancelledSlots: [ID<Slot>] = try await tx.query(
            """
            UPDATE slots SET status = 'cancelled', note = '居民个人信息已删除 / resident data erased', version = version + 1
            WHERE status = 'open' AND id IN (
                SELECT slot_id FROM bookings WHERE resident_id = \(id) AND state IN ('requested', 'scheduled'))
            RETURNING id
            """
        ).rows.map { try $0.decode("id") }
        try await tx.execute(
            """
            UPDATE bookings SET state = 'cancelled', state_reason = '居民个人信息已删除 / resident data erased', notes = NULL,
                updated_at = now(), version = version + 1
            WHERE resident_id = \(id) AND state IN ('requested', 'scheduled')
            """)
        try await tx.execute("UPDATE bookings SET notes = NULL WHERE resident_id = \(id)")
        // Messages to and about the resident's visits name them and their address.
        try await tx.execute(
            """
            UPDATE messages SET body = '（内容已随居民个人信息删除 / erased with the resident''s data）', address = NULL
            WHERE resident_id = \(id)
               OR slot_id IN (SELECT slot_id FROM bookings WHERE resident_id = \(id) AND slot_id IS NOT NULL)
            """)
        try await tx.execute("UPDATE call_marks SET note = NULL WHERE resident_id = \(id)")
        try await tx.execute("UPDATE booking_recurrences SET is_active = false, notes = NULL WHERE resident_id = \(id)")
        return cancelledSlots
    }

    public func setPreference(_ p: ResidentPreference, communityID: ID<Community>, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO resident_volunteer_preferences (resident_id, volunteer_id, community_id, prefers)
            VALUES (\(p.residentID), \(p.volunteerID), \(communityID), \(p.prefers))
            ON CONFLICT (resident_id, volunteer_id) DO UPDATE SET prefers = EXCLUDED.prefers
            """)
    }

    /// Forgets that the resident prefers or declines the volunteer.
    public func removePreference(resident: ID<Resident>, volunteer: ID<Volunteer>, on tx: Connection) async throws {
        if try await tx.execute(
            "DELETE FROM resident_volunteer_preferences WHERE resident_id = \(resident) AND volunteer_id = \(volunteer)") == 0
        {
            throw StorageError.notFound("preference of resident \(resident) for volunteer \(volunteer)")
        }
    }

    public func preferences(of resident: ID<Resident>, on tx: Connection) async throws -> [ResidentPreference] {
        try await tx.query(
            """
            SELECT resident_id, volunteer_id, prefers FROM resident_volunteer_preferences
            WHERE resident_id = \(resident) ORDER BY prefers DESC, volunteer_id
            """
        ).rows.map { row in
            ResidentPreference(
                residentID: try row.decode("resident_id"), volunteerID: try row.decode("volunteer_id"),
                prefers: try row.decode("prefers"))
        }
    }

    static let columns: SQLQuery = """
        id, community_id, external_id, name, sex, birth_year, grid_id, place_id, address, phone, family_contact_name,
        family_contact_phone, needs_call, lives_alone, care_needs, care_notes, care_notes_sealed, care_notes_key_id,
        is_active, version
        """

    /// A resident as read; sealed notes are opened with the keyring (nil without one), plain
    /// text from before `linli care-notes seal` is read as it is.
    func resident(_ row: Row) throws -> Resident {
        let id: ID<Resident> = try row.decode("id")
        let community: ID<Community> = try row.decode("community_id")
        var notes: String? = try row.decode("care_notes")
        if let box: Data = try row.decode("care_notes_sealed"), let careNotes {
            notes = try careNotes.open(
                SealedCareNote(keyID: try row.decode("care_notes_key_id"), box: box), resident: id, community: community)
        }
        return Resident(
            id: id, communityID: community, externalID: try row.decode("external_id"),
            name: try row.decode("name"), sex: try row.decode("sex"), birthYear: try row.decode("birth_year"),
            gridID: try row.decode("grid_id"), placeID: try row.decode("place_id"), address: try row.decode("address"),
            phone: try row.decode("phone"), familyContactName: try row.decode("family_contact_name"),
            familyContactPhone: try row.decode("family_contact_phone"), needsCall: try row.decode("needs_call"),
            livesAlone: try row.decode("lives_alone"), careNeeds: try row.decode("care_needs"),
            careNotes: notes, isActive: try row.decode("is_active"), version: try row.decode("version"))
    }
}
