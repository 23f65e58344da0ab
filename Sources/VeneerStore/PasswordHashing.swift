/// The registry's password hashing (PBKDF2-SHA256, passlib format), for credentials kept in
/// the configuration rather than the store (the superadmin's).
public enum PasswordHashing {
    /// A new hash of `password`; throws for passwords over 4 KiB.
    public static func hash(_ password: String, iterations: Int = 600_000) throws(StoreError) -> String {
        try PasswordHash.make(password: password, iterations: iterations)
    }

    /// Whether `password` matches; a malformed hash never matches.
    public static func verify(_ password: String, against hash: String) -> Bool {
        PasswordHash.verify(password: password, against: hash)
    }

    /// Whether the text is a hash `verify` understands (for configuration checks).
    public static func isWellFormed(_ hash: String) -> Bool {
        PasswordHash.parse(hash) != nil
    }
}
