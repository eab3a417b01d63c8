//! Sessions, authorization codes, consents, revoked access tokens and login throttling.
//! Single-use values are redeemed atomically (`UPDATE ... WHERE redeemed_at IS NULL`, one row).

use super::schema::{authorization_codes, consents, login_throttle, revoked_tokens, sessions};
use super::{DbConn, StoreResult};
use crate::clock::UnixTime;
use crate::domain::{AuthorizationCode, ClientId, Scope, Session, TenantId, UserId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id_hash: String,
    sid: String,
    tenant_id: String,
    user_id: String,
    auth_time: i64,
    last_seen: i64,
    expires_at: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            id_hash: r.id_hash,
            sid: r.sid,
            tenant_id: TenantId::from_stored(r.tenant_id),
            user_id: UserId::from_stored(r.user_id),
            auth_time: r.auth_time,
            last_seen: r.last_seen,
            expires_at: r.expires_at,
        }
    }
}

pub fn insert_session(conn: &mut DbConn, s: &Session) -> StoreResult<()> {
    diesel::insert_into(sessions::table)
        .values(SessionRow {
            id_hash: s.id_hash.clone(),
            sid: s.sid.clone(),
            tenant_id: s.tenant_id.as_str().to_owned(),
            user_id: s.user_id.as_str().to_owned(),
            auth_time: s.auth_time,
            last_seen: s.last_seen,
            expires_at: s.expires_at,
        })
        .execute(conn)?;
    Ok(())
}

pub fn get_session(conn: &mut DbConn, id_hash: &str) -> StoreResult<Option<Session>> {
    Ok(sessions::table
        .find(id_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .map(Session::from))
}

pub fn get_session_by_sid(conn: &mut DbConn, sid: &str) -> StoreResult<Option<Session>> {
    Ok(sessions::table
        .filter(sessions::sid.eq(sid))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .map(Session::from))
}

pub fn touch_session(conn: &mut DbConn, id_hash: &str, now: UnixTime) -> StoreResult<()> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::last_seen.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session(conn: &mut DbConn, id_hash: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

pub fn delete_sessions_of_user(conn: &mut DbConn, user: &UserId) -> StoreResult<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.as_str()))).execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_codes)]
struct CodeRow {
    code_hash: String,
    client_id: String,
    user_id: String,
    redirect_uri: String,
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    sid: String,
    auth_time: i64,
    expires_at: i64,
    redeemed_at: Option<i64>,
    access_token_jti: Option<String>,
    access_token_exp: Option<i64>,
    front_channel_jti: Option<String>,
    front_channel_exp: Option<i64>,
    refresh_family_id: Option<String>,
}

impl From<CodeRow> for AuthorizationCode {
    fn from(r: CodeRow) -> Self {
        AuthorizationCode {
            code_hash: r.code_hash,
            client_id: ClientId::from_stored(r.client_id),
            user_id: UserId::from_stored(r.user_id),
            redirect_uri: r.redirect_uri,
            scope: Scope::parse(&r.scope),
            nonce: r.nonce,
            code_challenge: r.code_challenge,
            sid: r.sid,
            auth_time: r.auth_time,
            expires_at: r.expires_at,
            redeemed_at: r.redeemed_at,
            access_token_jti: r.access_token_jti,
            access_token_exp: r.access_token_exp,
            front_channel_jti: r.front_channel_jti,
            front_channel_exp: r.front_channel_exp,
            refresh_family_id: r.refresh_family_id,
        }
    }
}

pub fn insert_code(conn: &mut DbConn, c: &AuthorizationCode) -> StoreResult<()> {
    diesel::insert_into(authorization_codes::table)
        .values(CodeRow {
            code_hash: c.code_hash.clone(),
            client_id: c.client_id.as_str().to_owned(),
            user_id: c.user_id.as_str().to_owned(),
            redirect_uri: c.redirect_uri.clone(),
            scope: c.scope.to_delimited(),
            nonce: c.nonce.clone(),
            code_challenge: c.code_challenge.clone(),
            sid: c.sid.clone(),
            auth_time: c.auth_time,
            expires_at: c.expires_at,
            redeemed_at: None,
            access_token_jti: None,
            access_token_exp: None,
            front_channel_jti: c.front_channel_jti.clone(),
            front_channel_exp: c.front_channel_exp,
            refresh_family_id: None,
        })
        .execute(conn)?;
    Ok(())
}

pub fn get_code(conn: &mut DbConn, code_hash: &str) -> StoreResult<Option<AuthorizationCode>> {
    Ok(authorization_codes::table
        .find(code_hash)
        .select(CodeRow::as_select())
        .first(conn)
        .optional()?
        .map(AuthorizationCode::from))
}

/// Marks a code redeemed; `true` only for the one caller that redeemed it first.
pub fn redeem_code(conn: &mut DbConn, code_hash: &str, now: UnixTime) -> StoreResult<bool> {
    let n = diesel::update(
        authorization_codes::table
            .find(code_hash)
            .filter(authorization_codes::redeemed_at.is_null()),
    )
    .set(authorization_codes::redeemed_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Remembers what the token endpoint issued from a code (for replay revocation).
pub fn record_code_tokens(
    conn: &mut DbConn,
    code_hash: &str,
    jti: &str,
    exp: UnixTime,
    refresh_family_id: Option<&str>,
) -> StoreResult<()> {
    diesel::update(authorization_codes::table.find(code_hash))
        .set((
            authorization_codes::access_token_jti.eq(jti),
            authorization_codes::access_token_exp.eq(exp),
            authorization_codes::refresh_family_id.eq(refresh_family_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The scopes a user consented to for a client, if remembered.
pub fn get_consent(
    conn: &mut DbConn,
    user: &UserId,
    client: &ClientId,
) -> StoreResult<Option<Scope>> {
    let scope: Option<String> = consents::table
        .find((user.as_str(), client.as_str()))
        .select(consents::scope)
        .first(conn)
        .optional()?;
    Ok(scope.as_deref().map(Scope::parse))
}

/// Remembers (replaces) a consent. The multi-backend has no upsert: delete, then insert, in the
/// caller's transaction.
pub fn put_consent(
    conn: &mut DbConn,
    user: &UserId,
    client: &ClientId,
    scope: &Scope,
    now: UnixTime,
) -> StoreResult<()> {
    diesel::delete(consents::table.find((user.as_str(), client.as_str()))).execute(conn)?;
    diesel::insert_into(consents::table)
        .values((
            consents::user_id.eq(user.as_str()),
            consents::client_id.eq(client.as_str()),
            consents::scope.eq(scope.to_delimited()),
            consents::created.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds an access token's `jti` to the deny list until it would have expired anyway.
pub fn revoke_jti(conn: &mut DbConn, jti: &str, expires_at: UnixTime) -> StoreResult<()> {
    let row = (
        revoked_tokens::jti.eq(jti),
        revoked_tokens::expires_at.eq(expires_at),
    );
    let insert = diesel::insert_into(revoked_tokens::table).values(row);
    // CAUTION: racing code replays revoke the same jti at once; a read-then-insert lets both
    // insert and the second fail on the key (a 500). The multi-backend has no ON CONFLICT, so
    // each dialect runs its own "insert unless present".
    match conn {
        DbConn::Pg(c) => insert.on_conflict_do_nothing().execute(c)?,
        DbConn::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
    };
    Ok(())
}

pub fn is_revoked(conn: &mut DbConn, jti: &str) -> StoreResult<bool> {
    let n: i64 = revoked_tokens::table
        .filter(revoked_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Counts one sign-in attempt against `key` and returns (attempts in the current window, the
/// key's `blocked_until`). A key idle for `window` seconds starts afresh. CAUTION: the count is
/// one atomic upsert, which keeps the row locked (PostgreSQL) or the database write-locked
/// (SQLite) until the caller's transaction ends; the multi-backend has no ON CONFLICT, so each
/// dialect runs its own.
pub fn count_attempt(
    conn: &mut DbConn,
    key: &str,
    now: UnixTime,
    window: i64,
) -> StoreResult<(i64, UnixTime)> {
    use login_throttle::dsl as t;
    diesel::update(
        t::login_throttle
            .find(key)
            .filter(t::updated.lt(now - window))
            .filter(t::blocked_until.le(now)),
    )
    .set((t::failures.eq(0_i64), t::blocked_until.eq(0_i64)))
    .execute(conn)?;
    let insert = diesel::insert_into(t::login_throttle).values((
        t::throttle_key.eq(key),
        t::failures.eq(1_i64),
        t::blocked_until.eq(0_i64),
        t::updated.eq(now),
    ));
    let increment = (t::failures.eq(t::failures + 1_i64), t::updated.eq(now));
    let counted = match conn {
        DbConn::Pg(c) => insert
            .on_conflict(t::throttle_key)
            .do_update()
            .set(increment)
            .returning((t::failures, t::blocked_until))
            .get_result(c)?,
        DbConn::Sqlite(c) => insert
            .on_conflict(t::throttle_key)
            .do_update()
            .set(increment)
            .returning((t::failures, t::blocked_until))
            .get_result(c)?,
    };
    Ok(counted)
}

/// Refuses attempts on `key` until `until`.
pub fn block_until(conn: &mut DbConn, key: &str, until: UnixTime) -> StoreResult<()> {
    diesel::update(login_throttle::table.find(key))
        .set(login_throttle::blocked_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// Takes back one counted attempt (it turned out to be a successful sign-in).
pub fn forgive_attempt(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failures.gt(0_i64)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1_i64))
    .execute(conn)?;
    Ok(())
}

pub fn clear_throttle(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes up to `batch` expired rows of each kind; returns how many went. Small batches keep
/// every lock short, so the token endpoint is never locked out by the clean-up.
pub fn purge_expired(conn: &mut DbConn, now: UnixTime, batch: i64) -> StoreResult<usize> {
    let mut total = 0;
    let codes: Vec<String> = authorization_codes::table
        .filter(authorization_codes::expires_at.lt(now - 3600))
        .select(authorization_codes::code_hash)
        .limit(batch)
        .load(conn)?;
    total += diesel::delete(
        authorization_codes::table.filter(authorization_codes::code_hash.eq_any(&codes)),
    )
    .execute(conn)?;
    let sess: Vec<String> = sessions::table
        .filter(sessions::expires_at.lt(now))
        .select(sessions::id_hash)
        .limit(batch)
        .load(conn)?;
    total +=
        diesel::delete(sessions::table.filter(sessions::id_hash.eq_any(&sess))).execute(conn)?;
    let revoked: Vec<String> = revoked_tokens::table
        .filter(revoked_tokens::expires_at.lt(now))
        .select(revoked_tokens::jti)
        .limit(batch)
        .load(conn)?;
    total += diesel::delete(revoked_tokens::table.filter(revoked_tokens::jti.eq_any(&revoked)))
        .execute(conn)?;
    let throttles: Vec<String> = login_throttle::table
        .filter(login_throttle::blocked_until.lt(now - 86_400))
        .filter(login_throttle::updated.lt(now - 86_400))
        .select(login_throttle::throttle_key)
        .limit(batch)
        .load(conn)?;
    total += diesel::delete(
        login_throttle::table.filter(login_throttle::throttle_key.eq_any(&throttles)),
    )
    .execute(conn)?;
    Ok(total)
}
