/// The codec's version, printed by `veneer --version` until the server arrives.
public enum LDAPCoreVersion {
    public static let string = "0.1.0"
}
