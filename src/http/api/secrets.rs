//! Secret handlers of client-credentials and hybrid clients.

use super::extract::{json_body, ApiCaller, KindOf, ListParams};
use super::{listed, tenant_id, views};
use crate::http::errors::ApiError;
use crate::http::{blocking, AppState};
use crate::service::clients::parse_client_id;
use crate::service::secrets::{self as svc, SecretInput};
use crate::service::ServiceError;
use actix_web::http::header;
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

pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    kind: KindOf,
    path: web::Path<(String, String)>,
    params: ListParams,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let q = params.query()?;
    let ctx = state.ctx.clone();
    let kind = kind.0;
    let (items, total) =
        blocking(move || svc::list(&ctx, &caller.0, &tenant, kind, &client, q.skip, q.count))
            .await?;
    let data: Vec<_> = items.iter().map(views::secret).collect();
    Ok(listed(&data, total))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    kind: KindOf,
    path: web::Path<(String, String, String)>,
) -> Reply {
    let (tenant, client, id) = (
        tenant_id(&path.0)?,
        parse_client_id(&path.1)?,
        secret_id(&path.2)?,
    );
    let ctx = state.ctx.clone();
    let kind = kind.0;
    let s = blocking(move || svc::get(&ctx, &caller.0, &tenant, kind, &client, id)).await?;
    Ok(HttpResponse::Ok().json(views::secret(&s)))
}

pub async fn create(
    state: web::Data<AppState>,
    caller: ApiCaller,
    kind: KindOf,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client) = (tenant_id(&path.0)?, parse_client_id(&path.1)?);
    let input: SecretInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let kind = kind.0;
    let (t, c) = (tenant.clone(), client.clone());
    let created = blocking(move || svc::create(&ctx, &caller.0, &t, kind, &c, input)).await?;
    let segment = if kind.has_secrets() && kind != crate::domain::ClientKind::Hybrid {
        "ClientCredentialClients"
    } else {
        "HybridClients"
    };
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "{}/api/v1/Tenants/{tenant}/{segment}/{client}/Secrets/{}",
                state.ctx.config.public_url, created.secret.id
            ),
        ))
        .json(views::new_secret(&created)))
}

pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    kind: KindOf,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> Reply {
    let (tenant, client, id) = (
        tenant_id(&path.0)?,
        parse_client_id(&path.1)?,
        secret_id(&path.2)?,
    );
    let input: SecretInput = json_body(payload).await?;
    let ctx = state.ctx.clone();
    let kind = kind.0;
    let s =
        blocking(move || svc::update(&ctx, &caller.0, &tenant, kind, &client, id, input)).await?;
    Ok(HttpResponse::Ok().json(views::secret(&s)))
}

pub async fn delete(
    state: web::Data<AppState>,
    caller: ApiCaller,
    kind: KindOf,
    path: web::Path<(String, String, String)>,
) -> Reply {
    let (tenant, client, id) = (
        tenant_id(&path.0)?,
        parse_client_id(&path.1)?,
        secret_id(&path.2)?,
    );
    let ctx = state.ctx.clone();
    let kind = kind.0;
    blocking(move || svc::delete(&ctx, &caller.0, &tenant, kind, &client, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
