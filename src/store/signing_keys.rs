//! The signing keys kept in the database (`PORTCULLIS_KEYS_STORE=database`, SPEC §6.4): one row per
//! key with its life-cycle times and its private key sealed by the service (this module never sees
//! key material in clear). States are not stored; every node computes them from the times.
//!
//! Contract: [`insert`] adds a key only if its kid is new and, for a key generated to follow
//! another (`succeeds`), only if no other key follows that one yet. That unique index
//! (`signing_keys_one_successor`) is what lets any number of nodes start the same rotation at the
//! same moment and end with exactly one new key.

use super::schema::signing_keys;
use super::{DbConn, StoreResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// One stored key.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Insertable, Selectable)]
#[diesel(table_name = signing_keys)]
pub struct StoredKey {
    pub kid: String,
    /// The JOSE algorithm name.
    pub alg: String,
    /// The PKCS#8 PEM sealed with the master key.
    pub sealed_private_key: String,
    pub created_at: UnixTime,
    pub activates_at: UnixTime,
    pub retired_at: Option<UnixTime>,
    /// The kid this key was generated to follow (`""`: the first key of its algorithm); `None`
    /// for keys added by hand or imported.
    pub succeeds: Option<String>,
}

/// Every stored key, by kid.
pub fn list(conn: &mut DbConn) -> StoreResult<Vec<StoredKey>> {
    Ok(signing_keys::table
        .select(StoredKey::as_select())
        .order(signing_keys::kid)
        .load(conn)?)
}

/// How many keys are stored.
pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(signing_keys::table.count().get_result(conn)?)
}

/// Adds `key` unless its kid exists or (for a successor) its predecessor already has one; returns
/// whether it was added. CAUTION: ON CONFLICT DO NOTHING (no conflict target: any unique index)
/// rather than catching the violation, because on PostgreSQL a violation would abort the caller's
/// transaction; the multi-backend has no ON CONFLICT, so each dialect runs its own.
pub fn insert(conn: &mut DbConn, key: &StoredKey) -> StoreResult<bool> {
    let insert = diesel::insert_into(signing_keys::table).values(key);
    let added = match conn {
        DbConn::Pg(c) => insert.on_conflict_do_nothing().execute(c)?,
        DbConn::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
    };
    Ok(added == 1)
}

/// Moves the activation time of `kid` (an emergency promotion); returns whether it exists.
pub fn set_activates_at(conn: &mut DbConn, kid: &str, at: UnixTime) -> StoreResult<bool> {
    let n = diesel::update(signing_keys::table.find(kid))
        .set(signing_keys::activates_at.eq(at))
        .execute(conn)?;
    Ok(n == 1)
}

/// Retires `kid` from `at` on; returns whether it exists.
pub fn set_retired_at(conn: &mut DbConn, kid: &str, at: UnixTime) -> StoreResult<bool> {
    let n = diesel::update(signing_keys::table.find(kid))
        .set(signing_keys::retired_at.eq(Some(at)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Deletes `kid`; returns whether it existed.
pub fn delete(conn: &mut DbConn, kid: &str) -> StoreResult<bool> {
    let n = diesel::delete(signing_keys::table.find(kid)).execute(conn)?;
    Ok(n == 1)
}
