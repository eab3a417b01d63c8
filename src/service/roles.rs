//! Roles of a tenant (SPEC §3.6): built-in roles are read-only; custom roles can be added, renamed
//! and deleted by Tenant Administrators.

use super::validate;
use super::{authorize, Context, Rule, ServiceError, ServiceResult};
use crate::domain::audit::AuditAction;
use crate::domain::{Caller, Client, ListQuery, Page, Role, RoleId, TenantId, User};
use crate::store;
use serde::Deserialize;

/// Create or update body of a custom role.
#[derive(Deserialize, Default, Debug, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RoleInput {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Parses a role id from a path.
pub fn parse_role_id(raw: &str) -> ServiceResult<RoleId> {
    RoleId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Role id '{raw}' is not a valid GUID."),
            "Use a role Id from GET /Roles.",
        )
    })
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Role".to_owned())
}

/// GET the tenant's roles (TM), optionally only those of one RoleTypeId.
pub fn list(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    role_type_id: Option<&str>,
    skip: i64,
    count: i64,
) -> ServiceResult<Page<Role>> {
    let wanted = role_type_id.map(|r| r.trim().to_lowercase());
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        let all: Vec<Role> = store::roles::list(conn, tenant)?
            .into_iter()
            .filter(|r| wanted.is_none() || r.role_type_id == wanted)
            .collect();
        let total = all.len() as i64;
        Ok(Page {
            items: all
                .into_iter()
                .skip(skip as usize)
                .take(count as usize)
                .collect(),
            total,
        })
    })
}

/// GET one role (TM).
pub fn get(ctx: &Context, caller: &Caller, tenant: &TenantId, id: &RoleId) -> ServiceResult<Role> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        store::roles::get(conn, tenant, id)?.ok_or_else(not_found)
    })
}

/// POST a custom role (TA). A name already used in the tenant gives 409.
pub fn create(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    input: RoleInput,
) -> ServiceResult<Role> {
    let name = validate::required_text("Name", input.name.as_deref())?;
    let description = validate::optional_text("Description", input.description.as_deref())?;
    let id = match input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => parse_role_id(raw)?,
        None => RoleId::generate(),
    };
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let existing = store::roles::list(conn, tenant)?;
        if existing
            .iter()
            .any(|r| r.id == id || r.name.eq_ignore_ascii_case(&name))
        {
            return Err(ServiceError::Conflict(format!(
                "a role named '{name}' or with id '{id}' already exists"
            )));
        }
        let role = Role {
            id,
            tenant_id: tenant.clone(),
            name,
            description,
            role_type_id: None,
            created: now,
        };
        store::roles::insert(conn, &role)?;
        super::audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::RoleCreated,
            role.id.as_str(),
        )?;
        Ok(role)
    })
}

fn builtin_refused() -> ServiceError {
    ServiceError::bad_request(
        "Built-in roles cannot be changed or deleted.",
        "Create a custom role instead.",
    )
}

/// PUT a custom role (TA).
pub fn update(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &RoleId,
    input: RoleInput,
) -> ServiceResult<Role> {
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let mut role = store::roles::get(conn, tenant, id)?.ok_or_else(not_found)?;
        if role.is_builtin() {
            return Err(builtin_refused());
        }
        if input.name.is_some() {
            let name = validate::required_text("Name", input.name.as_deref())?;
            let clash = store::roles::list(conn, tenant)?
                .into_iter()
                .any(|r| r.id != role.id && r.name.eq_ignore_ascii_case(&name));
            if clash {
                return Err(ServiceError::Conflict(format!(
                    "a role named '{name}' already exists"
                )));
            }
            role.name = name;
        }
        if input.description.is_some() {
            role.description =
                validate::optional_text("Description", input.description.as_deref())?;
        }
        store::roles::update(conn, &role)?;
        super::audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::RoleUpdated,
            role.id.as_str(),
        )?;
        Ok(role)
    })
}

/// DELETE a custom role (TA); it is removed from every user and client holding it.
pub fn delete(ctx: &Context, caller: &Caller, tenant: &TenantId, id: &RoleId) -> ServiceResult<()> {
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let role = store::roles::get(conn, tenant, id)?.ok_or_else(not_found)?;
        if role.is_builtin() {
            return Err(builtin_refused());
        }
        store::roles::delete(conn, id)?;
        super::audit::changed(ctx, conn, caller, AuditAction::RoleDeleted, id.as_str())?;
        Ok(())
    })
}

/// GET one page of the users holding a role (TM), by creation time then id (SPEC §3.1 lists).
pub fn users(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &RoleId,
    q: &ListQuery,
) -> ServiceResult<Page<User>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        store::roles::get(conn, tenant, id)?.ok_or_else(not_found)?;
        Ok(store::users::list_with_role(conn, id, q)?)
    })
}

/// GET one page of the client-credentials clients holding a role (TM), by creation time then id.
pub fn clients(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &RoleId,
    q: &ListQuery,
) -> ServiceResult<Page<Client>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        store::roles::get(conn, tenant, id)?.ok_or_else(not_found)?;
        Ok(store::clients::list_with_role(conn, id, q)?)
    })
}
