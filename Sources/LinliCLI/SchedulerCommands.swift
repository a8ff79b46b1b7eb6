import ArgumentParser
import Foundation
import LinliScheduler

/// Prints solver progress: one rewritten line on a terminal, plain lines otherwise.
struct ProgressPrinter: Sendable {
    let live = isatty(STDERR_FILENO) == 1

    func callback() -> @Sendable (SolverProgress) -> Void {
        let live = self.live
        return { progress in
            let line = String(
                format: "%7.1f s  best %@  iterations %d", progress.elapsedSeconds, "\(progress.best)", progress.iterations)
            FileHandle.standardError.write(Data((live ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// `linli solve problem.json`: solves a week exported as JSON, offline.
struct SolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a scheduling problem in Linli's JSON format (see docs/scheduler.md).",
        discussion: """
            Reads the problem, runs the scheduler, checks the roster with the independent
            validator, and writes the solution as JSON (with explanations of every unfilled
            slot). The same problem, seed and --iterations give the same roster.
            Examples:
              linli solve week.json --seconds 30 -o solution.json
              linli solve week.json --iterations 200000 --seed 7 --language en
            """)

    @Argument(help: "The problem file (JSON, format version 1).") var problemFile: String
    @Option(help: "Time limit in seconds.") var seconds: Double = 30
    @Option(help: "Stop after this many moves instead (repeatable results).") var iterations: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Search threads (1 or 2 on this kind of machine).") var workers: Int = 1
    @Option(help: "Searches per thread, one after another, sharing the time; the best is kept (1: one long search).")
    var restarts: Int = 1
    @Option(name: [.short, .customLong("output")], help: "Write the solution JSON here instead of standard output.")
    var output: String?
    @Option(help: "Language of explanations: zh or en.") var language: String = "zh"

    func validate() throws {
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
        guard (1...16).contains(workers) else { throw ValidationError("--workers must be between 1 and 16") }
        guard (1...64).contains(restarts) else { throw ValidationError("--restarts must be between 1 and 64") }
        guard Language(rawValue: language) != nil else { throw ValidationError("--language must be zh or en") }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: problemFile) else {
            throw ValidationError("cannot read \(problemFile)")
        }
        let problem: SchedulingProblem
        do {
            problem = try SchedulingProblem.decode(json: data)
        } catch {
            FileHandle.standardError.write(Data("error: \(problemFile) is not a valid problem: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let printer = ProgressPrinter()
        var options = SolverOptions(
            seed: seed, timeLimitSeconds: seconds, maxIterations: iterations, progress: printer.callback(),
            progressIntervalSeconds: 1)
        options.workers = workers
        options.restarts = restarts
        let solution = try Solver.solve(problem, options: options)
        printer.finish()
        let report = ScheduleValidator.validate(problem: problem, assignments: solution.assignments)
        let lang = Language(rawValue: language) ?? .zh
        for explanation in Explainer.explainUnfilled(problem: problem, assignments: solution.assignments, language: lang) {
            FileHandle.standardError.write(Data((explanation.text + "\n").utf8))
        }
        let json = try solution.encodeJSON()
        if let output {
            try json.write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(json)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
        FileHandle.standardError.write(
            Data("score \(solution.score), \(solution.assignments.count) assignments, valid: \(report.isValid)\n".utf8))
        if !report.isValid { throw ExitCode.failure }
    }
}

extension BenchCommand {
    /// `linli bench nrp FILE`: the Curtois & Qu shift scheduling benchmark.
    struct NRP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nrp",
            abstract: "Solve a Shift Scheduling Benchmark instance and report the gap to the best known objective.",
            discussion: """
                Imports the instance into Linli's model, solves it, validates every hard rule with a
                checker independent of the solver, and prints the objective, the gap to the best
                known value and the time to the first feasible roster.
                Example:
                  linli bench nrp ../shared/data/nrp/Instance5.txt --seconds 60 --workers 2 --roster-out i5.txt
                """)

        @Argument(help: "Instance file (InstanceN.txt).") var file: String
        @Option(help: "Time limit in seconds.") var seconds: Double = 60
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Search threads.") var workers: Int = 2
        @Option(help: "Searches per thread, one after another, sharing the time; the best is kept (1: one long search).")
        var restarts: Int = 1
        @Option(help: "Write the roster as text: employee ID, then a shift ID or '-' per day.") var rosterOut: String?

        func validate() throws {
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
            guard (1...16).contains(workers) else { throw ValidationError("--workers must be between 1 and 16") }
            guard (1...64).contains(restarts) else { throw ValidationError("--restarts must be between 1 and 64") }
        }

        func run() async throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read \(file)")
            }
            let instance = try NRPInstance.parse(text: text)
            let printer = ProgressPrinter()
            var options = SolverOptions(
                seed: seed, timeLimitSeconds: seconds, progress: printer.callback(), progressIntervalSeconds: 5)
            options.workers = workers
            options.restarts = restarts
            let solution = try Solver.solve(instance.toProblem(), options: options)
            printer.finish()
            let roster = instance.roster(from: solution.assignments)
            let report = NRPValidator.validate(instance: instance, roster: roster)
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let best = NRPInstance.bestKnown[name]
            let gap = best.map { String(format: "%.2f%%", 100 * Double(report.objective - $0) / Double($0)) } ?? "n/a"
            let first = solution.stats.secondsToFirstFeasible.map { String(format: "%.2f s", $0) } ?? "never"
            print(
                "\(name): feasible \(report.isFeasible), objective \(report.objective), best known \(best.map(String.init) ?? "?"), gap \(gap), first feasible \(first), total \(String(format: "%.1f", solution.stats.seconds)) s"
            )
            for violation in report.violations.prefix(20) { print("  violation: \(violation)") }
            if let rosterOut {
                try RosterTextWriter.write(instance: instance, roster: roster).write(
                    toFile: rosterOut, atomically: true, encoding: .utf8)
            }
            if !report.isFeasible { throw ExitCode.failure }
        }
    }

    /// `linli bench generate --volunteers N`: a realistic generated community week.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate a community week, solve it, validate it, and re-plan after one cancellation.",
            discussion: """
                The generator is deterministic for a seed: N volunteers, with patrols, home visits and
                duty shifts in proportion (300 volunteers ≈ 60 patrols, 400 visits, 100 duty shifts).
                Examples:
                  linli bench generate --volunteers 300 --seconds 2
                  linli bench generate --volunteers 3000 --seconds 30 --problem-out week.json
                """)

        @Option(help: "Number of volunteers.") var volunteers: Int = 300
        @Option(help: "Time limit in seconds.") var seconds: Double = 2
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Search threads.") var workers: Int = 1
        @Option(help: "Time limit of the re-plan after the busiest volunteer cancels (it usually settles sooner).")
        var replanSeconds: Double = 1
        @Option(help: "Also write the generated problem as JSON.") var problemOut: String?

        func validate() throws {
            guard (10...100_000).contains(volunteers) else { throw ValidationError("--volunteers must be between 10 and 100000") }
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
        }

        func run() async throws {
            let problem = CommunityGenerator.week(volunteers: volunteers, seed: seed)
            if let problemOut { try problem.encodeJSON().write(to: URL(fileURLWithPath: problemOut)) }
            var options = SolverOptions(seed: seed, timeLimitSeconds: seconds)
            options.workers = workers
            let prepared = try PreparedProblem(problem)
            let solution = try Solver.solve(prepared, options: options)
            let report = ScheduleValidator.validate(problem: problem, assignments: solution.assignments)
            var filled: [SlotID: Int] = [:]
            for a in solution.assignments { filled[a.slot, default: 0] += 1 }
            let needed = problem.slots.reduce(0) { $0 + $1.required }
            let got = problem.slots.reduce(0) { $0 + min($1.required, filled[$1.id] ?? 0) }
            let first = solution.stats.secondsToFirstFeasible.map { String(format: "%.3f s", $0) } ?? "never"
            print(
                "volunteers \(volunteers), slots \(problem.slots.count), headcount \(got)/\(needed), valid \(solution.isValid && report.isValid), first valid roster \(first), solve \(String(format: "%.2f", solution.stats.seconds)) s, max RSS \(Self.maxResidentMiB()) MiB"
            )
            var counts: [PersonID: Int] = [:]
            for a in solution.assignments { counts[a.person, default: 0] += 1 }
            guard let (gone, shifts) = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return }
            var changed = problem
            if let i = changed.people.firstIndex(where: { $0.id == gone }) {
                changed.people[i].absences.append(Absence(range: .days(0, problem.horizonDays - 1), reason: "生病"))
            }
            // The re-plan as the service runs it: the prepared week is reused, the search stops once
            // the neighbourhood of the change has settled (or at --replan-seconds).
            let started = Date(), cpuStarted = Self.cpuSeconds()
            let result = try Solver.replan(
                changed, published: solution.assignments, from: prepared,
                options: SolverOptions(seed: seed, timeLimitSeconds: replanSeconds))
            let wall = Date().timeIntervalSince(started), cpu = Self.cpuSeconds() - cpuStarted
            print(
                "re-plan after \(gone) cancelled \(shifts) shifts: valid \(result.solution.isValid), \(result.removed.count) removed, \(result.added.count) added, \(String(format: "%.3f", wall)) s (CPU \(String(format: "%.3f", cpu)) s, \(result.solution.stats.iterations) moves), max RSS \(Self.maxResidentMiB()) MiB"
            )
            if !(solution.isValid && report.isValid) { throw ExitCode.failure }
        }

        /// CPU seconds of this process (the wall clock on a shared machine also counts other builds).
        static func cpuSeconds() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }

        static func maxResidentMiB() -> Int {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return usage.ru_maxrss / 1024
        }
    }
}
