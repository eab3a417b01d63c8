//! Client handlers for all three kinds (the kind comes from the route) and client roles.

use super::extract::{json_array_body, json_body, run_as, ApiCaller, KindOf, ListParams};
use super::{created, listed, tenant_id, views};
use crate::domain::ClientKind;
use crate::http::errors::ApiError;
use crate::http::AppState;
use crate::service::clients::{self as svc, parse_client_id, ClientInput};
use crate::service::ServiceError;
use actix_web::{web, HttpResponse};
use serde::Serialize;

type Reply = Result<HttpResponse, ApiError>;

/// A 207 child error (SPEC §3.1).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ChildError {
    pub operation_id: String,
    pub error: &'static str,
    pub reason: String,
    pub resolution: &'static str,
    pub status_code: u16,
    pub model_id: String,
}

/// The 207 Multi-Status body.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MultiStatus<T: Serialize> {
    pub operation_id: String,
    pub error: &'static str,
    pub reason: String,
    pub child_errors: Vec<ChildError>,
    pub data: Vec<T>,
}

/// Renders a list, as 207 when some requested ids were missing and the kind documents 207.
pub(crate) fn multi_status<T: Serialize>(
    data: Vec<T>,
    total: i64,
    missing: &[String],
    what: &str,
) -> HttpResponse {
    if missing.is_empty() {
        return listed(&data, total);
    }
    let op = crate::http::request_id::current();
    let body = MultiStatus {
        operation_id: op.clone(),
        error: "Partial success",
        reason: format!("{} of the requested {what}s were not found.", missing.len()),
        child_errors: missing
            .iter()
            .map(|id| ChildError {
                operation_id: op.clone(),
                error: "Not found",
                reason: format!("{what} '{id}' was not found."),
                resolution: "Check the id.",
                status_code: 404,
                model_id: id.clone(),
            })
            .collect(),
        data,
    };
    HttpResponse::MultiStatus()
        .insert_header(("Total-Count", total.to_string()))
        .json(body)
}

pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<String>,
    params: ListParams,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let query = params.query()?;
    let listing = run_as(&state, caller, move |ctx, caller| {
        svc::list(ctx, caller, &tenant, kind, &query)
    })
    .await?;
    let data: Vec<_> = listing.page.items.iter().map(views::client).collect();
    Ok(match kind {
        ClientKind::ClientCredentials => {
            multi_status(data, listing.page.total, &listing.missing, "Client")
        }
        _ => listed(&data, listing.page.total),
    })
}

pub async fn create(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let tenant = tenant_id(&path)?;
    let input: ClientInput = json_body(payload).await?;
    let t = tenant.clone();
    let new = run_as(&state, caller, move |ctx, caller| {
        svc::create(ctx, caller, &t, kind, input)
    })
    .await?;
    let segment = match kind {
        ClientKind::ClientCredentials => "ClientCredentialClients",
        ClientKind::AuthorizationCode => "AuthorizationCodeClients",
        ClientKind::Hybrid => "HybridClients",
    };
    let location = format!("{segment}/{}", new.client.id);
    Ok(match &new.secret {
        Some(secret) => created(
            &state,
            &tenant,
            &location,
            views::client_created(&new.client, secret),
        ),
        None => created(&state, &tenant, &location, views::client(&new.client)),
    })
}

pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let c = run_as(&state, caller, move |ctx, caller| {
        svc::get(ctx, caller, &tenant, kind, &client)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::client(&c)))
}

pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let input: ClientInput = json_body(payload).await?;
    let c = run_as(&state, caller, move |ctx, caller| {
        svc::update(ctx, caller, &tenant, kind, &client, input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::client(&c)))
}

pub async fn delete(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    run_as(&state, caller, move |ctx, caller| {
        svc::delete(ctx, caller, &tenant, kind, &client)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let roles = run_as(&state, caller, move |ctx, caller| {
        svc::roles(ctx, caller, &tenant, &client)
    })
    .await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(listed(&data, data.len() as i64))
}

/// A `Role` in a PUT body: only `Id` is read.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleRef {
    pub id: Option<String>,
}

/// The ids of a `Role[]` body; a role without `Id` is a 400.
pub(crate) fn role_ref_ids(refs: Vec<RoleRef>) -> Result<Vec<String>, ApiError> {
    refs.into_iter()
        .map(|r| {
            r.id.ok_or_else(|| {
                ServiceError::bad_request(
                    "Every role in the body needs an Id.",
                    "Send role objects with their Id, e.g. [{\"Id\":\"...\"}].",
                )
                .into()
            })
        })
        .collect()
}

pub async fn set_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let ids = role_ref_ids(json_array_body::<Vec<RoleRef>>(payload).await?)?;
    let roles = run_as(&state, caller, move |ctx, caller| {
        svc::set_roles(ctx, caller, &tenant, &client, &ids)
    })
    .await?;
    let data: Vec<_> = roles.iter().map(views::role).collect();
    Ok(HttpResponse::Ok().json(data))
}
