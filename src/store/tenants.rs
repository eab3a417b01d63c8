//! Tenant rows.

use super::schema::tenants;
use super::{DbConn, StoreResult};
use crate::domain::{Tenant, TenantId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tenants)]
struct TenantRow {
    id: String,
    company_name: String,
    alias: Option<String>,
    state: i32,
    created: i64,
    last_updated: i64,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: TenantId::from_stored(r.id),
            company_name: r.company_name,
            alias: r.alias,
            state: r.state,
            created: r.created,
            last_updated: r.last_updated,
        }
    }
}

fn row(t: &Tenant) -> TenantRow {
    TenantRow {
        id: t.id.as_str().to_owned(),
        company_name: t.company_name.clone(),
        alias: t.alias.clone(),
        state: t.state,
        created: t.created,
        last_updated: t.last_updated,
    }
}

pub fn insert(conn: &mut DbConn, tenant: &Tenant) -> StoreResult<()> {
    diesel::insert_into(tenants::table)
        .values(row(tenant))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: &TenantId) -> StoreResult<Option<Tenant>> {
    Ok(tenants::table
        .find(id.as_str())
        .select(TenantRow::as_select())
        .first(conn)
        .optional()?
        .map(Tenant::from))
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> StoreResult<Option<Tenant>> {
    Ok(tenants::table
        .filter(tenants::company_name.eq(name))
        .select(TenantRow::as_select())
        .first(conn)
        .optional()?
        .map(Tenant::from))
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(tenants::table.count().get_result(conn)?)
}

pub fn update(conn: &mut DbConn, tenant: &Tenant) -> StoreResult<()> {
    diesel::update(tenants::table.find(tenant.id.as_str()))
        .set(row(tenant))
        .execute(conn)?;
    Ok(())
}
