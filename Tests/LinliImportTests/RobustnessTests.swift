import Foundation
import Testing

@testable import LinliImport

@Suite("Robustness")
struct RobustnessTests {
    /// Deterministic pseudo-random generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func arbitraryBytesNeverCrash() {
        var random = SplitMix(state: 42)
        let alphabet: [UInt8] = Array("\",;\t\r\n a1".utf8) + [0xCD, 0xF5, 0xE7, 0x8E, 0x8B, 0x80, 0xFF, 0xEF, 0xBB, 0xBF]
        for _ in 0..<500 {
            let length = Int.random(in: 0..<60, using: &random)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
            if let file = try? TabularFile.read(Data(bytes), fileName: "x.csv") {
                _ = VolunteerImport.parse(file, currentYear: 2025)
                _ = ResidentImport.parse(file, currentYear: 2025)
            }
        }
    }

    @Test func truncatedXLSXIsAnErrorNotACrash() throws {
        let data = try fixture("residents.xlsx")
        for length in stride(from: 4, to: data.count, by: 97) {
            #expect(throws: ImportFileError.self) { try TabularFile.read(data.prefix(length), fileName: "r.xlsx") }
        }
    }
}
