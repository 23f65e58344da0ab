// swift-tools-version: 6.1
// Veneer: an LDAP virtual directory. Targets follow ../shared/DESIGN.md; each folder under
// Sources/ is one module with one purpose.
import PackageDescription

let package = Package(
    name: "Veneer",
    products: [
        .executable(name: "veneer", targets: ["veneer"]),
        .library(name: "LDAPCore", targets: ["LDAPCore"]),
        .library(name: "LDAPNIO", targets: ["LDAPNIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure LDAPv3 codec: BER, every RFC 4511 PDU, controls, filters, DNs. No sockets.
        .target(
            name: "LDAPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // Framing of BER PDUs on a NIO channel (size limit enforced before buffering).
        .target(
            name: "LDAPNIO",
            dependencies: ["LDAPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The `veneer` command.
        .executableTarget(
            name: "veneer",
            dependencies: [
                "LDAPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer entry point (built with -DFUZZING, see README) and corpus replayer otherwise.
        .executableTarget(
            name: "LDAPFuzz",
            dependencies: ["LDAPCore", "LDAPNIO", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["corpus"]
        ),
        // OpenLDAP's libldap/liblber, the reference implementation; used only by tests.
        .systemLibrary(
            name: "CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap2-dev"])]
        ),
        .testTarget(
            name: "LDAPCoreTests",
            dependencies: [
                "LDAPCore",
                "CLDAP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures/CAPTURED.md", "Fixtures/fuzz-crashers"]
        ),
        .testTarget(
            name: "LDAPNIOTests",
            dependencies: [
                "LDAPNIO",
                "LDAPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
    ]
)
