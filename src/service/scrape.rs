//! What `/metrics` reports about state rather than events (SPEC §13.1): the database pool, the
//! signing keys and the next rotation, and the client secrets expiring soon. Read when scraped;
//! the expiring secrets (a scan of the secrets table) are counted again at most once every
//! [`SECRETS_RECOUNT_SECS`](crate::metrics::SECRETS_RECOUNT_SECS), so a scrape costs no more than reading a few numbers.

use super::{Context, ServiceResult};
use crate::clock::UnixTime;
use crate::crypto::keys::{KeyInfo, KeyState};
use crate::metrics::{KeyCounts, SECRETS_EXPIRING_WITHIN_SECS};
use crate::store;

/// Sets the state gauges of `ctx.metrics` for a scrape at the current time. A database that does
/// not answer leaves the last count of expiring secrets in place (and is logged): a scrape during
/// an outage still reports the pool and everything else.
pub fn refresh_gauges(ctx: &Context) {
    let now = ctx.now();
    let m = &ctx.metrics;
    let pool = ctx.store.pool_state();
    m.set_pool(pool.in_use, pool.idle);
    let infos = ctx.keys.infos(now);
    m.set_keys(key_counts(&infos), ctx.keys.next_rotation_in(now));
    if m.claim_secrets_recount(now) {
        match count_expiring_secrets(ctx, now) {
            Ok(per_tenant) => m.set_secrets_expiring(&per_tenant),
            Err(e) => tracing::warn!(error = %e, "counting expiring client secrets failed"),
        }
    }
}

fn count_expiring_secrets(ctx: &Context, now: UnixTime) -> ServiceResult<Vec<(String, i64)>> {
    let counts = ctx.store.read(|conn| {
        store::client_secrets::expiring_per_tenant(conn, now, now + SECRETS_EXPIRING_WITHIN_SECS)
    })?;
    Ok(counts
        .into_iter()
        .map(|(tenant, n)| (tenant.as_str().to_owned(), n))
        .collect())
}

fn key_counts(infos: &[KeyInfo]) -> KeyCounts {
    let count = |state| infos.iter().filter(|k| k.state == state).count() as i64;
    KeyCounts {
        next: count(KeyState::Next),
        active: count(KeyState::Active),
        retired: count(KeyState::Retired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::SigningAlg;

    fn key(state: KeyState, created_at: UnixTime, activates_at: UnixTime) -> KeyInfo {
        KeyInfo {
            kid: format!("k{created_at}"),
            alg: SigningAlg::RS256,
            state,
            created_at,
            activates_at,
            retired_at: None,
        }
    }

    #[test]
    fn keys_are_counted_by_state() {
        let day = 86_400;
        let infos = [
            key(KeyState::Retired, 0, 0),
            key(KeyState::Active, 50 * day, 60 * day),
            key(KeyState::Active, 70 * day, 70 * day),
            key(KeyState::Next, 99 * day, 101 * day),
        ];
        assert_eq!(
            key_counts(&infos),
            KeyCounts {
                next: 1,
                active: 2,
                retired: 1
            }
        );
    }
}
