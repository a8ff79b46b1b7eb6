import ArgumentParser
import Foundation
import LinliCLI

/// The `linli` program: the commands live in LinliCLI, where the tests reach them too.
@main
struct Linli: AsyncParsableCommand {
    static let configuration = LinliCommand.configuration

    /// Runs the command; usage errors exit with status 2 (as most Unix tools do), other
    /// failures with 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
