//! Handlers of `/IdentityProviders` (SPEC §12.1) and its wire shape. The client secret is never
//! part of an answer.

use super::extract::ListQueryParams;
use super::extract::{json_body, run_as, ApiCaller, ListParams};
use super::openapi::{ApiErrors, TenantPath};
use super::{created, listed, tenant_id};
use crate::domain::identity_provider::{redirect_uri, IdentityProvider};
use crate::http::errors::ApiError;
use crate::http::AppState;
use crate::service::identity_providers::{
    self as svc, parse_provider_id, Actor, IdentityProviderInput,
};
use actix_web::{web, HttpResponse};
use serde::Serialize;

type Reply = Result<HttpResponse, ApiError>;

/// `IdentityProvider`, in the property order of SPEC §12.1.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = IdentityProvider)]
pub struct IdentityProviderView<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    #[serde(rename = "Type")]
    pub kind: &'a str,
    pub authority: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub scopes: Option<&'a str>,
    pub enabled: bool,
    pub allow_auto_provisioning: bool,
    pub default_role_ids: Vec<&'a str>,
    pub redirect_uri: Option<String>,
}

/// `{tenantId}` and `{providerId}`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
#[allow(dead_code)] // Describes the path; the handlers parse it by hand.
pub struct ProviderPath {
    /// The tenant's Id (GUID).
    tenant_id: String,
    /// The identity provider's Id (GUID; the Local one is 00000000-0000-0000-0000-00000000000a).
    provider_id: String,
}

/// The view of `p`; upstream providers show the redirect URI to register with them.
pub fn view<'a>(p: &'a IdentityProvider, issuer: &str) -> IdentityProviderView<'a> {
    let upstream = |s: &'a str| (!p.is_local()).then_some(s);
    IdentityProviderView {
        id: &p.id,
        display_name: &p.display_name,
        kind: p.kind.as_str(),
        authority: upstream(&p.authority),
        client_id: upstream(&p.client_id),
        scopes: upstream(&p.scopes),
        enabled: p.enabled,
        allow_auto_provisioning: p.allow_auto_provisioning,
        default_role_ids: p.default_role_ids.iter().map(|r| r.as_str()).collect(),
        redirect_uri: (!p.is_local()).then(|| redirect_uri(issuer)),
    }
}

#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/IdentityProviders",
    tag = "IdentityProviders",
    params(TenantPath, ListQueryParams),
    responses(
        (status = 200, description = "The identity providers, the Local one first.", body = [IdentityProviderView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let q = params.query()?;
    let page = run_as(&state, caller, move |ctx, caller| {
        svc::list(ctx, Actor::Caller(caller), &tenant, &q)
    })
    .await?;
    let issuer = state.ctx.config.issuer();
    let data: Vec<_> = page.items.iter().map(|p| view(p, &issuer)).collect();
    Ok(listed(&data, page.total))
}

#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/IdentityProviders/{providerId}",
    tag = "IdentityProviders",
    params(ProviderPath),
    responses(
        (status = 200, description = "The identity provider (never its secret).", body = IdentityProviderView),
        ApiErrors
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, id) = (tenant_id(&path.0)?, parse_provider_id(&path.1)?);
    let p = run_as(&state, caller, move |ctx, caller| {
        svc::get(ctx, caller, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&p, &state.ctx.config.issuer())))
}

#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/IdentityProviders",
    tag = "IdentityProviders",
    params(TenantPath),
    request_body = IdentityProviderInput,
    responses(
        (status = 201, description = "Created; the upstream discovery document was checked.", body = IdentityProviderView),
        ApiErrors
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: IdentityProviderInput = json_body(payload).await?;
    let p = svc::create(&state.ctx, Some(caller.0), tenant.clone(), input).await?;
    let location = format!("IdentityProviders/{}", p.id);
    let body = view(&p, &state.ctx.config.issuer());
    Ok(created(&state, &tenant, &location, body))
}

#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/IdentityProviders/{providerId}",
    tag = "IdentityProviders",
    params(ProviderPath),
    request_body = IdentityProviderInput,
    responses(
        (status = 200, description = "The identity provider (never its secret).", body = IdentityProviderView),
        ApiErrors
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, id) = (tenant_id(&path.0)?, parse_provider_id(&path.1)?);
    let input: IdentityProviderInput = json_body(payload).await?;
    let p = svc::update(&state.ctx, caller.0, tenant, id, input).await?;
    Ok(HttpResponse::Ok().json(view(&p, &state.ctx.config.issuer())))
}

#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/IdentityProviders/{providerId}",
    tag = "IdentityProviders",
    params(ProviderPath),
    responses(
        (status = 204, description = "Deleted (400 for the Local provider)."),
        ApiErrors
    )
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, id) = (tenant_id(&path.0)?, parse_provider_id(&path.1)?);
    run_as(&state, caller, move |ctx, caller| {
        svc::delete(ctx, Actor::Caller(caller), &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
