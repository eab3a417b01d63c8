//! Handlers for the tenant, its roles and its users.

use super::clients::{multi_status, role_ref_ids, RoleRef};
use super::extract::{json_array_body, json_body, ApiCaller, ListParams};
use super::{listed, tenant_id, views};
use crate::http::errors::ApiError;
use crate::http::{blocking, AppState};
use crate::service::roles::{self as roles_svc, parse_role_id, RoleInput};
use crate::service::tenants::{self as tenants_svc, TenantInput};
use crate::service::users::{self as users_svc, parse_user_id, UserInput};
use actix_web::http::header;
use actix_web::{web, HttpResponse};

type Reply = Result<HttpResponse, ApiError>;

pub async fn get_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let ctx = state.ctx.clone();
    let t = blocking(move || tenants_svc::get(&ctx, &caller.0, &tenant)).await?;
    Ok(HttpResponse::Ok().json(views::tenant(&t)))
}

/// HEAD of a tenant answers 204 when it exists (OCS).
pub async fn head_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let ctx = state.ctx.clone();
    blocking(move || tenants_svc::get(&ctx, &caller.0, &tenant)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn update_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: TenantInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let t = blocking(move || tenants_svc::update(&ctx, &caller.0, &tenant, input)).await?;
    Ok(HttpResponse::Ok().json(views::tenant(&t)))
}

pub async fn list_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let q = params.query()?;
    let ctx = state.ctx.clone();
    let role_type = params.role_type_id.clone();
    let page = blocking(move || {
        roles_svc::list(
            &ctx,
            &caller.0,
            &tenant,
            role_type.as_deref(),
            q.skip,
            q.count,
        )
    })
    .await?;
    let data: Vec<_> = page.items.iter().map(views::role).collect();
    Ok(listed(&data, page.total))
}

pub async fn create_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: RoleInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let t = tenant.clone();
    let role = blocking(move || roles_svc::create(&ctx, &caller.0, &t, input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "{}/api/v1/Tenants/{tenant}/Roles/{}",
                state.ctx.config.public_url, role.id
            ),
        ))
        .json(views::role(&role)))
}

pub async fn get_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let ctx = state.ctx.clone();
    let r = blocking(move || roles_svc::get(&ctx, &caller.0, &tenant, &role)).await?;
    Ok(HttpResponse::Ok().json(views::role(&r)))
}

pub async fn update_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let input: RoleInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let r = blocking(move || roles_svc::update(&ctx, &caller.0, &tenant, &role, input)).await?;
    Ok(HttpResponse::Ok().json(views::role(&r)))
}

pub async fn delete_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let ctx = state.ctx.clone();
    blocking(move || roles_svc::delete(&ctx, &caller.0, &tenant, &role)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paged like every list (`skip`, `count`; `Total-Count` is the number of holders).
pub async fn role_users(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let q = params.query()?;
    let ctx = state.ctx.clone();
    let page = blocking(move || roles_svc::users(&ctx, &caller.0, &tenant, &role, &q)).await?;
    let data: Vec<_> = page.items.iter().map(views::user).collect();
    Ok(listed(&data, page.total))
}

/// Paged like every list (`skip`, `count`; `Total-Count` is the number of holders).
pub async fn role_clients(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, role) = (tenant_id(&path.0)?, parse_role_id(&path.1)?);
    let q = params.query()?;
    let ctx = state.ctx.clone();
    let page = blocking(move || roles_svc::clients(&ctx, &caller.0, &tenant, &role, &q)).await?;
    let data: Vec<_> = page.items.iter().map(views::client).collect();
    Ok(listed(&data, page.total))
}

pub async fn list_users(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let q = params.query()?;
    let ctx = state.ctx.clone();
    let listing = blocking(move || users_svc::list(&ctx, &caller.0, &tenant, &q)).await?;
    let data: Vec<_> = listing.page.items.iter().map(views::user).collect();
    Ok(multi_status(
        data,
        listing.page.total,
        &listing.missing,
        "User",
    ))
}

pub async fn create_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: UserInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let t = tenant.clone();
    let user = blocking(move || users_svc::create(&ctx, &caller.0, &t, input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "{}/api/v1/Tenants/{tenant}/Users/{}",
                state.ctx.config.public_url, user.id
            ),
        ))
        .json(views::user(&user)))
}

pub async fn get_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let ctx = state.ctx.clone();
    let u = blocking(move || users_svc::get(&ctx, &caller.0, &tenant, &user)).await?;
    Ok(HttpResponse::Ok().json(views::user(&u)))
}

pub async fn update_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let input: UserInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let u = blocking(move || users_svc::update(&ctx, &caller.0, &tenant, &user, input)).await?;
    Ok(HttpResponse::Ok().json(views::user(&u)))
}

pub async fn delete_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let ctx = state.ctx.clone();
    blocking(move || users_svc::delete(&ctx, &caller.0, &tenant, &user)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn user_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let ctx = state.ctx.clone();
    let roles = blocking(move || users_svc::roles(&ctx, &caller.0, &tenant, &user)).await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(listed(&data, data.len() as i64))
}

pub async fn set_user_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, user) = (tenant_id(&path.0)?, parse_user_id(&path.1)?);
    let ids = role_ref_ids(json_array_body::<Vec<RoleRef>>(payload).await?)?;
    let ctx = state.ctx.clone();
    let roles =
        blocking(move || users_svc::set_roles(&ctx, &caller.0, &tenant, &user, &ids)).await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(HttpResponse::Ok().json(data))
}
