//! Handlers for the tenant, its roles and its users.

use super::clients::MultiStatus;
use super::clients::{multi_status, role_ref_ids, RoleRef};
use super::extract::{json_array_body, json_body, run_as, ApiCaller, ListParams};
use super::extract::{ListQueryParams, RoleTypeParam};
use super::openapi::{ApiErrors, RolePath, TenantPath, UserPath};
use super::views::{ClientCredentialClientView, RoleView, TenantView, UserView};
use super::{created, listed, tenant_id, views};
use crate::http::errors::ApiError;
use crate::http::AppState;
use crate::service::roles::{self as roles_svc, parse_role_id, RoleInput};
use crate::service::tenants::{self as tenants_svc, TenantInput};
use crate::service::users::{self as users_svc, parse_user_id, UserInput};
use actix_web::{web, HttpResponse};

type Reply = Result<HttpResponse, ApiError>;

/// Reads the tenant (TM).
#[utoipa::path(
    get,
    path = "/api/v1/Tenants/{tenantId}",
    tag = "Tenant",
    params(TenantPath),
    responses(
        (status = 200, description = "The tenant.", body = TenantView),
        ApiErrors
    )
)]
pub async fn get_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let t = run_as(&state, caller, move |ctx, caller| {
        tenants_svc::get(ctx, caller, &tenant)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::tenant(&t)))
}

/// HEAD of a tenant answers 204 when it exists (OCS).
#[utoipa::path(
    head,
    path = "/api/v1/Tenants/{tenantId}",
    tag = "Tenant",
    params(TenantPath),
    responses(
        (status = 204, description = "The tenant exists."),
        ApiErrors
    )
)]
pub async fn head_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Reply {
    let tenant = tenant_id(&path)?;
    run_as(&state, caller, move |ctx, caller| {
        tenants_svc::get(ctx, caller, &tenant)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the tenant's CompanyName or Alias (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}",
    tag = "Tenant",
    params(TenantPath),
    request_body = TenantInput,
    responses(
        (status = 200, description = "The tenant as it is now.", body = TenantView),
        ApiErrors
    )
)]
pub async fn update_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: TenantInput = json_body(payload).await?;
    let t = run_as(&state, caller, move |ctx, caller| {
        tenants_svc::update(ctx, caller, &tenant, input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::tenant(&t)))
}

/// Lists the tenant's roles (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Roles",
    tag = "Roles",
    params(TenantPath, ListQueryParams, RoleTypeParam),
    responses(
        (status = 200, description = "The roles.", body = [RoleView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn list_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let q = params.query()?;
    let role_type = params.role_type_id.clone();
    let page = run_as(&state, caller, move |ctx, caller| {
        roles_svc::list(ctx, caller, &tenant, role_type.as_deref(), q.skip, q.count)
    })
    .await?;
    let data: Vec<_> = page.items.iter().map(views::role).collect();
    Ok(listed(&data, page.total))
}

/// Creates a custom role (TA).
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/Roles",
    tag = "Roles",
    params(TenantPath),
    request_body = RoleInput,
    responses(
        (status = 201, description = "The role.", body = RoleView, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub async fn create_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: RoleInput = json_body(payload).await?;
    let t = tenant.clone();
    let role = run_as(&state, caller, move |ctx, caller| {
        roles_svc::create(ctx, caller, &t, input)
    })
    .await?;
    let location = format!("Roles/{}", role.id);
    Ok(created(&state, &tenant, &location, views::role(&role)))
}

/// Reads a role (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Roles/{roleId}",
    tag = "Roles",
    params(RolePath),
    responses(
        (status = 200, description = "The role.", body = RoleView),
        ApiErrors
    )
)]
pub async fn get_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let r = run_as(&state, caller, move |ctx, caller| {
        roles_svc::get(ctx, caller, &tenant, &role)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::role(&r)))
}

/// Changes a custom role; built-in roles give 400 (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Roles/{roleId}",
    tag = "Roles",
    params(RolePath),
    request_body = RoleInput,
    responses(
        (status = 200, description = "The role as it is now.", body = RoleView),
        ApiErrors
    )
)]
pub async fn update_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let input: RoleInput = json_body(payload).await?;
    let r = run_as(&state, caller, move |ctx, caller| {
        roles_svc::update(ctx, caller, &tenant, &role, input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::role(&r)))
}

/// Deletes a custom role; built-in roles give 400 (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/Roles/{roleId}",
    tag = "Roles",
    params(RolePath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub async fn delete_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    run_as(&state, caller, move |ctx, caller| {
        roles_svc::delete(ctx, caller, &tenant, &role)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paged like every list (`skip`, `count`; `Total-Count` is the number of holders).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Roles/{roleId}/Users",
    tag = "Roles",
    params(RolePath, ListQueryParams),
    responses(
        (status = 200, description = "The users holding the role.", body = [UserView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn role_users(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let q = params.query()?;
    let page = run_as(&state, caller, move |ctx, caller| {
        roles_svc::users(ctx, caller, &tenant, &role, &q)
    })
    .await?;
    let data: Vec<_> = page.items.iter().map(views::user).collect();
    Ok(listed(&data, page.total))
}

/// Paged like every list (`skip`, `count`; `Total-Count` is the number of holders).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Roles/{roleId}/ClientCredentialClients",
    tag = "Roles",
    params(RolePath, ListQueryParams),
    responses(
        (status = 200, description = "The client-credentials clients holding the role.", body = [ClientCredentialClientView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn role_clients(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let q = params.query()?;
    let page = run_as(&state, caller, move |ctx, caller| {
        roles_svc::clients(ctx, caller, &tenant, &role, &q)
    })
    .await?;
    let data: Vec<_> = page.items.iter().map(views::client).collect();
    Ok(listed(&data, page.total))
}

/// Lists the tenant's users (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Users",
    tag = "Users",
    params(TenantPath, ListQueryParams),
    responses(
        (status = 200, description = "The users.", body = [UserView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        (status = 207, description = "Some requested ids were not found: the found users and a 404 child error per missing id.", body = MultiStatus<UserView>, headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let q = params.query()?;
    let listing = run_as(&state, caller, move |ctx, caller| {
        users_svc::list(ctx, caller, &tenant, &q)
    })
    .await?;
    let data: Vec<_> = listing.page.items.iter().map(views::user).collect();
    Ok(multi_status(
        data,
        listing.page.total,
        &listing.missing,
        "User",
    ))
}

/// Creates a user; a local account takes a Password of at least 12 characters (TA).
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/Users",
    tag = "Users",
    params(TenantPath),
    request_body = UserInput,
    responses(
        (status = 201, description = "The user.", body = UserView, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: UserInput = json_body(payload).await?;
    let t = tenant.clone();
    let user = run_as(&state, caller, move |ctx, caller| {
        users_svc::create(ctx, caller, &t, input)
    })
    .await?;
    let location = format!("Users/{}", user.id);
    Ok(created(&state, &tenant, &location, views::user(&user)))
}

/// Reads a user (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}",
    tag = "Users",
    params(UserPath),
    responses(
        (status = 200, description = "The user.", body = UserView),
        ApiErrors
    )
)]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let u = run_as(&state, caller, move |ctx, caller| {
        users_svc::get(ctx, caller, &tenant, &user)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::user(&u)))
}

/// Changes a user: absent or null properties stay as they are (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}",
    tag = "Users",
    params(UserPath),
    request_body = UserInput,
    responses(
        (status = 200, description = "The user as it is now.", body = UserView),
        ApiErrors
    )
)]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let input: UserInput = json_body(payload).await?;
    let u = run_as(&state, caller, move |ctx, caller| {
        users_svc::update(ctx, caller, &tenant, &user, input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::user(&u)))
}

/// Deletes a user and ends its sessions and refresh tokens; not oneself (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}",
    tag = "Users",
    params(UserPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    run_as(&state, caller, move |ctx, caller| {
        users_svc::delete(ctx, caller, &tenant, &user)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists a user's roles (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Roles",
    tag = "Users",
    params(UserPath),
    responses(
        (status = 200, description = "The roles.", body = [RoleView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn user_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let roles = run_as(&state, caller, move |ctx, caller| {
        users_svc::roles(ctx, caller, &tenant, &user)
    })
    .await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(listed(&data, data.len() as i64))
}

/// Replaces a user's roles; Tenant Member must stay (TA). Only each role's Id is read.
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Roles",
    tag = "Users",
    params(UserPath),
    request_body = [RoleRef],
    responses(
        (status = 200, description = "The roles as they are now.", body = [RoleView]),
        ApiErrors
    )
)]
pub async fn set_user_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let ids = role_ref_ids(json_array_body::<Vec<RoleRef>>(payload).await?)?;
    let roles = run_as(&state, caller, move |ctx, caller| {
        users_svc::set_roles(ctx, caller, &tenant, &user, &ids)
    })
    .await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(HttpResponse::Ok().json(data))
}
