import Foundation
import Hummingbird
import LinliDatabase
import LinliJobs
import LinliSettings
import LinliStorage
import Logging
import NIOCore
import Prometheus

/// `/healthz`, `/readyz`, `/version`, `/metrics` and the start page: what operators and load
/// balancers ask a running service.
struct HealthController: Sendable {
    let pool: ConnectionPool
    let migrator: Migrator
    let metrics: PrometheusCollectorRegistry

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in Status(status: "ok") }
        router.get("/readyz") { _, _ in try await readiness() }
        router.get("/version") { _, _ in VersionInfo(name: "linli", version: LinliVersion.current) }
        router.get("/metrics") { _, context in
            await recordQueueDepth(logger: context.logger)
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: StartPage.html)))
        }
    }

    /// The states a job can be in, each a `linli_jobs{state=…}` gauge on every scrape.
    static let jobStates = ["pending", "running", "succeeded", "dead", "cancelled"]
    static var jobsGauge: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "linli", metricName: "jobs", unitName: "", helpText: "Jobs in the queue by state")
    }

    /// Sets the job queue's depth per state from the database, just before a scrape is answered
    /// (the queue is shared by every worker, so no one process can count it). A database that
    /// does not answer leaves the last values and is logged; the scrape still succeeds.
    func recordQueueDepth(logger: Logger) async {
        do {
            let counts = try await JobQueue(store: Store(pool: pool)).stats()
            for state in Set(Self.jobStates).union(counts.keys) {
                metrics.makeGauge(descriptor: Self.jobsGauge, labels: [("state", state)]).set(Int64(counts[state] ?? 0))
            }
        } catch {
            logger.warning("could not count the job queue for /metrics: \(error)")
        }
    }

    struct Status: ResponseEncodable {
        let status: String
    }

    struct VersionInfo: ResponseEncodable {
        let name: String
        let version: String
    }

    /// Each check with its outcome; 200 only when all pass.
    struct Readiness: ResponseEncodable {
        let status: String
        let database: String
        let migrations: String
    }

    func readiness() async throws -> Response {
        var database = "ok"
        var migrations = "ok"
        var ready = true
        do {
            try await pool.query("SELECT 1")
            let states = try await migrator.status()
            // Migrations of a newer version (a rolling upgrade migrates before the old servers
            // stop) only add, by the upgrade rules in deploy/README.md: this version still serves.
            let missing = states.filter { $0.state == .pending || $0.state == .changedAfterApplying }
            let newer = states.filter { $0.state == .unknownToThisVersion }
            if !missing.isEmpty {
                ready = false
                migrations =
                    "not current: " + missing.map { "\($0.version) \($0.state.rawValue)" }.joined(separator: ", ")
                    + " (run `linli migrate`)"
            } else if !newer.isEmpty {
                migrations =
                    "ok; applied by a newer version: " + newer.map { "\($0.version) \($0.name)" }.joined(separator: ", ")
                    + " (upgrade this machine's programs)"
            }
        } catch let error as DatabaseError {
            ready = false
            database = "unreachable: \(error.message)" + (error.hint.map { " (\($0))" } ?? "")
            migrations = "unknown"
        }
        let body = Readiness(status: ready ? "ready" : "not ready", database: database, migrations: migrations)
        let data = try JSONEncoder().encode(body)
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The page at `/`: where to sign in, and the operators' endpoints. Chinese first, English second.
enum StartPage {
    static let html = """
        <!doctype html>
        <html lang="zh-CN">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>邻里 Linli</title>
        <style>body{font:18px/1.6 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#111}
        a{color:#0645ad} code{background:#f3f3f3;padding:0 .2em}</style></head>
        <body>
        <h1>邻里 · 社区排班服务</h1>
        <p>服务已启动。<a href="/signin">工作人员登录</a>（预约服务台、排班看板、巡逻队页面）。</p>
        <ul><li><a href="/readyz">/readyz</a> 就绪检查（数据库与迁移）</li>
        <li><a href="/healthz">/healthz</a> 进程存活</li>
        <li><a href="/version">/version</a> 版本</li>
        <li><a href="/metrics">/metrics</a> Prometheus 指标</li></ul>
        <hr>
        <p lang="en">Linli, the community scheduling service, is running. <a href="/signin?lang=en">Staff sign-in</a>
        (booking desk, roster board, patrol team page). The links above are the health, readiness,
        version and metrics endpoints.</p>
        </body></html>
        """
}
