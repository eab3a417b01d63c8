//! The discovery document (OIDC Discovery 1.0, RFC 8414). It advertises exactly what works today;
//! each later feature adds its own entries here together with its endpoint.

use serde_json::{json, Value};

/// Endpoint paths below the issuer.
pub const TOKEN_PATH: &str = "/connect/token";
pub const AUTHORIZE_PATH: &str = "/connect/authorize";
pub const END_SESSION_PATH: &str = "/connect/endsession";
pub const USERINFO_PATH: &str = "/connect/userinfo";
pub const REVOCATION_PATH: &str = "/connect/revocation";
pub const INTROSPECTION_PATH: &str = "/connect/introspect";
pub const JWKS_PATH: &str = "/.well-known/openid-configuration/jwks";

/// Builds the discovery document for `issuer`.
///
/// Browser sign-in is the authorization-code flow with PKCE `S256` (SPEC §4.3) and, for hybrid
/// clients, the hybrid response types (SPEC §4.4); refresh tokens are not listed until they work.
pub fn document(issuer: &str, api_scope: &str, access_token_algs: &[&str]) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "end_session_endpoint": format!("{issuer}{END_SESSION_PATH}"),
        "userinfo_endpoint": format!("{issuer}{USERINFO_PATH}"),
        "revocation_endpoint": format!("{issuer}{REVOCATION_PATH}"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint": format!("{issuer}{INTROSPECTION_PATH}"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile", "email", "offline_access", api_scope],
        "response_types_supported": ["code", "code id_token", "code token", "code id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "access_token_signing_alg_values_supported": access_token_algs,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "sid", "azp", "at_hash", "c_hash", "s_hash", "name", "given_name", "family_name", "email", "email_verified", "client_id", "tid", "scope", "role", "role_type"],
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        // OIDC Discovery §3 defaults, stated: `request_uri_parameter_supported` defaults to true,
        // which would be false advertising; request objects and the claims parameter are refused.
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    })
}
