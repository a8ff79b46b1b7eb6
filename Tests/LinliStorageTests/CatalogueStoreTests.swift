import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Skill and service type stores")
struct CatalogueStoreTests {
    @Test("a skill reads back as created, is listed, and a taken code is a duplicate")
    func skillRoundTrip() async throws {
        try await SchedulingWorld.with { world in
            let nursing = Skill(
                communityID: world.community, code: "nursing_cert", nameZh: "护理员证", nameEn: "Certified caregiver",
                isCertificate: true)
            let firstAid = Skill(communityID: world.community, code: "first_aid", nameZh: "急救", nameEn: "First aid")
            try await world.tx { tx in
                try await SkillStore().create(nursing, on: tx)
                try await SkillStore().create(firstAid, on: tx)
            }
            let read = try await world.tx { tx in try await SkillStore().skill(nursing.id, on: tx) }
            #expect(read == nursing)
            let all = try await world.tx { tx in try await SkillStore().skills(on: tx) }
            #expect(all == [firstAid, nursing])

            let again = Skill(communityID: world.community, code: "nursing_cert", nameZh: "护理", nameEn: "Care")
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await SkillStore().create(again, on: tx) } }
                    == .duplicate)
            let badCode = Skill(communityID: world.community, code: "Nursing Cert", nameZh: "护理", nameEn: "Care")
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await SkillStore().create(badCode, on: tx) } }
                    == .invalidValue)
            // Unknown, and invisible from the other community.
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await SkillStore().skill(ID(), on: tx) } }
                    == .notFound)
            #expect(
                await schedulingErrorCode {
                    _ = try await world.store.transaction(world.otherScope) { tx in
                        try await SkillStore().skill(nursing.id, on: tx)
                    }
                } == .notFound)
        }
    }

    @Test("a service type keeps its required skills through create, update and deactivate")
    func serviceTypeRoundTrip() async throws {
        try await SchedulingWorld.with { world in
            let skills = (0..<3).map { i in
                Skill(communityID: world.community, code: "skill_\(i)", nameZh: "技能\(i)", nameEn: "Skill \(i)")
            }
            try await world.tx { tx in for skill in skills { try await SkillStore().create(skill, on: tx) } }
            var bathing = ServiceType(
                communityID: world.community, code: "bathing", nameZh: "助浴", nameEn: "Bathing help", kind: .homeVisit,
                defaultMinutes: 90, headcountMin: 2, headcountMax: 2, sameSexAsResident: true, neverAlone: true,
                priority: 80, reminderLeadMinutes: [1440, 120],
                requiredSkillIDs: [skills[0].id, skills[1].id].sorted())
            let store = ServiceTypeStore()
            try await world.tx { tx in try await store.create(bathing, on: tx) }
            #expect(try await world.tx { tx in try await store.serviceType(bathing.id, on: tx) } == bathing)

            let visits = try await world.tx { tx in try await store.serviceTypes(kind: .homeVisit, on: tx) }
            #expect(visits.map(\.code) == ["bathing", "companionship"])
            #expect(try await world.tx { tx in try await store.serviceTypes(on: tx) }.count == 4)

            bathing.requiredSkillIDs = [skills[1].id, skills[2].id].sorted()
            bathing.defaultMinutes = 120
            bathing.priority = 90
            try await world.tx { tx in try await store.update(bathing, on: tx) }
            #expect(try await world.tx { tx in try await store.serviceType(bathing.id, on: tx) } == bathing)

            try await world.tx { tx in try await store.deactivate(bathing.id, on: tx) }
            #expect(
                try await world.tx { tx in try await store.serviceTypes(kind: .homeVisit, on: tx) }.map(\.code) == [
                    "companionship"
                ])
            let all = try await world.tx { tx in
                try await store.serviceTypes(kind: .homeVisit, includeInactive: true, on: tx)
            }
            #expect(all.first { $0.id == bathing.id }?.isActive == false)

            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.serviceType(ID(), on: tx) } }
                    == .notFound)
            var missing = bathing
            missing.id = ID()
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.update(missing, on: tx) } } == .notFound)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.deactivate(ID(), on: tx) } } == .notFound)
        }
    }

    @Test("the database refuses a bad service type: headcount, never alone, another community's skill")
    func serviceTypeConstraints() async throws {
        try await SchedulingWorld.with { world in
            let store = ServiceTypeStore()
            func code(_ service: ServiceType) async -> StorageError.Code? {
                await schedulingErrorCode { try await world.tx { tx in try await store.create(service, on: tx) } }
            }
            let base = ServiceType(
                communityID: world.community, code: "canteen_help", nameZh: "长者食堂帮厨", nameEn: "Canteen help",
                kind: .duty, defaultMinutes: 90, headcountMin: 2, headcountMax: 3)
            var inverted = base
            inverted.headcountMin = 4
            #expect(await code(inverted) == .invalidValue)
            var alone = base
            alone.neverAlone = true
            alone.headcountMin = 1
            #expect(await code(alone) == .invalidValue)
            var duplicate = base
            duplicate.code = "station_duty"
            #expect(await code(duplicate) == .duplicate)

            let foreign = Skill(communityID: world.otherCommunity, code: "first_aid", nameZh: "急救", nameEn: "First aid")
            try await world.store.transaction(world.otherScope) { tx in try await SkillStore().create(foreign, on: tx) }
            var withForeignSkill = base
            withForeignSkill.requiredSkillIDs = [foreign.id]
            #expect(await code(withForeignSkill) == .invalidReference)
            // Nothing of the failed attempts was stored.
            #expect(
                try await world.tx { tx in try await store.serviceTypes(kind: .duty, on: tx) }.map(\.code) == ["station_duty"])
        }
    }
}
