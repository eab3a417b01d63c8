//! The tenant resource (SPEC §3.6) and tenant creation with its built-in roles.

use super::{authorize, Context, Rule, ServiceError, ServiceResult};
use crate::clock::UnixTime;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::tenant::TENANT_STATE_ACTIVE;
use crate::domain::{BuiltinRole, Caller, Role, RoleId, Tenant, TenantId};
use crate::store::{self, DbConn};
use serde::Deserialize;

/// PUT body of a tenant: only these two properties can change.
#[derive(Deserialize, Default, Debug, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TenantInput {
    pub id: Option<String>,
    pub company_name: Option<String>,
    pub alias: Option<String>,
}

/// Creates a tenant and its five built-in roles (inside the caller's transaction).
pub(crate) fn create_tenant_rows(
    conn: &mut DbConn,
    id: TenantId,
    name: &str,
    now: UnixTime,
) -> ServiceResult<Tenant> {
    let name = super::validate::required_text("CompanyName", Some(name))?;
    if store::tenants::get(conn, &id)?.is_some()
        || store::tenants::find_by_name(conn, &name)?.is_some()
    {
        return Err(ServiceError::Conflict(format!(
            "a tenant named '{name}' or with id '{id}' already exists"
        )));
    }
    let tenant = Tenant {
        id,
        company_name: name,
        alias: None,
        state: TENANT_STATE_ACTIVE,
        created: now,
        last_updated: now,
    };
    store::tenants::insert(conn, &tenant)?;
    for (i, builtin) in BuiltinRole::ALL.iter().enumerate() {
        store::roles::insert(
            conn,
            &Role {
                id: RoleId::generate(),
                tenant_id: tenant.id.clone(),
                name: builtin.name().to_owned(),
                description: Some(builtin.description().to_owned()),
                role_type_id: Some(builtin.role_type_id().to_owned()),
                // Distinct creation times keep the built-in roles in a stable, readable order.
                created: now - (BuiltinRole::ALL.len() - i) as i64,
            },
        )?;
    }
    Ok(tenant)
}

/// `tenant create` on the command line.
pub fn create(ctx: &Context, name: &str, id: Option<TenantId>) -> ServiceResult<Tenant> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        let tenant = create_tenant_rows(conn, id.unwrap_or_else(TenantId::generate), name, now)?;
        let event = AuditEvent::cli(
            Some(&tenant.id),
            AuditAction::TenantCreated,
            tenant.id.as_str(),
            now,
        );
        store::audit::record(conn, &event)?;
        Ok(tenant)
    })
}

/// GET (TM).
pub fn get(ctx: &Context, caller: &Caller, tenant: &TenantId) -> ServiceResult<Tenant> {
    ctx.store
        .read(|conn| authorize(conn, caller, tenant, Rule::Member))
}

/// PUT (TA): `CompanyName` and `Alias`.
pub fn update(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    input: TenantInput,
) -> ServiceResult<Tenant> {
    if let Some(raw) = input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        if TenantId::parse(raw).ok().as_ref() != Some(tenant) {
            return Err(ServiceError::bad_request(
                "The Id in the body differs from the tenant id in the path.",
                "Leave Id out of the body or send the same id as in the path.",
            ));
        }
    }
    let now = ctx.now();
    ctx.store.write(|conn| {
        let mut t = authorize(conn, caller, tenant, Rule::Admin)?;
        if input.company_name.is_some() {
            let name =
                super::validate::required_text("CompanyName", input.company_name.as_deref())?;
            if let Some(other) = store::tenants::find_by_name(conn, &name)? {
                if other.id != t.id {
                    // Names are unique across tenants; say so without revealing who holds it.
                    return Err(ServiceError::Conflict(format!(
                        "the CompanyName '{name}' is not available; choose another"
                    )));
                }
            }
            t.company_name = name;
        }
        if input.alias.is_some() {
            t.alias = super::validate::optional_text("Alias", input.alias.as_deref())?;
        }
        t.last_updated = now;
        store::tenants::update(conn, &t)?;
        super::audit::changed(ctx, conn, caller, AuditAction::TenantUpdated, t.id.as_str())?;
        Ok(t)
    })
}
