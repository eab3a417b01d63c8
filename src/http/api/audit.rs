//! `GET|HEAD /api/v1/Tenants/{tenantId}/AuditEvents` (SPEC §13.2; TA): the tenant's audit
//! events, newest first, paged with `skip`/`count` and filtered by `action`, `since` (inclusive)
//! and `until` (exclusive).

use super::extract::{run_as, ApiCaller, ListParams};
use super::openapi::{ApiErrors, TenantPath};
use super::{listed, tenant_id};
use crate::domain::audit::AuditRecord;
use crate::domain::time::format_time;
use crate::http::errors::ApiError;
use crate::http::AppState;
use crate::service::audit::{self as svc, AuditParams};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// `AuditEvent` on the wire (PascalCase like every API object).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = AuditEvent)]
pub struct AuditEventView {
    pub id: i64,
    pub time: String,
    pub tenant_id: Option<String>,
    pub actor: String,
    pub action: &'static str,
    pub target_id: Option<String>,
    pub outcome: &'static str,
    pub client_address: Option<String>,
    pub request_id: Option<String>,
}

impl From<AuditRecord> for AuditEventView {
    fn from(r: AuditRecord) -> Self {
        let e = r.event;
        AuditEventView {
            id: r.id,
            time: format_time(e.time),
            tenant_id: e.tenant_id.map(|t| t.into_string()),
            actor: e.actor,
            action: e.action.as_str(),
            target_id: e.target_id,
            outcome: e.outcome.as_str(),
            client_address: e.origin.client_address,
            request_id: e.origin.request_id,
        }
    }
}

/// The paging of `GET /AuditEvents` (`id` and `tag` do not apply).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the hand-written parser; never built.
pub struct AuditPagingParams {
    /// Items to skip (an int32; default 0).
    skip: Option<i32>,
    /// Items to return (1..1000; default 100).
    count: Option<i32>,
}

/// The filters of `GET /AuditEvents`, as the API description shows them.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the hand-written parser below; never built.
pub struct AuditFilterParams {
    /// Only events of this action (e.g. `client.secret.created`).
    action: Option<String>,
    /// Only events at or after this time (ISO 8601, UTC).
    since: Option<String>,
    /// Only events before this time (ISO 8601, UTC).
    until: Option<String>,
}

/// `action`, `since` and `until` (names case-insensitive, like the other list parameters).
fn filters(query: &str, paging: &ListParams) -> AuditParams {
    let mut p = AuditParams {
        skip: paging.skip,
        count: paging.count,
        ..AuditParams::default()
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "action" => p.action = Some(v.into_owned()),
            "since" => p.since = Some(v.into_owned()),
            "until" => p.until = Some(v.into_owned()),
            _ => {}
        }
    }
    p
}

#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/AuditEvents",
    tag = "AuditEvents",
    params(TenantPath, AuditPagingParams, AuditFilterParams),
    responses(
        (status = 200, description = "The tenant's audit events, newest first.", body = [AuditEventView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    req: HttpRequest,
    path: web::Path<String>,
    paging: ListParams,
) -> Result<HttpResponse, ApiError> {
    let tenant = tenant_id(&path)?;
    let query = svc::query(&filters(req.query_string(), &paging))?;
    let page = run_as(&state, caller, move |ctx, caller| {
        svc::list(ctx, caller, &tenant, &query)
    })
    .await?;
    let items: Vec<AuditEventView> = page.items.into_iter().map(Into::into).collect();
    Ok(listed(&items, page.total))
}
