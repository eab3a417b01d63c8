//! Checking an e-mail and password at a sign-in page (the identity login and the portal; SPEC §5,
//! §8): throttling first, counted atomically, then the argon2id check on the bounded password
//! threads, then a rotated session.
//!
//! Throttle keys: the client address, and the (account, address) pair, each with an exponential
//! back-off after [`FREE_FAILURES`] attempts — they lock out an address, never an account; and
//! the account across all addresses, with a higher limit ([`FREE_ACCOUNT_FAILURES`]) beyond which
//! every refusal is answered slowly ([`PasswordCheck::Refused::slow_down`]) but nobody is locked
//! out, so no one can keep a known administrator out from one address.

use super::sessions::start_session;
use super::{Context, ServiceResult};
use crate::clock::UnixTime;
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome, ANONYMOUS_ACTOR};
use crate::domain::TenantId;
use crate::metrics::{SignInOutcome, Throttle, LOCAL_PROVIDER};
use crate::store;

/// Attempts per address, and per (account, address), before back-off starts (SPEC §8).
const FREE_FAILURES: i64 = 5;
/// Failed attempts on one account, from all addresses, before its refusals are slowed.
pub const FREE_ACCOUNT_FAILURES: i64 = 20;
/// Longest back-off, seconds; a key idle this long also starts counting afresh.
const MAX_BACKOFF: i64 = 900;
/// The one message for a wrong e-mail or password.
pub const INVALID_LOGIN: &str = "Invalid email or password.";

/// What a password check at a sign-in page came to.
#[derive(Debug)]
pub(crate) enum PasswordCheck {
    /// The password was right: a new session was started (any old one ended); set this cookie.
    SignedIn { cookie: String },
    /// Wrong e-mail or password, or throttled: show the page again with this message;
    /// `slow_down`: the account is under attack, answer only after a pause.
    Refused { message: String, slow_down: bool },
}

/// The throttle keys of one attempt, in the order they are counted.
struct Keys {
    /// The client address: locks the address.
    address: String,
    /// The account at this address: locks the pair.
    account_at_address: String,
    /// The account from anywhere: slows, never locks.
    account: String,
}

impl Keys {
    fn new(tenant: &TenantId, email: &str, ip: &str) -> Keys {
        let account = format!("acct:{tenant}:{}", email.trim().to_lowercase());
        Keys {
            address: format!("ip:{ip}"),
            account_at_address: format!("{account}@{ip}"),
            account,
        }
    }
}

fn backoff(attempts: i64) -> i64 {
    if attempts < FREE_FAILURES {
        0
    } else {
        (1_i64 << (attempts - FREE_FAILURES).min(10)).min(MAX_BACKOFF)
    }
}

/// The outcome of counting an attempt, before any password work.
enum Admission {
    /// Go on and check the password; `slow_down` when the account is over its limit.
    Check { slow_down: bool },
    /// Refused without checking: the address (or the pair) is backing off for this long.
    Wait { seconds: i64 },
}

/// Counts the attempt against every key in ONE transaction, before the password is checked, so
/// N parallel guesses count as N. CAUTION: each count is an atomic upsert that keeps the row
/// locked (PostgreSQL) or the database write-locked (SQLite) until commit, so reading and setting
/// `blocked_until` after it cannot interleave with another attempt on the same key. A refused
/// attempt records `throttled` in the same transaction.
fn admit(
    ctx: &Context,
    keys: &Keys,
    throttled: &AuditEvent,
    now: UnixTime,
) -> ServiceResult<Admission> {
    ctx.store.write(|conn| {
        let mut wait = 0;
        for key in [&keys.address, &keys.account_at_address] {
            let (attempts, blocked_until) =
                store::grants::count_attempt(conn, key, now, MAX_BACKOFF)?;
            if blocked_until > now {
                wait = wait.max(blocked_until - now);
            } else if backoff(attempts) > 0 {
                // Set before the check, so a parallel attempt on this key is refused at once.
                store::grants::block_until(conn, key, now + backoff(attempts))?;
            }
        }
        let (account_attempts, _) =
            store::grants::count_attempt(conn, &keys.account, now, MAX_BACKOFF)?;
        Ok(if wait > 0 {
            store::audit::record(conn, throttled)?;
            Admission::Wait { seconds: wait }
        } else {
            Admission::Check {
                slow_down: account_attempts > FREE_ACCOUNT_FAILURES,
            }
        })
    })
}

/// Throttles, checks the password (a dummy verification when the account is unknown, so timing
/// reveals nothing) and on success starts a rotated session.
pub(crate) fn check_password(
    ctx: &Context,
    tenant: &TenantId,
    username: &str,
    password: &str,
    origin: &Origin,
    old_cookie: Option<&str>,
) -> ServiceResult<PasswordCheck> {
    let now = ctx.now();
    let keys = Keys::new(
        tenant,
        username,
        origin.client_address.as_deref().unwrap_or(""),
    );
    // CAUTION: the typed e-mail never goes into an event (people type passwords there).
    let event = |actor: &str, action, outcome| {
        AuditEvent::security(tenant, actor, action, outcome, origin, now)
    };
    let throttled = event(
        ANONYMOUS_ACTOR,
        AuditAction::SigninThrottled,
        Outcome::Failure,
    );
    let slow_down = match admit(ctx, &keys, &throttled, now)? {
        // A throttled attempt costs no argon2: the answer says only when to try again.
        Admission::Wait { seconds } => {
            ctx.metrics.throttled(Throttle::Backoff);
            ctx.metrics
                .sign_in(LOCAL_PROVIDER, SignInOutcome::Throttled);
            return Ok(PasswordCheck::Refused {
                message: match seconds {
                    1 => "Too many failed attempts. Try again in 1 second.".to_owned(),
                    wait => format!("Too many failed attempts. Try again in {wait} seconds."),
                },
                slow_down: false,
            });
        }
        Admission::Check { slow_down } => slow_down,
    };
    let found = ctx
        .store
        .read(|conn| store::users::find_by_email(conn, tenant, username.trim()))?;
    let user = match &found {
        Some((user, Some(hash))) => ctx.passwords.verify(password, hash)?.then_some(user),
        _ => {
            ctx.passwords.verify_nothing(password)?;
            None
        }
    };
    let Some(user) = user else {
        let failed = match &found {
            Some((known, _)) => event(
                known.id.as_str(),
                AuditAction::SigninFailed,
                Outcome::Failure,
            )
            .on(known.id.as_str()),
            None => event(ANONYMOUS_ACTOR, AuditAction::SigninFailed, Outcome::Failure),
        };
        ctx.store
            .write(|conn| store::audit::record(conn, &failed))?;
        if slow_down {
            ctx.metrics.throttled(Throttle::SlowDown);
        }
        ctx.metrics.sign_in(LOCAL_PROVIDER, SignInOutcome::Failure);
        return Ok(PasswordCheck::Refused {
            message: INVALID_LOGIN.to_owned(),
            slow_down,
        });
    };
    let signed_in = ctx.store.write(|conn| -> ServiceResult<PasswordCheck> {
        // The attempt was no failure: the account and the pair start afresh; the address keeps
        // its count less this attempt, so one good account cannot reset an address's guesses.
        store::grants::clear_throttle(conn, &keys.account)?;
        store::grants::clear_throttle(conn, &keys.account_at_address)?;
        store::grants::forgive_attempt(conn, &keys.address)?;
        let (_, cookie) = start_session(ctx, conn, old_cookie, tenant, &user.id, now)?;
        let id = user.id.as_str();
        store::audit::record(
            conn,
            &event(id, AuditAction::SigninSucceeded, Outcome::Success).on(id),
        )?;
        Ok(PasswordCheck::SignedIn { cookie })
    })?;
    ctx.metrics.sign_in(LOCAL_PROVIDER, SignInOutcome::Success);
    Ok(signed_in)
}
