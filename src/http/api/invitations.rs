//! Handlers of the invitations (SPEC §12.3): `/Users/{userId}/Invitation` and
//! `/Invitations[/{invitationId}]`, all Tenant Administrator, over `service::invitations`.

use super::extract::ListQueryParams;
use super::extract::{optional_json_body, run_as, ApiCaller, ListParams};
use super::openapi::{ApiErrors, TenantPath, UserPath};
use super::{created, listed, tenant_id};
use crate::domain::time::format_time;
use crate::domain::Invitation;
use crate::http::errors::ApiError;
use crate::http::errors::ErrorResponse;
use crate::http::AppState;
use crate::service::invitations::{
    self as svc, parse_invitation_id, user_target, InvitationInput, IssuedInvitation, Target,
};
use crate::service::ServiceError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

type Reply = Result<HttpResponse, ApiError>;

/// `Invitation`, in the OCS property order; `InvitationUrl` (a Portcullis extension) only in the
/// answers that issue a code, else null.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = Invitation)]
pub struct InvitationView<'a> {
    id: &'a str,
    issued: String,
    expires: String,
    accepted: Option<String>,
    state: i32,
    tenant_id: &'a str,
    user_id: &'a str,
    identity_provider_id: &'a str,
    invitation_url: Option<&'a str>,
}

fn view<'a>(i: &'a Invitation, url: Option<&'a str>) -> InvitationView<'a> {
    InvitationView {
        id: i.id.as_str(),
        issued: format_time(i.issued),
        expires: format_time(i.expires),
        accepted: i.accepted.map(format_time),
        state: i.state,
        tenant_id: i.tenant_id.as_str(),
        user_id: i.user_id.as_str(),
        identity_provider_id: &i.identity_provider_id,
        invitation_url: url,
    }
}

fn issued_view(issued: &IssuedInvitation) -> InvitationView<'_> {
    view(&issued.invitation, Some(issued.url.expose_secret()))
}

/// `{tenantId}` and `{invitationId}`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
#[allow(dead_code)] // Describes the path; the handlers parse it by hand.
pub struct InvitationPath {
    /// The tenant's Id (GUID).
    tenant_id: String,
    /// The invitation's Id (GUID).
    invitation_id: String,
}

/// The extra filter of `GET /Invitations`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // Describes the hand-written parser below; never built.
pub struct IncludeExpiredParam {
    /// Also list invitations past their expiry (true or false, default false).
    include_expired_invitations: Option<bool>,
}

/// `includeExpiredInvitations` (any letter case; `true`/`false`, default false).
fn include_expired(req: &HttpRequest) -> Result<bool, ApiError> {
    let raw = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("includeExpiredInvitations"))
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    match raw.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ServiceError::bad_request(
            format!("includeExpiredInvitations '{other}' is not true or false."),
            "Send includeExpiredInvitations=true or false.",
        )
        .into()),
    }
}

fn by_user(path: &(String, String)) -> Result<(crate::domain::TenantId, Target), ApiError> {
    Ok((tenant_id(&path.0)?, user_target(&path.1)?))
}

fn by_id(path: &(String, String)) -> Result<(crate::domain::TenantId, Target), ApiError> {
    Ok((
        tenant_id(&path.0)?,
        Target::Id(parse_invitation_id(&path.1)?),
    ))
}

async fn get(
    state: &AppState,
    caller: ApiCaller,
    tenant: crate::domain::TenantId,
    t: Target,
) -> Reply {
    let i = run_as(state, caller, move |ctx, caller| {
        svc::get(ctx, caller, &tenant, &t)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&i, None)))
}

async fn update(
    state: &AppState,
    caller: ApiCaller,
    tenant: crate::domain::TenantId,
    t: Target,
    payload: web::Payload,
) -> Reply {
    let input: InvitationInput = optional_json_body(payload).await?;
    let issued = run_as(state, caller, move |ctx, caller| {
        svc::update(ctx, caller, &tenant, &t, input)
    })
    .await?;
    Ok(HttpResponse::Ok()
        // The answer carries a fresh link; no cache may keep it.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued_view(&issued)))
}

async fn delete(
    state: &AppState,
    caller: ApiCaller,
    tenant: crate::domain::TenantId,
    t: Target,
) -> Reply {
    run_as(state, caller, move |ctx, caller| {
        svc::delete(ctx, caller, &tenant, &t)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET|HEAD /Users/{userId}/Invitation`.
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Invitation",
    tag = "Invitations",
    params(UserPath),
    responses(
        (status = 200, description = "The invitation (InvitationUrl null).", body = InvitationView),
        ApiErrors
    )
)]
pub async fn get_of_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, t) = by_user(&path)?;
    get(&state, caller, tenant, t).await
}

/// `POST /Users/{userId}/Invitation`: 201 with the link.
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Invitation",
    tag = "Invitations",
    params(UserPath),
    request_body(content = InvitationInput, description = "All properties optional."),
    responses(
        (status = 201, description = "The invitation with its InvitationUrl, shown once.", body = InvitationView), (status = 409, description = "The user already has an invitation.", body = ErrorResponse),
        ApiErrors
    )
)]
pub async fn create_for_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path.0)?;
    let user = crate::service::users::parse_user_id(&path.1)?;
    let input: InvitationInput = optional_json_body(payload).await?;
    let tn = tenant.clone();
    let issued = run_as(&state, caller, move |ctx, caller| {
        svc::create(ctx, caller, &tn, &user, input)
    })
    .await?;
    let location = format!("Invitations/{}", issued.invitation.id);
    Ok(created(&state, &tenant, &location, issued_view(&issued)))
}

/// `PUT /Users/{userId}/Invitation`.
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Invitation",
    tag = "Invitations",
    params(UserPath),
    request_body(content = InvitationInput, description = "All properties optional."),
    responses(
        (status = 200, description = "The invitation with a new InvitationUrl (the old link stops working).", body = InvitationView),
        ApiErrors
    )
)]
pub async fn update_of_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, t) = by_user(&path)?;
    update(&state, caller, tenant, t, payload).await
}

/// `DELETE /Users/{userId}/Invitation`.
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/Users/{userId}/Invitation",
    tag = "Invitations",
    params(UserPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub async fn delete_of_user(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, t) = by_user(&path)?;
    delete(&state, caller, tenant, t).await
}

/// `GET|HEAD /Invitations`: paged (`skip`, `count`, `Total-Count`), `includeExpiredInvitations`.
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Invitations",
    tag = "Invitations",
    params(TenantPath, ListQueryParams, IncludeExpiredParam),
    responses(
        (status = 200, description = "The invitations.", body = [InvitationView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
    req: HttpRequest,
) -> Reply {
    let tenant = tenant_id(&path)?;
    // `id` and `tag` do not apply to invitations; paging does.
    let q = crate::service::validate::list_query(&[], &[], params.skip, params.count)?;
    let expired = include_expired(&req)?;
    let page = run_as(&state, caller, move |ctx, caller| {
        svc::list(ctx, caller, &tenant, &q, expired)
    })
    .await?;
    let data: Vec<_> = page.items.iter().map(|i| view(i, None)).collect();
    Ok(listed(&data, page.total))
}

/// `GET|HEAD /Invitations/{invitationId}`.
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Invitations/{invitationId}",
    tag = "Invitations",
    params(InvitationPath),
    responses(
        (status = 200, description = "The invitation (InvitationUrl null).", body = InvitationView),
        ApiErrors
    )
)]
pub async fn get_by_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, t) = by_id(&path)?;
    get(&state, caller, tenant, t).await
}

/// `PUT /Invitations/{invitationId}`.
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Invitations/{invitationId}",
    tag = "Invitations",
    params(InvitationPath),
    request_body(content = InvitationInput, description = "All properties optional."),
    responses(
        (status = 200, description = "The invitation with a new InvitationUrl (the old link stops working).", body = InvitationView),
        ApiErrors
    )
)]
pub async fn update_by_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, t) = by_id(&path)?;
    update(&state, caller, tenant, t, payload).await
}

/// `DELETE /Invitations/{invitationId}`.
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/Invitations/{invitationId}",
    tag = "Invitations",
    params(InvitationPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub async fn delete_by_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, t) = by_id(&path)?;
    delete(&state, caller, tenant, t).await
}
