//! Clean-up of expired grant artefacts (codes, sessions, revoked-token entries, throttle rows,
//! invitations two weeks past expiry) and of audit events past their retention, in small batches,
//! so no lock is held long enough to stall the token endpoint (SPEC §9).

use super::{Context, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::store;

/// Rows deleted per table per round.
pub const PURGE_BATCH: i64 = 500;

/// The server's key upkeep: purges keys retired long enough ago (when `purge`), starts an
/// automatic rotation if one is due, re-reads the key set; each key added or removed is a
/// server-wide audit event (actor `server`, no tenant).
pub fn key_upkeep(ctx: &Context, purge: bool) -> ServiceResult<()> {
    let now = ctx.now();
    // Each change is recorded as soon as it is made, so a failure later in the round loses none.
    if purge {
        let purged = ctx.keys.purge(now)?;
        record_key_events(ctx, AuditAction::KeyPurged, &purged, now)?;
    }
    let added: Vec<String> = ctx
        .keys
        .refresh_reporting(now)?
        .into_iter()
        .map(|k| k.kid)
        .collect();
    record_key_events(ctx, AuditAction::KeyRotated, &added, now)
}

fn record_key_events(
    ctx: &Context,
    action: AuditAction,
    kids: &[String],
    now: i64,
) -> ServiceResult<()> {
    if kids.is_empty() {
        return Ok(());
    }
    ctx.store.write(|conn| -> ServiceResult<()> {
        for kid in kids {
            store::audit::record(conn, &AuditEvent::server(action, kid, now))?;
        }
        Ok(())
    })
}

/// One round of clean-up; returns how many rows went.
pub fn purge_expired(ctx: &Context) -> ServiceResult<usize> {
    let now = ctx.now();
    ctx.store.write(|conn| -> ServiceResult<usize> {
        let grants = store::grants::purge_expired(conn, now, PURGE_BATCH)?;
        let refresh = store::refresh::purge(
            conn,
            now,
            crate::domain::refresh::RETRY_GRACE_SECONDS,
            PURGE_BATCH,
        )?;
        // SPEC §12.3: invitations go two weeks after they expired.
        let invitations = store::invitations::purge(
            conn,
            now - crate::domain::invitation::PURGE_AFTER_SECONDS,
            PURGE_BATCH,
        )?;
        let audit = store::audit::purge(conn, super::audit::retained_since(ctx), PURGE_BATCH)?;
        let federation = store::identity_providers::purge_pending(conn, now, PURGE_BATCH)?;
        Ok(grants + refresh + invitations + audit + federation)
    })
}
