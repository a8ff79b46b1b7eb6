import ArgumentParser
import LinliCLI

/// The `linli` program: the commands live in LinliCLI, where the tests reach them too.
@main
struct Linli: AsyncParsableCommand {
    static let configuration = LinliCommand.configuration
}
