//! The discovery document. It advertises exactly what works today; each later feature adds its
//! own entries here together with its endpoint.

use serde_json::{json, Value};

/// Endpoint paths below the issuer.
pub const TOKEN_PATH: &str = "/connect/token";
pub const AUTHORIZE_PATH: &str = "/connect/authorize";
pub const JWKS_PATH: &str = "/.well-known/openid-configuration/jwks";

/// Builds the discovery document for `issuer`.
///
/// `authorization_endpoint` and `response_types_supported` are REQUIRED members of OIDC
/// discovery, so they are present; until browser sign-in lands, no response type is listed and the
/// only grant is `client_credentials`.
pub fn document(issuer: &str, api_scope: &str, access_token_algs: &[&str]) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "scopes_supported": [api_scope],
        "response_types_supported": [],
        "grant_types_supported": ["client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "access_token_signing_alg_values_supported": access_token_algs,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "tid", "scope", "role", "role_type"],
        "frontchannel_logout_supported": false,
    })
}
