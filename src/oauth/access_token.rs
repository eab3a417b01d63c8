//! Claims of the JWT access tokens of RFC 9068 (SPEC §6.1). Client-credentials tokens have the
//! client as subject; user tokens add `auth_time`, `sid` and `idp`.

use crate::domain::Scope;
use serde::{Deserialize, Serialize};

/// The JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Access-token claims as issued and as read back by the management API.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub client_id: String,
    pub tid: String,
    pub scope: Scope,
    /// Role Ids held.
    pub role: Vec<String>,
    /// RoleTypeIds of the built-in roles held.
    pub role_type: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// How an upstream identity provider authenticated the user, as it said (SPEC §12.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

impl AccessTokenClaims {
    /// Whether the token was issued to a signed-in user (rather than a client on its own behalf).
    pub fn is_user_token(&self) -> bool {
        self.idp.is_some()
    }
}
