// What the administrative commands (user, alias, digest, import, export) share: opening the
// configured store and directory view, who is acting, and how refusals are reported.
import ArgumentParser
import Foundation
import LDAPClient
import LDAPCore
import Logging
import NIOPosix
import VeneerEngine
import VeneerStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The configured directory view and store, opened for one command.
struct AdministrationContext {
    let configuration: VeneerConfiguration
    let store: VeneerStore
    let directory: any DirectoryAdministration
    /// Set in registry mode (no [upstream]).
    let registry: RegistryDirectory?
    /// "cli:<login name>", on every change's audit row.
    let audit: AuditContext
    private let upstream: LDAPUpstream?

    /// Loads the configuration (exit 78 when invalid), opens the store and builds the view
    /// `veneer serve` would (the proxy's upstream connections are opened lazily).
    static func open(_ option: ConfigurationOption) async throws -> AdministrationContext {
        let configuration = try option.load()
        // The CLI's own output is the point; only problems are logged.
        LogOutput.bootstrap(format: configuration.log.format, level: .warning)
        let logger = Logger(label: "veneer")
        let store: VeneerStore
        do {
            store = try configuration.openStore(logger: logger)
        } catch {
            printError("veneer: cannot open the local store: \(error)")
            throw ExitCode(74)
        }
        let overlay = LocalOverlay(store: store, configuration: configuration.overlay, logger: logger)
        let audit = AuditContext(actor: "cli:\(loginName())")
        // The schema only matters to a serving process: its problems are `check`'s and `serve`'s to report.
        let schema = (try? configuration.servedSchema().definitions) ?? SubschemaDefinitions()
        guard let upstreamConfiguration = configuration.upstream, let proxy = configuration.proxyConfiguration else {
            let suffix = configuration.directory.suffix ?? .root
            let registry = RegistryDirectory(
                suffix: suffix, overlay: overlay, allowAnonymous: configuration.directory.allowAnonymous,
                rootDSE: RootDSE(namingContexts: [suffix.description], startTLSAvailable: false, vendorVersion: LDAPCoreVersion.string, schema: schema),
                logger: logger)
            return AdministrationContext(
                configuration: configuration, store: store, directory: registry, registry: registry, audit: audit, upstream: nil)
        }
        let settings: UpstreamSettings
        do {
            settings = try await upstreamConfiguration.settings()
        } catch {
            printError("veneer: cannot find the upstream servers: \(error)")
            throw ExitCode(69)
        }
        let upstream = LDAPUpstream(configuration: settings.clientConfiguration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let rootDSE = RootDSE(namingContexts: [proxy.virtualSuffix.description], startTLSAvailable: false, vendorVersion: LDAPCoreVersion.string, schema: schema)
        let view = ProxyDirectory(configuration: proxy, upstream: upstream, rootDSE: rootDSE, overlay: overlay, logger: logger)
        guard let directory = view.administration() else {
            await upstream.shutdown()
            throw ExitCode.failure
        }
        return AdministrationContext(configuration: configuration, store: store, directory: directory, registry: nil, audit: audit, upstream: upstream)
    }

    /// Closes the upstream connections.
    func close() async {
        await upstream?.shutdown()
    }

    /// Runs `body` with the context, closing it afterwards; administration errors are
    /// printed and become the exit status.
    static func run(_ option: ConfigurationOption, _ body: (AdministrationContext) async throws -> Void) async throws {
        let context = try await open(option)
        do {
            try await body(context)
            await context.close()
        } catch let error as AdministrationError {
            await context.close()
            throw fail(error)
        } catch {
            await context.close()
            throw error
        }
    }

    /// The registry, or a refusal naming why the command needs registry mode.
    func requireRegistry(for command: String) throws -> RegistryDirectory {
        guard let registry else {
            printError(
                "veneer: \(command) works on the local registry, which is served only without an [upstream] section; \(configuration.sourceFile) fronts an upstream directory, whose entries are managed there")
            throw ExitCode.failure
        }
        return registry
    }
}

/// Prints the refusal and returns the exit status: 1 refused, not found or ambiguous; 69
/// upstream unavailable; 74 store error.
func fail(_ error: AdministrationError) -> ExitCode {
    printError("veneer: \(error.message)")
    switch error.kind {
    case .notFound, .ambiguous, .refused: return ExitCode.failure
    case .unavailable: return ExitCode(69)
    case .storage: return ExitCode(74)
    }
}

/// The operator's login name: the session's (so `sudo veneer …` names the person), else the
/// real user's, else the uid.
func loginName() -> String {
    if let name = getlogin(), name.pointee != 0 { return String(cString: name) }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return "uid\(getuid())"
}

func printOutput(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    FileHandle.standardOutput.write(Data(line.utf8))
}

extension AdminEntry {
    /// The login name column: uid (sAMAccountName through the AD preset), else "-".
    var loginName: String { firstValue(of: "uid") ?? "-" }
}
