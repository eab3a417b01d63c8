//! User rows and their role assignments.

use super::schema::{roles, user_roles, users};
use super::{DbConn, StoreResult};
use crate::domain::caller::Standing;
use crate::domain::{ListQuery, Page, RoleId, TenantId, User, UserId};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
struct UserRow {
    id: String,
    tenant_id: String,
    email: String,
    email_lower: String,
    given_name: Option<String>,
    surname: Option<String>,
    name: Option<String>,
    contact_email: Option<String>,
    contact_given_name: Option<String>,
    contact_surname: Option<String>,
    external_user_id: Option<String>,
    identity_provider_id: String,
    created: i64,
    last_updated: i64,
}

fn to_row(u: &User) -> UserRow {
    UserRow {
        id: u.id.as_str().to_owned(),
        tenant_id: u.tenant_id.as_str().to_owned(),
        email: u.email.clone(),
        email_lower: u.email.to_lowercase(),
        given_name: u.given_name.clone(),
        surname: u.surname.clone(),
        name: u.name.clone(),
        contact_email: u.contact_email.clone(),
        contact_given_name: u.contact_given_name.clone(),
        contact_surname: u.contact_surname.clone(),
        external_user_id: u.external_user_id.clone(),
        identity_provider_id: u.identity_provider_id.clone(),
        created: u.created,
        last_updated: u.last_updated,
    }
}

fn from_row(r: UserRow, role_ids: Vec<RoleId>) -> User {
    User {
        id: UserId::from_stored(r.id),
        tenant_id: TenantId::from_stored(r.tenant_id),
        given_name: r.given_name,
        surname: r.surname,
        name: r.name,
        email: r.email,
        contact_email: r.contact_email,
        contact_given_name: r.contact_given_name,
        contact_surname: r.contact_surname,
        external_user_id: r.external_user_id,
        identity_provider_id: r.identity_provider_id,
        role_ids,
        created: r.created,
        last_updated: r.last_updated,
    }
}

/// Loads role ids for many users with one query.
fn roles_of(conn: &mut DbConn, ids: &[String]) -> StoreResult<HashMap<String, Vec<RoleId>>> {
    let pairs: Vec<(String, String)> = user_roles::table
        .filter(user_roles::user_id.eq_any(ids))
        .order(user_roles::role_id.asc())
        .select((user_roles::user_id, user_roles::role_id))
        .load(conn)?;
    let mut map: HashMap<String, Vec<RoleId>> = HashMap::new();
    for (user, role) in pairs {
        map.entry(user).or_default().push(RoleId::from_stored(role));
    }
    Ok(map)
}

fn with_roles(conn: &mut DbConn, rows: Vec<UserRow>) -> StoreResult<Vec<User>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles = roles_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let role_ids = roles.remove(&r.id).unwrap_or_default();
            from_row(r, role_ids)
        })
        .collect())
}

pub fn insert(conn: &mut DbConn, user: &User, password_hash: Option<&str>) -> StoreResult<()> {
    diesel::insert_into(users::table)
        .values((to_row(user), users::password_hash.eq(password_hash)))
        .execute(conn)?;
    set_roles(conn, user)
}

/// Replaces the user's role list. Each row carries the user's creation time, so a role's holders
/// are one index range in list order ([`list_with_role`]).
pub fn set_roles(conn: &mut DbConn, user: &User) -> StoreResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user.id.as_str())))
        .execute(conn)?;
    // One row at a time: the multi-backend cannot batch inserts (no DEFAULT keyword in SQLite).
    for r in &user.role_ids {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user.id.as_str()),
                user_roles::role_id.eq(r.as_str()),
                user_roles::created.eq(user.created),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn get(conn: &mut DbConn, tenant: &TenantId, id: &UserId) -> StoreResult<Option<User>> {
    let row = users::table
        .filter(users::id.eq(id.as_str()))
        .filter(users::tenant_id.eq(tenant.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(r) => with_roles(conn, vec![r])?.pop(),
        None => None,
    })
}

/// A user caller's standing now (exists in `tenant`, built-in roles): one indexed read per
/// management call.
pub fn standing(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &UserId,
) -> StoreResult<Option<Standing>> {
    let rows: Vec<(String, Option<String>)> = users::table
        .filter(users::id.eq(id.as_str()))
        .filter(users::tenant_id.eq(tenant.as_str()))
        .left_join(user_roles::table)
        .left_join(roles::table.on(roles::id.eq(user_roles::role_id)))
        .select((users::id, roles::role_type_id.nullable()))
        .load(conn)?;
    Ok((!rows.is_empty()).then(|| Standing {
        enabled: true,
        role_type_ids: rows.into_iter().filter_map(|(_, t)| t).collect(),
    }))
}

/// The tenant of the user with this id, if any (user ids are global).
pub fn tenant_of(conn: &mut DbConn, id: &UserId) -> StoreResult<Option<TenantId>> {
    let tenant: Option<String> = users::table
        .find(id.as_str())
        .select(users::tenant_id)
        .first(conn)
        .optional()?;
    Ok(tenant.map(TenantId::from_stored))
}

/// A user and their password hash, by e-mail (case-insensitive), for sign-in.
pub fn find_by_email(
    conn: &mut DbConn,
    tenant: &TenantId,
    email: &str,
) -> StoreResult<Option<(User, Option<String>)>> {
    let row: Option<(UserRow, Option<String>)> = users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::email_lower.eq(email.to_lowercase()))
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((r, hash)) => with_roles(conn, vec![r])?.pop().map(|u| (u, hash)),
        None => None,
    })
}

pub fn count(conn: &mut DbConn, tenant: &TenantId) -> StoreResult<i64> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?)
}

/// A page of the tenant's users, or the requested ids.
pub fn list(conn: &mut DbConn, tenant: &TenantId, q: &ListQuery) -> StoreResult<Page<User>> {
    let base = users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .order((users::created.asc(), users::id.asc()))
        .select(UserRow::as_select());
    if !q.ids.is_empty() {
        let rows = base.filter(users::id.eq_any(&q.ids)).load(conn)?;
        let items = with_roles(conn, rows)?;
        return Ok(Page {
            total: items.len() as i64,
            items,
        });
    }
    let total = count(conn, tenant)?;
    let rows = base.offset(q.skip).limit(q.count).load(conn)?;
    Ok(Page {
        items: with_roles(conn, rows)?,
        total,
    })
}

/// One page of the tenant's users holding `role` (ordered by creation, then id) and how many hold
/// it: an index count, the page's keys from the index, the page's rows, the page's roles.
pub fn list_with_role(conn: &mut DbConn, role: &RoleId, q: &ListQuery) -> StoreResult<Page<User>> {
    // The role's range of the (role_id, created, user_id) index, in list order: the count and the
    // page's keys read index entries only; then the page's rows (see clients::list_with_role).
    let holders = || user_roles::table.filter(user_roles::role_id.eq(role.as_str()));
    let total: i64 = holders().count().get_result(conn)?;
    let ids: Vec<String> = holders()
        .order((user_roles::created.asc(), user_roles::user_id.asc()))
        .select(user_roles::user_id)
        .offset(q.skip)
        .limit(q.count)
        .load(conn)?;
    // By primary key only (a role belongs to one tenant, which the caller checked): with the
    // tenant in the statement, SQLite walked the tenant's index range instead (10 ms at 50 000).
    let rows = users::table
        .filter(users::id.eq_any(&ids))
        .order((users::created.asc(), users::id.asc()))
        .select(UserRow::as_select())
        .load(conn)?;
    Ok(Page {
        items: with_roles(conn, rows)?,
        total,
    })
}

/// Writes every profile field (the service merged the partial update already).
pub fn update(conn: &mut DbConn, user: &User, password_hash: Option<&str>) -> StoreResult<()> {
    diesel::update(users::table.find(user.id.as_str()))
        .set(to_row(user))
        .execute(conn)?;
    if let Some(hash) = password_hash {
        diesel::update(users::table.find(user.id.as_str()))
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &UserId) -> StoreResult<()> {
    diesel::delete(users::table.find(id.as_str())).execute(conn)?;
    Ok(())
}

/// The tenants that have an account with this e-mail (case-insensitive), for the portal's
/// sign-in, which is not bound to a tenant. Ordered by tenant id, so the answer is stable.
pub fn tenants_with_email(conn: &mut DbConn, email: &str) -> StoreResult<Vec<TenantId>> {
    let ids: Vec<String> = users::table
        .filter(users::email_lower.eq(email.to_lowercase()))
        .select(users::tenant_id)
        .order(users::tenant_id.asc())
        .load(conn)?;
    Ok(ids.into_iter().map(TenantId::from_stored).collect())
}
