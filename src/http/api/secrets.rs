//! Secret handlers of client-credentials and hybrid clients.

use super::extract::{json_body, run_as, ApiCaller, KindOf, ListParams};
use super::{created, listed, tenant_id, views};
use crate::domain::{ClientId, TenantId};
use crate::http::errors::ApiError;
use crate::http::AppState;
use crate::service::clients::parse_client_id;
use crate::service::secrets::{self as svc, SecretInput};
use crate::service::ServiceError;
use actix_web::{web, HttpResponse};

type Reply = Result<HttpResponse, ApiError>;

fn secret_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| {
        ServiceError::bad_request(
            format!("Secret id '{raw}' is not a whole number."),
            "Use a secret Id from GET .../Secrets.",
        )
        .into()
    })
}

/// `{tenantId}`, `{clientId}` and `{secretId}` of a secret's path.
fn secret_path(path: &(String, String, String)) -> Result<(TenantId, ClientId, i64), ApiError> {
    Ok((
        tenant_id(&path.0)?,
        parse_client_id(&path.1)?,
        secret_id(&path.2)?,
    ))
}

pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let q = params.query()?;
    let (items, total) = run_as(&state, caller, move |ctx, caller| {
        svc::list(ctx, caller, &tenant, kind, &client, q.skip, q.count)
    })
    .await?;
    let data: Vec<_> = items.iter().map(views::secret).collect();
    Ok(listed(&data, total))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String, String)>,
) -> Reply {
    let (tenant, client, id) = secret_path(&path)?;
    let s = run_as(&state, caller, move |ctx, caller| {
        svc::get(ctx, caller, &tenant, kind, &client, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::secret(&s)))
}

pub async fn create(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let input: SecretInput = json_body(payload).await?;
    let (t, c) = (tenant.clone(), client.clone());
    let new = run_as(&state, caller, move |ctx, caller| {
        svc::create(ctx, caller, &t, kind, &c, input)
    })
    .await?;
    let segment = if kind.has_secrets() && kind != crate::domain::ClientKind::Hybrid {
        "ClientCredentialClients"
    } else {
        "HybridClients"
    };
    let location = format!("{segment}/{client}/Secrets/{}", new.secret.id);
    Ok(created(&state, &tenant, &location, views::new_secret(&new)))
}

pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client, id) = secret_path(&path)?;
    let input: SecretInput = json_body(payload).await?;
    let s = run_as(&state, caller, move |ctx, caller| {
        svc::update(ctx, caller, &tenant, kind, &client, id, input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::secret(&s)))
}

pub async fn delete(
    state: web::Data<AppState>,
    caller: ApiCaller,
    KindOf(kind): KindOf,
    path: web::Path<(String, String, String)>,
) -> Reply {
    let (tenant, client, id) = secret_path(&path)?;
    run_as(&state, caller, move |ctx, caller| {
        svc::delete(ctx, caller, &tenant, kind, &client, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
