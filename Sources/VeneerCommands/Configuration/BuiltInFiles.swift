/// The presets (`conf/presets/*.toml`) and schemas (`schemas/*.schema`) compiled into the
/// binary (Package.swift embeds them), so a configuration in any directory, `/etc/veneer`
/// included, finds them. A file of the same name next to the configuration wins over the
/// built-in copy (`presets/<name>.toml`, `schemas/<name>.schema`): operators can change a
/// preset without rebuilding, and the repository's `conf/` keeps using its own files.
enum BuiltInFiles {
    /// Preset name → the file's bytes. `SampleConfigurationTests` checks that every file in
    /// conf/presets is listed here and equal to its copy, so the table cannot fall behind.
    static let presets: [(name: String, bytes: [UInt8])] = [
        ("active-directory", PackageResources.active_directory_toml),
        ("openldap", PackageResources.openldap_toml),
        ("389ds", PackageResources._89ds_toml),
        ("freeipa", PackageResources.freeipa_toml),
        ("custom", PackageResources.custom_toml),
    ]

    /// Schema file name → its bytes (OpenLDAP `.schema` syntax), served in cn=Subschema.
    static let schemas: [(name: String, bytes: [UInt8])] = [
        ("h350-sipidentity.schema", PackageResources.h350_sipidentity_schema),
        ("ppolicy-state.schema", PackageResources.ppolicy_state_schema),
        ("standard.schema", PackageResources.standard_schema),
        ("veneer.schema", PackageResources.veneer_schema),
    ]

    static func preset(named name: String) -> String? {
        presets.first { $0.name == name }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }
}
