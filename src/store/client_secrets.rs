//! Client secrets: only their SHA-256 is stored; ids count up per client and are never reused.

use super::schema::{client_secrets, clients};
use super::{DbConn, StoreResult};
use crate::domain::{ClientId, ClientSecret, SecretId, TenantId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = client_secrets)]
struct SecretRow {
    client_id: String,
    id: i64,
    description: Option<String>,
    expiration: Option<i64>,
    secret_hash: String,
    created: i64,
}

impl From<SecretRow> for ClientSecret {
    fn from(r: SecretRow) -> Self {
        ClientSecret {
            client_id: ClientId::from_stored(r.client_id),
            id: r.id,
            description: r.description,
            expiration: r.expiration,
            secret_hash: r.secret_hash,
            created: r.created,
        }
    }
}

/// Inserts a secret with the client's next id (ids are never reused) and returns that id.
/// `secret.id` is ignored.
pub fn insert_secret(conn: &mut DbConn, secret: &ClientSecret) -> StoreResult<SecretId> {
    // Incrementing in one UPDATE ... RETURNING keeps two concurrent inserts from sharing an id.
    let id: i64 = diesel::update(clients::table.find(secret.client_id.as_str()))
        .set(clients::last_secret_id.eq(clients::last_secret_id + 1))
        .returning(clients::last_secret_id)
        .get_result(conn)?;
    diesel::insert_into(client_secrets::table)
        .values(SecretRow {
            client_id: secret.client_id.as_str().to_owned(),
            id,
            description: secret.description.clone(),
            expiration: secret.expiration,
            secret_hash: secret.secret_hash.clone(),
            created: secret.created,
        })
        .execute(conn)?;
    Ok(id)
}

pub fn list_secrets(conn: &mut DbConn, client: &ClientId) -> StoreResult<Vec<ClientSecret>> {
    Ok(client_secrets::table
        .filter(client_secrets::client_id.eq(client.as_str()))
        .order(client_secrets::id.asc())
        .select(SecretRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ClientSecret::from)
        .collect())
}

pub fn get_secret(
    conn: &mut DbConn,
    client: &ClientId,
    id: SecretId,
) -> StoreResult<Option<ClientSecret>> {
    Ok(client_secrets::table
        .find((client.as_str(), id))
        .select(SecretRow::as_select())
        .first(conn)
        .optional()?
        .map(ClientSecret::from))
}

pub fn update_secret(conn: &mut DbConn, s: &ClientSecret) -> StoreResult<()> {
    diesel::update(client_secrets::table.find((s.client_id.as_str(), s.id)))
        .set((
            client_secrets::description.eq(&s.description),
            client_secrets::expiration.eq(s.expiration),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_secret(conn: &mut DbConn, client: &ClientId, id: SecretId) -> StoreResult<()> {
    diesel::delete(client_secrets::table.find((client.as_str(), id))).execute(conn)?;
    Ok(())
}

/// Per tenant, how many client secrets expire after `after` and no later than `until` (for
/// `/metrics`; tenants with none are left out). One scan of the secrets joined to their clients
/// by primary key: run it now and then, not per request.
pub fn expiring_per_tenant(
    conn: &mut DbConn,
    after: i64,
    until: i64,
) -> StoreResult<Vec<(TenantId, i64)>> {
    let rows: Vec<(String, i64)> = client_secrets::table
        .inner_join(clients::table)
        .filter(client_secrets::expiration.gt(after))
        .filter(client_secrets::expiration.le(until))
        .group_by(clients::tenant_id)
        .select((clients::tenant_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(tenant, n)| (TenantId::from_stored(tenant), n))
        .collect())
}
