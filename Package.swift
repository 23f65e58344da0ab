// swift-tools-version: 6.1
// Veneer: an LDAP virtual directory. Targets follow ../shared/DESIGN.md; each folder under
// Sources/ is one module with one purpose.
import PackageDescription

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
// The metrics API (counters, timers, gauges); the backend is chosen by `veneer serve`.
let metrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")

let package = Package(
    name: "Veneer",
    products: [
        .executable(name: "veneer", targets: ["veneer"]),
        .library(name: "LDAPCore", targets: ["LDAPCore"]),
        .library(name: "LDAPNIO", targets: ["LDAPNIO"]),
        .library(name: "LDAPClient", targets: ["LDAPClient"]),
        .library(name: "LDAPServer", targets: ["LDAPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.5.2"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The metrics and health endpoint's HTTP server; no swift-configuration support needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // `veneer serve` as a group of services with graceful shutdown (also Hummingbird's).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Pure LDAPv3 codec: BER, every RFC 4511 PDU, controls, filters, DNs. No sockets.
        .target(name: "LDAPCore", dependencies: [nioCore]),
        // Framing of BER PDUs on a NIO channel (size limit enforced before buffering).
        .target(name: "LDAPNIO", dependencies: ["LDAPCore", nioCore]),
        // Upstream connections: multiplexed by message ID, pooled, TLS, failover, paging.
        .target(
            name: "LDAPClient",
            dependencies: [
                "LDAPCore", "LDAPNIO", nioCore, nioPosix, nioSSL, logging, metrics,
                // TLSUserEvent: the handshake-completed signal (LDAPS and StartTLS).
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // Listeners and per-connection sessions; the RequestHandler seam to the engine.
        .target(name: "LDAPServer", dependencies: ["LDAPCore", "LDAPNIO", nioCore, nioPosix, nioSSL, logging]),
        // The HTTP endpoint for operators: Prometheus metrics, liveness and readiness.
        .target(
            name: "VeneerMetrics",
            dependencies: [
                logging, metrics,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The local store: overlay attributes, registry entries, secrets, audit (SQLite via GRDB).
        .target(
            name: "VeneerStore",
            dependencies: [
                "LDAPCore", logging, metrics,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Directory views, mapping, search planning, bind policy. No NIO channel types.
        .target(name: "VeneerEngine", dependencies: ["LDAPCore", "LDAPClient", "LDAPServer", "VeneerStore", logging, metrics]),
        // `veneer bench`: a closed-loop LDAP load generator (searchrate/authrate style).
        .target(name: "VeneerBench", dependencies: ["LDAPCore", "LDAPNIO", nioCore, nioPosix]),
        // CLI subcommands, configuration loading, service wiring.
        .target(
            name: "VeneerCommands",
            dependencies: [
                "LDAPCore", "LDAPClient", "LDAPServer", "VeneerEngine", "VeneerStore", "VeneerBench", "VeneerMetrics", "CResolv", nioCore, nioPosix, nioSSL,
                logging, metrics,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The shipped presets and schemas, compiled in (`PackageResources`, see
            // BuiltInFiles.swift) so an installed binary needs no files beside its
            // configuration. BuiltIn/ holds symbolic links to conf/presets and schemas/:
            // resources must lie inside the target, the files stay where operators look.
            exclude: ["BuiltIn/schemas/README.md", "BuiltIn/schemas/veneer.ldif", "BuiltIn/schemas/h350-sipidentity.ldif"],
            resources: [.embedInCode("BuiltIn/presets"), .embedInCode("BuiltIn/schemas")]
        ),
        // The `veneer` command.
        .executableTarget(name: "veneer", dependencies: ["VeneerCommands"]),
        // libFuzzer entry point (built with -DFUZZING, see README) and corpus replayer otherwise.
        .executableTarget(
            name: "LDAPFuzz",
            dependencies: ["LDAPCore", "LDAPNIO", nioCore],
            exclude: ["corpus"]
        ),
        // The system stub resolver (res_query) for DNS SRV discovery of upstream servers.
        .systemLibrary(name: "CResolv"),
        // OpenLDAP's libldap/liblber, the reference implementation; used only by tests. No
        // pkgConfig/providers: SwiftPM would look for libldap2-dev (and warn when it is
        // missing) on every build, `swift run veneer` included, though the product never
        // links it; module.modulemap links "ldap" and "lber", and Tests/Scripts/run-tests.sh
        // installs libldap2-dev for the tests.
        .systemLibrary(name: "CLDAP"),
        // Real servers for tests: a private slapd, a Samba AD domain controller, process helpers.
        .target(
            name: "VeneerTestSupport",
            dependencies: ["LDAPCore", "LDAPNIO", logging, nioCore, nioPosix],
            path: "Tests/VeneerTestSupport"
        ),
        .testTarget(
            name: "LDAPCoreTests",
            dependencies: [
                "LDAPCore", "CLDAP", nioCore,
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures/CAPTURED.md", "Fixtures/fuzz-crashers"]
        ),
        .testTarget(
            name: "LDAPNIOTests",
            dependencies: [
                "LDAPNIO", "LDAPCore", nioCore,
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LDAPClientTests",
            dependencies: [
                "LDAPClient", "LDAPCore", "LDAPNIO", "VeneerTestSupport", nioCore, nioPosix, nioSSL,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LDAPServerTests",
            dependencies: [
                "LDAPServer", "LDAPCore", "LDAPNIO", "VeneerTestSupport", nioCore, nioPosix, nioSSL,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "VeneerStoreTests", dependencies: ["VeneerStore", "LDAPCore", "VeneerTestSupport", logging]),
        .testTarget(name: "VeneerEngineTests", dependencies: ["VeneerEngine", "VeneerStore", "LDAPCore", "VeneerTestSupport"]),
        // Configuration, presets, the serve/cert commands (the built `veneer` binary, real clients).
        .testTarget(
            name: "VeneerCommandsTests",
            dependencies: [
                "VeneerCommands", "VeneerEngine", "VeneerStore", "VeneerBench", "VeneerMetrics", "LDAPServer", "LDAPCore", "VeneerTestSupport", nioCore,
                nioPosix, logging,
            ]
        ),
        // End to end: the veneer binary's pieces against real slapd/Samba with real clients.
        .testTarget(
            name: "VeneerIntegrationTests",
            dependencies: ["VeneerCommands", "VeneerEngine", "VeneerStore", "LDAPClient", "LDAPServer", "LDAPCore", "CLDAP", "VeneerTestSupport", nioPosix]
        ),
    ]
)
