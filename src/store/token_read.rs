//! The token endpoint's read of a client with its secrets and roles (SPEC §10: one indexed read per
//! token request, whose cost does not grow with the registry). Split from `clients` because it is
//! shaped by measurement, not by the client model (issue 10, docs/decisions/0007).

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

/// Loads a client with its secrets and roles for the token endpoint; every table is reached
/// through its primary key (SPEC §10: the cost does not grow with the registry).
///
/// CAUTION: the hot path, one call per token request, shaped by measurement (issue 10,
/// docs/decisions/0007):
/// - it runs on the concrete connection, not through the `DbConn` wrapper, which walks the whole
///   query tree on every execution even when the prepared statement is cached, and decodes every
///   field through an extra layer;
/// - on SQLite in two statements (client ⋈ roles, then the secrets): a statement costs no round
///   trip in process, while one joined statement decoded all the client's columns once per
///   secret × role (10 secrets cost more than the signature);
/// - on PostgreSQL in one statement (that small cross product), because there every statement is
///   a network round trip.
pub fn load_for_token(conn: &mut DbConn, id: &ClientId) -> StoreResult<Option<TokenClient>> {
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
            let secrets = client_secrets::table
                .filter(client_secrets::client_id.eq(id.as_str()))
                .select(secret_columns!())
                .load(c)?;
            let rows = rows.into_iter().map(|(c, r)| (c, None, r)).collect();
            (rows, secrets)
        }
        DbConn::Pg(c) => {
            let rows = token_query!(id.as_str())
                .left_join(client_secrets::table)
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
