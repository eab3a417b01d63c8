//! Login sessions behind an opaque `HttpOnly` cookie: the cookie value is 256 random bits, the
//! database keeps only its SHA-256, and the session id in tokens (`sid`) is a separate random value.

use super::{Context, ServiceResult};
use crate::clock::UnixTime;
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::{Session, TenantId, UserId};
use crate::store::{self, DbConn};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "portcullis.session";

/// The live session behind a cookie value (idle and absolute lifetimes checked), if any.
pub fn live_session(
    ctx: &Context,
    conn: &mut DbConn,
    cookie: Option<&str>,
    now: UnixTime,
) -> ServiceResult<Option<Session>> {
    let Some(cookie) = cookie.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let hash = sha256_b64url(cookie);
    match store::grants::get_session(conn, &hash)? {
        Some(s) if s.is_alive(now, ctx.config.session_idle) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// Starts a session; returns it and the cookie value. Any previous session of this browser ends
/// (the id is rotated at every login).
pub fn start_session(
    ctx: &Context,
    conn: &mut DbConn,
    old_cookie: Option<&str>,
    tenant: &TenantId,
    user: &UserId,
    now: UnixTime,
) -> ServiceResult<(Session, String)> {
    if let Some(old) = old_cookie.filter(|c| !c.is_empty()) {
        store::grants::delete_session(conn, &sha256_b64url(old))?;
    }
    let cookie = random_token(32)?;
    let session = Session {
        id_hash: sha256_b64url(&cookie),
        sid: random_token(16)?,
        tenant_id: tenant.clone(),
        user_id: user.clone(),
        auth_time: now,
        last_seen: now,
        expires_at: now + ctx.config.session_max,
    };
    store::grants::insert_session(conn, &session)?;
    Ok((session, cookie))
}

/// Ends the session behind a cookie value.
pub fn end_session(conn: &mut DbConn, cookie: Option<&str>) -> ServiceResult<()> {
    if let Some(c) = cookie.filter(|c| !c.is_empty()) {
        store::grants::delete_session(conn, &sha256_b64url(c))?;
    }
    Ok(())
}
