//! Refresh-token families. Rotation is claimed with one conditional UPDATE (`rotated_at IS NULL`),
//! so of many concurrent requests with one token exactly one creates the successor; the others
//! block on the row until that transaction commits and then read its result.

use super::schema::refresh_tokens;
use super::{DbConn, StoreResult};
use crate::clock::UnixTime;
use crate::domain::refresh::RefreshToken;
use crate::domain::{ClientId, Scope, UserId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct Row {
    token_hash: String,
    family_id: String,
    client_id: String,
    user_id: String,
    scope: String,
    sid: String,
    auth_time: i64,
    created: i64,
    family_expires_at: i64,
    rotated_at: Option<i64>,
    successor_response: Option<String>,
    revoked_at: Option<i64>,
}

impl From<Row> for RefreshToken {
    fn from(r: Row) -> Self {
        RefreshToken {
            token_hash: r.token_hash,
            family_id: r.family_id,
            client_id: ClientId::from_stored(r.client_id),
            user_id: UserId::from_stored(r.user_id),
            scope: Scope::parse(&r.scope),
            sid: r.sid,
            auth_time: r.auth_time,
            created: r.created,
            family_expires_at: r.family_expires_at,
            rotated_at: r.rotated_at,
            successor_response: r.successor_response,
            revoked_at: r.revoked_at,
        }
    }
}

pub fn insert(conn: &mut DbConn, t: &RefreshToken) -> StoreResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(Row {
            token_hash: t.token_hash.clone(),
            family_id: t.family_id.clone(),
            client_id: t.client_id.as_str().to_owned(),
            user_id: t.user_id.as_str().to_owned(),
            scope: t.scope.to_delimited(),
            sid: t.sid.clone(),
            auth_time: t.auth_time,
            created: t.created,
            family_expires_at: t.family_expires_at,
            rotated_at: None,
            successor_response: None,
            revoked_at: None,
        })
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
    Ok(refresh_tokens::table
        .find(token_hash)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(RefreshToken::from))
}

/// Claims the rotation of a live member; `true` for exactly one caller.
pub fn claim_rotation(conn: &mut DbConn, token_hash: &str, now: UnixTime) -> StoreResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .find(token_hash)
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Stores the sealed response of a rotation on the rotated member.
pub fn set_successor_response(
    conn: &mut DbConn,
    token_hash: &str,
    sealed: &str,
) -> StoreResult<()> {
    diesel::update(refresh_tokens::table.find(token_hash))
        .set(refresh_tokens::successor_response.eq(sealed))
        .execute(conn)?;
    Ok(())
}

/// Revokes every member of a family.
pub fn revoke_family(conn: &mut DbConn, family_id: &str, now: UnixTime) -> StoreResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((
        refresh_tokens::revoked_at.eq(now),
        refresh_tokens::successor_response.eq(None::<String>),
    ))
    .execute(conn)?)
}

/// Ends every refresh token of a client (disabled client).
pub fn delete_for_client(conn: &mut DbConn, client: &ClientId) -> StoreResult<usize> {
    Ok(
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::client_id.eq(client.as_str())))
            .execute(conn)?,
    )
}

/// Number of members of a family (tests and diagnostics).
pub fn family_size(conn: &mut DbConn, family_id: &str) -> StoreResult<i64> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .count()
        .get_result(conn)?)
}

/// Forgets sealed responses once the grace window is over, and deletes expired families, in
/// batches.
pub fn purge(conn: &mut DbConn, now: UnixTime, grace: i64, batch: i64) -> StoreResult<usize> {
    let stale: Vec<String> = refresh_tokens::table
        .filter(refresh_tokens::successor_response.is_not_null())
        .filter(refresh_tokens::rotated_at.lt(now - grace))
        .select(refresh_tokens::token_hash)
        .limit(batch)
        .load(conn)?;
    let mut total =
        diesel::update(refresh_tokens::table.filter(refresh_tokens::token_hash.eq_any(&stale)))
            .set(refresh_tokens::successor_response.eq(None::<String>))
            .execute(conn)?;
    let expired: Vec<String> = refresh_tokens::table
        .filter(refresh_tokens::family_expires_at.lt(now))
        .select(refresh_tokens::token_hash)
        .limit(batch)
        .load(conn)?;
    total +=
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::token_hash.eq_any(&expired)))
            .execute(conn)?;
    Ok(total)
}
