//! Invitations (SPEC §12.3, OCS `Identity_Invitation`): one per user, a single-use link whose code
//! is a bearer value (only its SHA-256 is kept), valid until `expires`. Accepting binds the user
//! (a password for the Local provider, the upstream subject for another) and records `accepted`.

use super::{InvitationId, TenantId, UserId};
use crate::clock::UnixTime;
use chrono::{DateTime, Months, Utc};

/// OCS `State`: None (the invitation exists, no e-mail was sent: Portcullis sends none).
pub const STATE_NONE: i32 = 0;
/// OCS `State`: InvitationAccepted.
pub const STATE_ACCEPTED: i32 = 2;

/// Default lifetime of an invitation: 21 days (OCS).
pub const DEFAULT_LIFETIME_SECONDS: i64 = 21 * 86_400;
/// Invitations are purged this long after they expired: two weeks (OCS).
pub const PURGE_AFTER_SECONDS: i64 = 14 * 86_400;
/// Random bytes of the code in the link (256 bits, SPEC §12.3).
pub const CODE_BYTES: usize = 32;

/// An invitation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub identity_provider_id: String,
    /// SHA-256 (base64url) of the link's code.
    pub code_hash: String,
    pub issued: UnixTime,
    pub expires: UnixTime,
    pub accepted: Option<UnixTime>,
    pub state: i32,
    pub created: UnixTime,
}

impl Invitation {
    /// Whether the link can still be used at `now`: not accepted, not expired.
    pub fn is_open(&self, now: UnixTime) -> bool {
        self.accepted.is_none() && now < self.expires
    }
}

/// The latest expiry allowed for an invitation issued at `now`: two calendar months ahead (OCS).
pub fn latest_expiry(now: UnixTime) -> UnixTime {
    DateTime::<Utc>::from_timestamp(now, 0)
        .and_then(|t| t.checked_add_months(Months::new(2)))
        .map_or(now + 61 * 86_400, |t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_months_are_calendar_months() {
        // 2026-12-31 + 2 months = 2027-02-28 (chrono clamps to the month's end).
        let dec31 = 1_798_675_200;
        assert_eq!(latest_expiry(dec31) - dec31, 59 * 86_400);
    }

    #[test]
    fn open_until_used_or_expired() {
        let mut i = Invitation {
            id: InvitationId::generate(),
            tenant_id: TenantId::generate(),
            user_id: UserId::generate(),
            identity_provider_id: String::new(),
            code_hash: String::new(),
            issued: 0,
            expires: 10,
            accepted: None,
            state: STATE_NONE,
            created: 0,
        };
        assert!(i.is_open(9));
        assert!(!i.is_open(10), "expired");
        i.accepted = Some(5);
        assert!(!i.is_open(6), "used");
    }
}
