/// Veneer's version, printed by `veneer version` and `veneer --version`.
public enum LDAPCoreVersion {
    public static let string = "0.1.0"
}
