// swift-tools-version:6.2
// Linli (邻里): scheduling service of a Chinese urban community.
// Dependency direction (see ARCHITECTURE.md):
//   executables → LinliCLI / LinliAPI / LinliJobs → LinliStorage → LinliDatabase → CLibPQ
//   LinliScheduler depends on nothing but Foundation; LinliSettings on swift-configuration.
//   LinliImport and LinliExport (file formats) know no SQL or HTTP; LinliStorage uses their row types.
//   LinliChannels (message delivery) on LinliSettings, async-http-client and swift-subprocess; no SQL.
//   LinliWeb (pages: Mustache templates, strings, layout) on LinliExport's row types; LinliAPI mounts it.

import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "linli",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LinliScheduler", targets: ["LinliScheduler"]),
        .executable(name: "linli", targets: ["linli"]),
        .executable(name: "linli-server", targets: ["linli-server"]),
        .executable(name: "linli-worker", targets: ["linli-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        // The import page's upload (multipart/form-data) is parsed by Vapor's MultipartKit.
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        // Tests only: reads openapi.yaml to hold the hand-written router to it.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        // libpq from Debian's libpq-dev. Only LinliDatabase imports it.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // libsodium from Debian's libsodium-dev, for Argon2id password hashes. Only LinliAccounts imports it.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // libqrencode from Debian's libqrencode-dev, for the calendar link's QR code on the
        // patrol leader's page (no Swift QR package is available here). Only LinliWeb imports it.
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(
            name: "LinliDatabase",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LinliSettings",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The constraint scheduler: pure Swift, Foundation only, no I/O.
        .target(
            name: "LinliScheduler",
            swiftSettings: strict
        ),
        // The community's domain types: no SQL, no HTTP.
        .target(
            name: "LinliDomain",
            swiftSettings: strict
        ),
        // CSV (UTF-8, GB18030) and XLSX reading and row validation for imports; no I/O.
        .target(
            name: "LinliImport",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        // Delivering one message: SMS webhook, WeCom group robot, sendmail, or the outbox. No SQL.
        .target(
            name: "LinliChannels",
            dependencies: [
                "LinliSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // CSV, XLSX, JSON and iCalendar writers and the exports' rows; no SQL, no HTTP.
        .target(
            name: "LinliExport",
            dependencies: ["LinliDomain", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        .target(
            name: "LinliStorage",
            dependencies: [
                "LinliDatabase",
                "LinliDomain",
                "LinliExport",
                "LinliImport",
                "LinliSettings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Staff sign-in: Argon2id password hashes, sessions and API tokens stored hashed, login throttling.
        .target(
            name: "LinliAccounts",
            dependencies: [
                "CSodium",
                "LinliDatabase",
                "LinliDomain",
                "LinliStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "LinliJobs",
            dependencies: [
                "LinliDatabase",
                "LinliDomain",
                "LinliStorage",
                "LinliSettings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Solving a community's stored week with the scheduler: loading, runs, drafts, re-plan.
        .target(
            name: "LinliRostering",
            dependencies: [
                "LinliDatabase",
                "LinliDomain",
                "LinliJobs",
                "LinliScheduler",
                "LinliStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Reminders and notices: planned in the transaction of the change that causes them,
        // sent by the worker through LinliChannels; the outbox, the call list and replies.
        .target(
            name: "LinliReminders",
            dependencies: [
                "LinliChannels",
                "LinliRostering",
                "LinliDatabase",
                "LinliDomain",
                "LinliJobs",
                "LinliStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The worker process's composition: every job kind and its handler, in one ServiceGroup.
        .target(
            name: "LinliWorker",
            dependencies: [
                "LinliAccounts",
                "LinliChannels",
                "LinliDomain",
                "LinliDatabase",
                "LinliJobs",
                "LinliReminders",
                "LinliRostering",
                "LinliSettings",
                "LinliStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Server-rendered pages: Mustache templates shipped as resources, the zh-CN/en strings,
        // the base layout (lang, strict CSP, escaping by default). No SQL, no HTTP server.
        .target(
            name: "LinliWeb",
            dependencies: [
                "CQREncode",
                "LinliDomain",
                "LinliExport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        .target(
            name: "LinliAPI",
            dependencies: [
                "LinliAccounts",
                "LinliChannels",
                "LinliExport",
                "LinliImport",
                "LinliWeb",
                "LinliJobs",
                "LinliReminders",
                "LinliRostering",
                "LinliDatabase",
                "LinliStorage",
                "LinliSettings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The API's contract, served at /openapi.yaml and checked against the router by a test.
            resources: [.copy("openapi.yaml")],
            swiftSettings: strict
        ),
        .target(
            name: "LinliCLI",
            dependencies: [
                "LinliAccounts",
                "LinliChannels",
                "LinliReminders",
                "LinliScheduler",
                "LinliDatabase",
                "LinliJobs",
                "LinliDomain",
                "LinliExport",
                "LinliImport",
                "LinliRostering",
                "LinliStorage",
                "LinliSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "linli",
            dependencies: ["LinliCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "linli-server",
            dependencies: [
                "LinliAPI", "LinliSettings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "linli-worker",
            dependencies: [
                "LinliWorker", "LinliSettings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Test support: throwaway databases cloned from a migrated template.
        .target(
            name: "LinliTestSupport",
            dependencies: ["LinliDatabase", "LinliDomain", "LinliStorage", "LinliSettings"],
            path: "Tests/LinliTestSupport",
            exclude: ["Validators"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliDatabaseTests",
            dependencies: ["LinliDatabase", "LinliTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliImportTests",
            dependencies: ["LinliImport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliExportTests",
            dependencies: [
                "LinliExport", "LinliImport", "LinliTestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliStorageTests",
            dependencies: ["LinliStorage", "LinliExport", "LinliTestSupport", "LinliCLI", "LinliSettings"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliSchedulerTests",
            dependencies: ["LinliScheduler"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliCLITests",
            dependencies: [
                "LinliAccounts", "LinliTestSupport", "LinliStorage", "LinliDomain", "LinliExport", "LinliImport",
                "LinliScheduler",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliAccountsTests",
            dependencies: ["LinliAccounts", "LinliDatabase", "LinliDomain", "LinliStorage", "LinliTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliJobsTests",
            dependencies: [
                "LinliJobs", "LinliStorage", "LinliTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliChannelsTests",
            dependencies: [
                "LinliChannels", "LinliSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliRosteringTests",
            dependencies: [
                "LinliRostering", "LinliReminders", "LinliJobs", "LinliScheduler", "LinliStorage", "LinliTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliRemindersTests",
            dependencies: [
                "LinliReminders", "LinliChannels", "LinliJobs", "LinliStorage", "LinliTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LinliAPITests",
            dependencies: [
                "LinliAPI", "LinliAccounts", "LinliChannels", "LinliJobs", "LinliReminders", "LinliRostering", "LinliWorker",
                "LinliTestSupport", "LinliWeb",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
    ]
)
