//! Refresh tokens (SPEC §4.4): opaque, stored hashed, organised in families that rotate on
//! every use.

use super::{ClientId, Scope, UserId};
use crate::clock::UnixTime;

/// A re-presented rotated token within this many seconds gets the same successor pair back.
pub const RETRY_GRACE_SECONDS: i64 = 10;

/// One member of a refresh-token family, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: String,
    pub client_id: ClientId,
    pub user_id: UserId,
    /// The scope granted to the family (a refresh may narrow the access token, never this).
    pub scope: Scope,
    pub sid: String,
    pub auth_time: UnixTime,
    pub created: UnixTime,
    /// Absolute end of the whole family.
    pub family_expires_at: UnixTime,
    pub rotated_at: Option<UnixTime>,
    /// The response given at rotation, sealed with a key derived from this member's value.
    pub successor_response: Option<String>,
    pub revoked_at: Option<UnixTime>,
}
