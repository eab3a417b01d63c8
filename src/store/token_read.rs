//! The token endpoint's read of a client with its roles and presented secret (SPEC §10: one
//! indexed read per token request, whose cost does not grow with the registry). Split from
//! `clients` because it is shaped by measurement, not by the client model (issue 10,
//! docs/decisions/0007).

use super::schema::{client_roles, client_secrets, clients, roles};
use super::{from_json_list, DbConn, StoreError, StoreResult};
use crate::domain::{ClientId, ClientKind, ClientSecret, RoleId, TenantId, TokenClient};
use diesel::prelude::*;

/// The client's columns in the token endpoint's join.
type AuthClientColumns = (String, String, String, bool, i64, String, String, bool);
/// One of its secrets: id, description, expiration, hash, created.
type AuthSecretColumns = (i64, Option<String>, Option<i64>, String, i64);
/// One of its roles: id and RoleTypeId.
type AuthRoleColumns = (String, Option<String>);

/// The token read's query: the client with `$secrets` (a `LEFT JOIN` of its secrets, or nothing)
/// and its roles. CAUTION: flat left joins. A nested `LEFT JOIN (client_roles JOIN roles)` makes
/// SQLite materialise the whole client_roles ⋈ roles table on every request.
macro_rules! token_query {
    ($id:expr) => {
        clients::table
            .filter(clients::id.eq($id))
            .left_join(client_roles::table)
            .left_join(roles::table.on(roles::id.eq(client_roles::role_id)))
    };
}
macro_rules! client_columns {
    () => {
        (
            clients::id,
            clients::tenant_id,
            clients::kind,
            clients::enabled,
            clients::access_token_lifetime,
            clients::allowed_cors_origins,
            clients::redirect_uris,
            clients::allow_offline_access,
        )
    };
}
macro_rules! secret_columns {
    () => {
        (
            client_secrets::id,
            client_secrets::description,
            client_secrets::expiration,
            client_secrets::secret_hash,
            client_secrets::created,
        )
    };
}

/// Loads a client with its roles, and the secrets stored under `secret_hash` (none when `None`),
/// for the endpoints where a client authenticates; every table is reached through an index, and
/// the secrets by (client, hash), so the read costs the same with 1 secret or 10 (SPEC §10).
/// Looking a secret up by its SHA-256 is safe where comparing the secret itself would not be:
/// timing could at most tell how much of the presented value's hash matched a stored one, and
/// turning that into a secret needs a preimage. The caller still compares in constant time.
///
/// CAUTION: the hot path, one call per token request, shaped by measurement (issue 10,
/// docs/decisions/0007):
/// - it runs on the concrete connection, not through the `DbConn` wrapper, which walks the whole
///   query tree on every execution even when the prepared statement is cached, and decodes every
///   field through an extra layer;
/// - on SQLite in two statements (client ⋈ roles, then the secret): a statement costs no round
///   trip in process;
/// - on PostgreSQL in one statement, because there every statement is a network round trip.
pub fn load_for_token(
    conn: &mut DbConn,
    id: &ClientId,
    secret_hash: Option<&str>,
) -> StoreResult<Option<TokenClient>> {
    let (rows, secrets): (Vec<AuthRow>, Vec<AuthSecretColumns>) = match conn {
        DbConn::Sqlite(c) => {
            let rows: Vec<(AuthClientColumns, Option<AuthRoleColumns>)> = token_query!(id.as_str())
                .select((
                    client_columns!(),
                    (roles::id, roles::role_type_id).nullable(),
                ))
                .load(c)?;
            if rows.is_empty() {
                return Ok(None);
            }
            let secrets = match secret_hash {
                Some(hash) => client_secrets::table
                    .filter(client_secrets::client_id.eq(id.as_str()))
                    .filter(client_secrets::secret_hash.eq(hash))
                    .select(secret_columns!())
                    .load(c)?,
                None => Vec::new(),
            };
            let rows = rows.into_iter().map(|(c, r)| (c, None, r)).collect();
            (rows, secrets)
        }
        DbConn::Pg(c) => {
            // No stored hash is empty, so without a presented secret the join finds none.
            let hash = secret_hash.unwrap_or("");
            let rows = token_query!(id.as_str())
                .left_join(
                    client_secrets::table.on(client_secrets::client_id
                        .eq(clients::id)
                        .and(client_secrets::secret_hash.eq(hash))),
                )
                .select((
                    client_columns!(),
                    secret_columns!().nullable(),
                    (roles::id, roles::role_type_id).nullable(),
                ))
                .load(c)?;
            (rows, Vec::new())
        }
    };
    token_client(rows, secrets)
}

/// One row of the token read: the client, maybe a secret, maybe a role.
type AuthRow = (
    AuthClientColumns,
    Option<AuthSecretColumns>,
    Option<AuthRoleColumns>,
);

/// Assembles the token read's rows (and the separately read `secrets`, if any) into one client.
fn token_client(
    rows: Vec<AuthRow>,
    secrets: Vec<AuthSecretColumns>,
) -> StoreResult<Option<TokenClient>> {
    let Some(((id, tenant_id, kind, enabled, lifetime, cors, redirects, offline), _, _)) =
        rows.first()
    else {
        return Ok(None);
    };
    let mut client = TokenClient {
        id: ClientId::from_stored(id.clone()),
        tenant_id: TenantId::from_stored(tenant_id.clone()),
        kind: ClientKind::parse(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("client kind {kind}")))?,
        enabled: *enabled,
        access_token_lifetime: *lifetime,
        secrets: Vec::new(),
        role_ids: Vec::new(),
        role_type_ids: Vec::new(),
        allowed_cors_origins: from_json_list(cors)?,
        redirect_uris: from_json_list(redirects)?,
        allow_offline_access: *offline,
    };
    let joined = rows.into_iter().map(|(_, secret, role)| (secret, role));
    let separate = secrets.into_iter().map(|secret| (Some(secret), None));
    for (secret, role) in joined.chain(separate) {
        if let Some((secret_id, description, expiration, secret_hash, created)) = secret {
            if !client.secrets.iter().any(|s| s.id == secret_id) {
                client.secrets.push(ClientSecret {
                    client_id: client.id.clone(),
                    id: secret_id,
                    description,
                    expiration,
                    secret_hash,
                    created,
                });
            }
        }
        if let Some((role_id, role_type)) = role {
            let role_id = RoleId::from_stored(role_id);
            if !client.role_ids.contains(&role_id) {
                client.role_ids.push(role_id);
                client.role_type_ids.extend(role_type);
            }
        }
    }
    client.secrets.sort_by_key(|s| s.id);
    client.role_ids.sort();
    client.role_type_ids.sort();
    Ok(Some(client))
}
