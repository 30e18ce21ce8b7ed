/// The header and claim rules of SPEC §6, applied to parsed JSON.
struct JWTClaimRules: Sendable {
    let issuer: String?
    let leewaySeconds: Double

    static let maxUserIDScalars = 256
    static let maxRoleLength = 64

    /// `alg` must be exactly `HS256`; `crit` is refused because no extension
    /// is understood. `typ`, `kid`, `jku`, `jwk`, `x5u` are ignored: the key
    /// is always JWT_SECRET, never one the token names.
    func checkHeader(_ header: [JSONMember]) -> AuthFailure? {
        guard case .string("HS256")? = Self.value(header, "alg") else { return .algorithm }
        if Self.value(header, "crit") != nil { return .claims }
        return nil
    }

    /// The claims of a payload whose signature has matched.
    ///
    /// A time claim that is present but not a number (`"exp": "soon"`) is a
    /// `claims` failure, not `expired`: it is a broken issuer, not an old token.
    func claims(from payload: [JSONMember], now: Double) -> Result<Claims, AuthFailure> {
        let expiry: Double
        switch Self.value(payload, "exp") {
        case nil: return .failure(.expired)
        case .number(let exp)?: expiry = exp
        case _?: return .failure(.claims)
        }
        guard expiry > now - leewaySeconds else { return .failure(.expired) }

        for name: StaticString in ["nbf", "iat"] {
            switch Self.value(payload, name) {
            case nil: continue
            case .number(let instant)?:
                guard instant <= now + leewaySeconds else { return .failure(.notYetValid) }
            case _?: return .failure(.claims)
            }
        }

        if let issuer {
            // Byte equality: String `==` would also match a differently
            // normalised spelling.
            guard case .string(let iss)? = Self.value(payload, "iss"),
                iss.utf8.elementsEqual(issuer.utf8)
            else { return .failure(.issuer) }
        }

        guard case .string(let userID)? = Self.value(payload, "user_id"), Self.isValidUserID(userID) else {
            return .failure(.claims)
        }

        var roles: [String] = []
        switch Self.value(payload, "roles") {
        case nil: break
        case .array(let elements)?:
            roles.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let role) = element, Self.isValidRole(role) else { return .failure(.claims) }
                roles.append(role)
            }
        case _?: return .failure(.claims)
        }

        return .success(Claims(userID: userID, roles: roles, expiresAt: expiry + leewaySeconds))
    }

    /// 1–256 Unicode scalars, none a C0 or C1 control or DEL.
    static func isValidUserID(_ userID: String) -> Bool {
        var count = 0
        for scalar in userID.unicodeScalars {
            count += 1
            let value = scalar.value
            guard count <= maxUserIDScalars, value >= 0x20, !(0x7F...0x9F).contains(value) else { return false }
        }
        return count >= 1
    }

    /// 1–64 characters of `[A-Za-z0-9._:-]`, so a role can never split or
    /// break the X-User-Roles header.
    static func isValidRole(_ role: String) -> Bool {
        let utf8 = role.utf8
        guard !utf8.isEmpty, utf8.count <= maxRoleLength else { return false }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }

    static func value(_ members: [JSONMember], _ key: StaticString) -> JSONValue? {
        JSONValue.object(members)[key]
    }
}
