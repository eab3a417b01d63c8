//! Secrets every node shares (e.g. the CSRF HMAC key): created once by whichever node asks first.

use super::schema::server_secrets;
use super::{DbConn, StoreResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// The secret called `name`; `candidate` becomes it when there is none yet. CAUTION: two nodes
/// starting at once both offer a candidate; the insert keeps the first and the read returns it,
/// so every node ends with the same secret. The multi-backend has no ON CONFLICT, so each dialect
/// runs its own.
pub fn get_or_create(
    conn: &mut DbConn,
    name: &str,
    candidate: &str,
    now: UnixTime,
) -> StoreResult<String> {
    let insert = diesel::insert_into(server_secrets::table).values((
        server_secrets::name.eq(name),
        server_secrets::secret.eq(candidate),
        server_secrets::created.eq(now),
    ));
    match conn {
        DbConn::Pg(c) => insert.on_conflict_do_nothing().execute(c)?,
        DbConn::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
    };
    Ok(server_secrets::table
        .find(name)
        .select(server_secrets::secret)
        .first(conn)?)
}
