import Foundation
import Testing

@testable import LinliImport

/// A 10,000-volunteer CSV like a community's roster, for parse + validate throughput.
func tenThousandVolunteersCSV() -> Data {
    let groups = ["党员", "青年、巾帼", "老年", "居民", "学生", "党员、老年"]
    let skills = ["助餐,陪聊", "急救", "护理、助浴", "理发", "", "代购;助行"]
    var text = "编号,姓名,手机号,性别,出生年份,网格,分组,技能,证书,证书到期\r\n"
    for index in 0..<10_000 {
        let phone = 13_800_000_000 + index * 7
        text += "V\(index),志愿者\(index),\(phone),\(index % 2 == 0 ? "男" : "女"),\(1940 + index % 60),"
        text += "幸福里\(index % 12 + 1)网格,\"\(groups[index % groups.count])\",\"\(skills[index % skills.count])\","
        text += "\(index % 3 == 0 ? "护理员证" : ""),\(index % 3 == 0 ? "2026-0\(index % 9 + 1)-15" : "")\r\n"
    }
    return Data(text.utf8)
}

@Test func tenThousandVolunteerRowsThroughput() throws {
    let data = tenThousandVolunteersCSV()
    let clock = ContinuousClock()
    let start = clock.now
    let file = try TabularFile.read(data, fileName: "volunteers.csv")
    let result = VolunteerImport.parse(file, currentYear: 2025)
    let elapsed = clock.now - start
    #expect(result.report.issues == [])
    #expect(result.rows.count == 10_000)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
        "LinliImport: 10,000 volunteer rows (\(data.count) bytes) read + validated in \(elapsed); "
            + "\(Int(Double(10_000) / seconds)) rows/s")
}
