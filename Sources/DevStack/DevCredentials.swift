/// The one account the auth stand-in knows (SPEC §13); printed by the dev quickstart.
public enum DevCredentials {
    public static let email = "admin@aegis.local"
    public static let password = "aegis-dev-admin"
    /// Every role a route can ask for, so the dev user can try each route.
    public static let roles = ["admin", "operator", "reviewer"]
    /// The `user_id` claim of tokens minted for the dev account.
    public static let userID = "dev-admin"
    /// Lifetime of minted tokens: 24 hours, like tokens from `aegis-gateway token`.
    public static let tokenLifetimeSeconds: Int64 = 86_400
}
