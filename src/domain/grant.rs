//! Grant artefacts: login sessions, authorization codes and remembered consents. Bearer values
//! (session cookie, code) exist only in the user's hands; storage keeps their SHA-256.

use super::{ClientId, Scope, TenantId, UserId};
use crate::clock::UnixTime;

/// A login session behind the session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    /// The public session id carried in tokens (`sid`); unrelated to the cookie value.
    pub sid: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub auth_time: UnixTime,
    pub last_seen: UnixTime,
    /// Absolute end of the session.
    pub expires_at: UnixTime,
}

impl Session {
    /// Alive at `now` under the idle lifetime `idle` and its absolute end.
    pub fn is_alive(&self, now: UnixTime, idle: i64) -> bool {
        now < self.expires_at && now < self.last_seen + idle
    }
}

/// An authorization code as stored (SPEC §4.3: single use, 60 s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub redirect_uri: String,
    pub scope: Scope,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub sid: String,
    pub auth_time: UnixTime,
    pub expires_at: UnixTime,
    pub redeemed_at: Option<UnixTime>,
    /// The access token issued from this code at the token endpoint, so a replay can revoke it.
    pub access_token_jti: Option<String>,
    pub access_token_exp: Option<UnixTime>,
    /// The access token of a `code token` authorization response, issued with the code.
    pub front_channel_jti: Option<String>,
    pub front_channel_exp: Option<UnixTime>,
    /// The refresh-token family started by redeeming this code.
    pub refresh_family_id: Option<String>,
}

/// Lifetime of authorization codes, seconds.
pub const CODE_LIFETIME: i64 = 60;
