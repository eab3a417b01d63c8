//! Client rows (all three kinds share one table and one id space) and their roles (secrets are in
//! `client_secrets`; the single indexed read that the token endpoint makes per request is in
//! `token_read`, re-exported here as [`load_for_token`]).
//!
//! Contract: no read grows with the number of clients in the registry beyond what it returns
//! (SPEC §10): the token read goes by primary key, list pages are read as keys from the
//! `(tenant_id, kind, created, id)` index and then by primary key, and a `tag` filter reads the
//! matching range of the derived `client_tags` table's `(tenant_id, kind, tag, created, client_id)`
//! index (kept in step on every insert and update, like `client_origins`).

use super::schema::{client_origins, client_roles, client_tags, clients, roles};
use super::{from_json_list, to_json_list, DbConn, StoreError, StoreResult};
use crate::domain::{Client, ClientId, ClientKind, ListQuery, Page, RoleId, Standing, TenantId};
use diesel::prelude::*;
use std::collections::HashMap;

pub use super::token_read::load_for_token;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
struct ClientRow {
    id: String,
    tenant_id: String,
    kind: String,
    name: String,
    enabled: bool,
    access_token_lifetime: i64,
    tags: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    allowed_cors_origins: String,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    allow_offline_access: bool,
    allow_access_tokens_via_browser: bool,
    created: i64,
}

#[derive(AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
struct ClientChanges<'a> {
    name: &'a str,
    enabled: bool,
    access_token_lifetime: i64,
    tags: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    allowed_cors_origins: String,
    client_uri: Option<&'a str>,
    logo_uri: Option<&'a str>,
    allow_offline_access: bool,
    allow_access_tokens_via_browser: bool,
}

fn from_row(r: ClientRow, role_ids: Vec<RoleId>) -> StoreResult<Client> {
    Ok(Client {
        kind: ClientKind::parse(&r.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("client kind {}", r.kind)))?,
        id: ClientId::from_stored(r.id),
        tenant_id: TenantId::from_stored(r.tenant_id),
        name: r.name,
        enabled: r.enabled,
        access_token_lifetime: r.access_token_lifetime,
        tags: from_json_list(&r.tags)?,
        role_ids,
        redirect_uris: from_json_list(&r.redirect_uris)?,
        post_logout_redirect_uris: from_json_list(&r.post_logout_redirect_uris)?,
        allowed_cors_origins: from_json_list(&r.allowed_cors_origins)?,
        client_uri: r.client_uri,
        logo_uri: r.logo_uri,
        allow_offline_access: r.allow_offline_access,
        allow_access_tokens_via_browser: r.allow_access_tokens_via_browser,
        created: r.created,
    })
}

fn roles_of(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, Vec<RoleId>>> {
    let pairs: Vec<(String, String)> = client_roles::table
        .filter(client_roles::client_id.eq_any(ids))
        .order(client_roles::role_id.asc())
        .select((client_roles::client_id, client_roles::role_id))
        .load(conn)?;
    let mut map: HashMap<String, Vec<RoleId>> = HashMap::new();
    for (client, role) in pairs {
        map.entry(client)
            .or_default()
            .push(RoleId::from_stored(role));
    }
    Ok(map)
}

fn with_roles(conn: &mut DbConn, rows: Vec<ClientRow>) -> StoreResult<Vec<Client>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles = roles_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let role_ids = roles.remove(&r.id).unwrap_or_default();
            from_row(r, role_ids)
        })
        .collect()
}

/// Inserts a client with its roles.
pub fn insert(conn: &mut DbConn, c: &Client) -> StoreResult<()> {
    diesel::insert_into(clients::table)
        .values((
            ClientRow {
                id: c.id.as_str().to_owned(),
                tenant_id: c.tenant_id.as_str().to_owned(),
                kind: c.kind.as_str().to_owned(),
                name: c.name.clone(),
                enabled: c.enabled,
                access_token_lifetime: c.access_token_lifetime,
                tags: to_json_list(&c.tags),
                redirect_uris: to_json_list(&c.redirect_uris),
                post_logout_redirect_uris: to_json_list(&c.post_logout_redirect_uris),
                allowed_cors_origins: to_json_list(&c.allowed_cors_origins),
                client_uri: c.client_uri.clone(),
                logo_uri: c.logo_uri.clone(),
                allow_offline_access: c.allow_offline_access,
                allow_access_tokens_via_browser: c.allow_access_tokens_via_browser,
                created: c.created,
            },
            clients::last_secret_id.eq(0_i64),
        ))
        .execute(conn)?;
    set_origins(conn, c)?;
    set_tags(conn, c)?;
    set_roles(conn, c)
}

/// Keeps the derived tag index (for `tag` filters) in step with the client: each tag lowercased
/// (filters compare case-insensitively, SPEC §3.1), once, with copies of the client's tenant, kind
/// and creation time. CAUTION: those copies are right only because none of them ever changes.
fn set_tags(conn: &mut DbConn, c: &Client) -> StoreResult<()> {
    diesel::delete(client_tags::table.filter(client_tags::client_id.eq(c.id.as_str())))
        .execute(conn)?;
    let mut tags: Vec<String> = c.tags.iter().map(|t| t.to_lowercase()).collect();
    tags.sort();
    tags.dedup();
    for tag in &tags {
        diesel::insert_into(client_tags::table)
            .values((
                client_tags::client_id.eq(c.id.as_str()),
                client_tags::tag.eq(tag),
                client_tags::tenant_id.eq(c.tenant_id.as_str()),
                client_tags::kind.eq(c.kind.as_str()),
                client_tags::created.eq(c.created),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Keeps the derived origin index (for CORS preflights) in step with the client.
fn set_origins(conn: &mut DbConn, c: &Client) -> StoreResult<()> {
    diesel::delete(client_origins::table.filter(client_origins::client_id.eq(c.id.as_str())))
        .execute(conn)?;
    for origin in c.cors_origins() {
        diesel::insert_into(client_origins::table)
            .values((
                client_origins::client_id.eq(c.id.as_str()),
                client_origins::origin.eq(origin),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether some client lists `origin` (a CORS preflight from it may proceed).
pub fn origin_known(conn: &mut DbConn, origin: &str) -> StoreResult<bool> {
    let n: i64 = client_origins::table
        .filter(client_origins::origin.eq(origin))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether some client of `tenant` lists `origin` (a management API preflight, SPEC §7).
pub fn origin_known_in_tenant(
    conn: &mut DbConn,
    tenant: &TenantId,
    origin: &str,
) -> StoreResult<bool> {
    let n: i64 = client_origins::table
        .inner_join(clients::table)
        .filter(client_origins::origin.eq(origin))
        .filter(clients::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether the client `id` lists `origin` (an actual management API request, SPEC §7).
pub fn client_has_origin(conn: &mut DbConn, id: &ClientId, origin: &str) -> StoreResult<bool> {
    let n: i64 = client_origins::table
        .filter(client_origins::client_id.eq(id.as_str()))
        .filter(client_origins::origin.eq(origin))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Writes every mutable field (the service merged the partial update already).
pub fn update(conn: &mut DbConn, c: &Client) -> StoreResult<()> {
    diesel::update(clients::table.find(c.id.as_str()))
        .set(ClientChanges {
            name: &c.name,
            enabled: c.enabled,
            access_token_lifetime: c.access_token_lifetime,
            tags: to_json_list(&c.tags),
            redirect_uris: to_json_list(&c.redirect_uris),
            post_logout_redirect_uris: to_json_list(&c.post_logout_redirect_uris),
            allowed_cors_origins: to_json_list(&c.allowed_cors_origins),
            client_uri: c.client_uri.as_deref(),
            logo_uri: c.logo_uri.as_deref(),
            allow_offline_access: c.allow_offline_access,
            allow_access_tokens_via_browser: c.allow_access_tokens_via_browser,
        })
        .execute(conn)?;
    set_origins(conn, c)?;
    set_tags(conn, c)?;
    set_roles(conn, c)
}

/// Replaces the client's role list. Each row carries the client's kind and creation time, so a
/// role's holders are one index range in list order ([`list_with_role`]).
fn set_roles(conn: &mut DbConn, c: &Client) -> StoreResult<()> {
    diesel::delete(client_roles::table.filter(client_roles::client_id.eq(c.id.as_str())))
        .execute(conn)?;
    // One row at a time: the multi-backend cannot batch inserts (no DEFAULT keyword in SQLite).
    for r in &c.role_ids {
        diesel::insert_into(client_roles::table)
            .values((
                client_roles::client_id.eq(c.id.as_str()),
                client_roles::role_id.eq(r.as_str()),
                client_roles::kind.eq(c.kind.as_str()),
                client_roles::created.eq(c.created),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &ClientId) -> StoreResult<()> {
    diesel::delete(clients::table.find(id.as_str())).execute(conn)?;
    Ok(())
}

/// The tenant of the client with this id, if any (client ids are global).
pub fn tenant_of(conn: &mut DbConn, id: &ClientId) -> StoreResult<Option<TenantId>> {
    let tenant: Option<String> = clients::table
        .find(id.as_str())
        .select(clients::tenant_id)
        .first(conn)
        .optional()?;
    Ok(tenant.map(TenantId::from_stored))
}

/// Clients of all kinds in a tenant (for the 50 000 limit).
pub fn count_in_tenant(conn: &mut DbConn, tenant: &TenantId) -> StoreResult<i64> {
    Ok(clients::table
        .filter(clients::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?)
}

/// One client of a tenant and kind.
pub fn get(
    conn: &mut DbConn,
    tenant: &TenantId,
    kind: ClientKind,
    id: &ClientId,
) -> StoreResult<Option<Client>> {
    let row = clients::table
        .filter(clients::id.eq(id.as_str()))
        .filter(clients::tenant_id.eq(tenant.as_str()))
        .filter(clients::kind.eq(kind.as_str()))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(r) => with_roles(conn, vec![r])?.pop(),
        None => None,
    })
}

/// A client by id alone, any tenant and kind (the authorize and end-session endpoints know only
/// the client id).
pub fn find_by_id(conn: &mut DbConn, id: &ClientId) -> StoreResult<Option<Client>> {
    let row = clients::table
        .find(id.as_str())
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(r) => with_roles(conn, vec![r])?.pop(),
        None => None,
    })
}

/// One client of a tenant, whatever its kind (for `/Clients/{id}/Roles`).
pub fn get_any_kind(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &ClientId,
) -> StoreResult<Option<Client>> {
    let row = clients::table
        .filter(clients::id.eq(id.as_str()))
        .filter(clients::tenant_id.eq(tenant.as_str()))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(r) => with_roles(conn, vec![r])?.pop(),
        None => None,
    })
}

/// A page of a tenant's clients of one kind, honouring id and tag filters (SPEC §3.1).
pub fn list(
    conn: &mut DbConn,
    tenant: &TenantId,
    kind: ClientKind,
    q: &ListQuery,
) -> StoreResult<Page<Client>> {
    if !q.ids.is_empty() {
        // At most the requested ids are read, by primary key.
        let rows = clients::table
            .filter(clients::tenant_id.eq(tenant.as_str()))
            .filter(clients::kind.eq(kind.as_str()))
            .filter(clients::id.eq_any(&q.ids))
            .order((clients::created.asc(), clients::id.asc()))
            .select(ClientRow::as_select())
            .load(conn)?;
        let items: Vec<Client> = with_roles(conn, rows)?
            .into_iter()
            .filter(|c| has_tags(c, &q.tags))
            .collect();
        return Ok(Page {
            total: items.len() as i64,
            items,
        });
    }
    let (total, ids): (i64, Vec<String>) = match q.tags.split_first() {
        None => {
            let total = clients::table
                .filter(clients::tenant_id.eq(tenant.as_str()))
                .filter(clients::kind.eq(kind.as_str()))
                .count()
                .get_result(conn)?;
            // The page's keys first: OFFSET walks the (tenant_id, kind, created, id) index only,
            // never the table rows it skips; then the page's rows by primary key.
            let ids = clients::table
                .filter(clients::tenant_id.eq(tenant.as_str()))
                .filter(clients::kind.eq(kind.as_str()))
                .order((clients::created.asc(), clients::id.asc()))
                .select(clients::id)
                .offset(q.skip)
                .limit(q.count)
                .load(conn)?;
            (total, ids)
        }
        Some((first, more)) => {
            // The first tag's range of the (tenant_id, kind, tag, created, client_id) index, in
            // list order; every further tag must be present too.
            let tagged = |tag: &str| {
                client_tags::table
                    .filter(client_tags::tenant_id.eq(tenant.as_str()))
                    .filter(client_tags::kind.eq(kind.as_str()))
                    .filter(client_tags::tag.eq(tag.to_owned()))
            };
            let mut keys = tagged(first).select(client_tags::client_id).into_boxed();
            let mut count = tagged(first).count().into_boxed();
            // The same table again in the subquery needs another name.
            let other = diesel::alias!(client_tags as other_tags);
            let also_tagged = |tag: &str| {
                other
                    .filter(other.field(client_tags::tenant_id).eq(tenant.as_str()))
                    .filter(other.field(client_tags::kind).eq(kind.as_str()))
                    .filter(other.field(client_tags::tag).eq(tag.to_owned()))
                    .select(other.field(client_tags::client_id))
            };
            for tag in more {
                keys = keys.filter(client_tags::client_id.eq_any(also_tagged(tag)));
                count = count.filter(client_tags::client_id.eq_any(also_tagged(tag)));
            }
            let total = count.get_result(conn)?;
            let ids = keys
                .order((client_tags::created.asc(), client_tags::client_id.asc()))
                .offset(q.skip)
                .limit(q.count)
                .load(conn)?;
            (total, ids)
        }
    };
    if ids.is_empty() {
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }
    let rows = clients::table
        .filter(clients::id.eq_any(&ids))
        .order((clients::created.asc(), clients::id.asc()))
        .select(ClientRow::as_select())
        .load(conn)?;
    Ok(Page {
        items: with_roles(conn, rows)?,
        total,
    })
}

/// One page of the tenant's client-credentials clients holding `role` (ordered by creation, then
/// id) and how many hold it: an index count, the page's keys from the index, the page's rows by
/// primary key, and the page's roles.
pub fn list_with_role(
    conn: &mut DbConn,
    role: &RoleId,
    q: &ListQuery,
) -> StoreResult<Page<Client>> {
    // The role's range of the (role_id, kind, created, client_id) index, in list order: the count
    // and the page's keys (OFFSET included) read index entries only; then the page's rows. A role
    // belongs to one tenant, and the tenant filter on the rows keeps it so.
    let holders = || {
        client_roles::table
            .filter(client_roles::role_id.eq(role.as_str()))
            .filter(client_roles::kind.eq(ClientKind::ClientCredentials.as_str()))
    };
    let total: i64 = holders().count().get_result(conn)?;
    let ids: Vec<String> = holders()
        .order((client_roles::created.asc(), client_roles::client_id.asc()))
        .select(client_roles::client_id)
        .offset(q.skip)
        .limit(q.count)
        .load(conn)?;
    // By primary key only (a role belongs to one tenant, which the caller checked): with the
    // tenant in the statement, SQLite walked the tenant's index range instead (10 ms at 50 000).
    let rows = clients::table
        .filter(clients::id.eq_any(&ids))
        .order((clients::created.asc(), clients::id.asc()))
        .select(ClientRow::as_select())
        .load(conn)?;
    Ok(Page {
        items: with_roles(conn, rows)?,
        total,
    })
}

fn has_tags(c: &Client, wanted: &[String]) -> bool {
    wanted
        .iter()
        .all(|w| c.tags.iter().any(|t| t.to_lowercase() == *w))
}

// ---------------------------------------------------------------------------------------------
// A management caller's standing

/// A client caller's standing now (exists in `tenant`, enabled, built-in roles): one indexed read
/// per management call (clients by primary key, flat joins to its roles).
pub fn standing(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &ClientId,
) -> StoreResult<Option<Standing>> {
    let rows: Vec<(bool, Option<String>)> = clients::table
        .filter(clients::id.eq(id.as_str()))
        .filter(clients::tenant_id.eq(tenant.as_str()))
        .left_join(client_roles::table)
        .left_join(roles::table.on(roles::id.eq(client_roles::role_id)))
        .select((clients::enabled, roles::role_type_id.nullable()))
        .load(conn)?;
    Ok(rows.first().map(|(enabled, _)| Standing {
        enabled: *enabled,
        role_type_ids: rows.iter().filter_map(|(_, t)| t.clone()).collect(),
    }))
}
