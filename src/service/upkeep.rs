//! Clean-up of expired grant artefacts (codes, sessions, revoked-token entries, throttle rows,
//! invitations two weeks past expiry) and of audit events past their retention, in small batches,
//! so no lock is held long enough to stall the token endpoint (SPEC §9).

use super::{Context, ServiceResult};
use crate::store;

/// Rows deleted per table per round.
pub const PURGE_BATCH: i64 = 500;

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
