//! Users of a tenant. Local accounts carry an argon2id password hash and use the local identity
//! provider id; e-mail addresses are unique per tenant, compared case-insensitively.

use super::{RoleId, TenantId, UserId};
use crate::clock::UnixTime;

/// The identity provider id of local (password) accounts.
pub const LOCAL_IDENTITY_PROVIDER_ID: &str = "00000000-0000-0000-0000-00000000000a";

/// Minimum length of a local account password (SPEC §3.6).
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// A user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub name: Option<String>,
    pub email: String,
    pub contact_email: Option<String>,
    pub contact_given_name: Option<String>,
    pub contact_surname: Option<String>,
    pub external_user_id: Option<String>,
    pub identity_provider_id: String,
    pub role_ids: Vec<RoleId>,
    pub created: UnixTime,
    pub last_updated: UnixTime,
}
