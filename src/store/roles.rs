//! Role rows, and the role assignments of users and clients.

use super::schema::roles;
use super::{DbConn, StoreResult};
use crate::domain::{Role, RoleId, TenantId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = roles)]
struct RoleRow {
    id: String,
    tenant_id: String,
    name: String,
    description: Option<String>,
    role_type_id: Option<String>,
    created: i64,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        Role {
            id: RoleId::from_stored(r.id),
            tenant_id: TenantId::from_stored(r.tenant_id),
            name: r.name,
            description: r.description,
            role_type_id: r.role_type_id,
            created: r.created,
        }
    }
}

pub fn insert(conn: &mut DbConn, role: &Role) -> StoreResult<()> {
    diesel::insert_into(roles::table)
        .values(RoleRow {
            id: role.id.as_str().to_owned(),
            tenant_id: role.tenant_id.as_str().to_owned(),
            name: role.name.clone(),
            description: role.description.clone(),
            role_type_id: role.role_type_id.clone(),
            created: role.created,
        })
        .execute(conn)?;
    Ok(())
}

/// All roles of a tenant in stable order (creation, then id).
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> StoreResult<Vec<Role>> {
    Ok(roles::table
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .order((roles::created.asc(), roles::id.asc()))
        .select(RoleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Role::from)
        .collect())
}

pub fn get(conn: &mut DbConn, tenant: &TenantId, id: &RoleId) -> StoreResult<Option<Role>> {
    Ok(roles::table
        .filter(roles::id.eq(id.as_str()))
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .select(RoleRow::as_select())
        .first(conn)
        .optional()?
        .map(Role::from))
}

/// The tenant's built-in role with the given RoleTypeId.
pub fn builtin(
    conn: &mut DbConn,
    tenant: &TenantId,
    role_type_id: &str,
) -> StoreResult<Option<Role>> {
    Ok(roles::table
        .filter(roles::tenant_id.eq(tenant.as_str()))
        .filter(roles::role_type_id.eq(role_type_id))
        .select(RoleRow::as_select())
        .first(conn)
        .optional()?
        .map(Role::from))
}

pub fn update(conn: &mut DbConn, role: &Role) -> StoreResult<()> {
    diesel::update(roles::table.find(role.id.as_str()))
        .set((
            roles::name.eq(&role.name),
            roles::description.eq(&role.description),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &RoleId) -> StoreResult<()> {
    diesel::delete(roles::table.find(id.as_str())).execute(conn)?;
    Ok(())
}
