//! The OCS-compatible management API under `/api/v1/Tenants/{tenantId}` (SPEC §3). Paths arrive
//! lowercased (see `request_id`), so routes are registered in lowercase.

mod clients;
mod extract;
mod identity_providers;
mod people;
mod secrets;
pub mod views;

use super::errors::ApiError;
use super::AppState;
use crate::domain::{ClientKind, TenantId};
use crate::service::ServiceError;
use actix_web::http::header;
use actix_web::{guard, web, FromRequest, Handler, HttpResponse};
use serde::Serialize;

pub use extract::{ApiCaller, KindOf, ListParams};
pub use identity_providers::view as idp_view;

/// GET and HEAD share a handler; actix sends no body for HEAD.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Parses `{tenantId}`.
pub(crate) fn tenant_id(raw: &str) -> Result<TenantId, ApiError> {
    TenantId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Tenant id '{raw}' is not a valid GUID."),
            "Use the tenant id printed by bootstrap (the tid claim of your token).",
        )
        .into()
    })
}

/// A JSON response with `Total-Count`.
pub(crate) fn listed<T: Serialize>(items: &[T], total: i64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Total-Count", total.to_string()))
        .json(items)
}

/// What every management API handler answers.
type Reply = Result<HttpResponse, ApiError>;

/// A 201 with `Location: {public URL}/api/v1/Tenants/{tenant}/{path}` and the new resource.
pub(crate) fn created(
    state: &AppState,
    tenant: &TenantId,
    path: &str,
    body: impl Serialize,
) -> HttpResponse {
    let public_url = &state.ctx.config.public_url;
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{public_url}/api/v1/Tenants/{tenant}/{path}"),
        ))
        // SPEC §8: a client or secret create shows the secret once; no cache may keep it.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

async fn not_found() -> Reply {
    Err(ServiceError::NotFound("Resource".to_owned()).into())
}

async fn method_not_allowed(req: actix_web::HttpRequest) -> Reply {
    Err(ServiceError::MethodNotAllowed(req.method().to_string()).into())
}

/// A resource whose unrouted methods get a 405 `ErrorResponse` (actix's default has no body).
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// A resource read with `GET|HEAD`; a collection chains its `POST`, a set of roles its `PUT`.
fn readable<R, RA>(path: &str, read_handler: R) -> actix_web::Resource
where
    R: Handler<RA, Output = Reply>,
    RA: FromRequest + 'static,
{
    resource(path).route(read().to(read_handler))
}

/// `GET|HEAD`, `PUT` and `DELETE` of one item.
fn item<G, GA, U, UA, D, DA>(path: &str, get: G, update: U, delete: D) -> actix_web::Resource
where
    G: Handler<GA, Output = Reply>,
    U: Handler<UA, Output = Reply>,
    D: Handler<DA, Output = Reply>,
    GA: FromRequest + 'static,
    UA: FromRequest + 'static,
    DA: FromRequest + 'static,
{
    readable(path, get)
        .route(web::put().to(update))
        .route(web::delete().to(delete))
}

fn client_scope(path: &str, kind: ClientKind) -> actix_web::Scope {
    let scope = web::scope(path)
        .app_data(kind)
        .default_service(web::to(not_found))
        .service(readable("", clients::list).route(web::post().to(clients::create)))
        .service(item(
            "/{client_id}",
            clients::get,
            clients::update,
            clients::delete,
        ));
    let scope = if kind.has_secrets() {
        scope
            .service(
                readable("/{client_id}/secrets", secrets::list)
                    .route(web::post().to(secrets::create)),
            )
            .service(item(
                "/{client_id}/secrets/{secret_id}",
                secrets::get,
                secrets::update,
                secrets::delete,
            ))
    } else {
        scope
    };
    if kind == ClientKind::ClientCredentials {
        scope.service(
            readable("/{client_id}/roles", clients::roles).route(web::put().to(clients::set_roles)),
        )
    } else {
        scope
    }
}

/// Registers the management API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use ClientKind::*;
    cfg.service(
        web::scope("/api/v1/tenants/{tenant_id}")
            .wrap(actix_web::middleware::from_fn(super::cors::api_actual))
            // SPEC §7: preflights first; a resource guard lets every other method fall through.
            .service(
                web::resource(["", "/{tail}*"])
                    .guard(guard::Options())
                    .to(super::cors::api_preflight),
            )
            .service(
                resource("")
                    .route(web::get().to(people::get_tenant))
                    .route(web::head().to(people::head_tenant))
                    .route(web::put().to(people::update_tenant)),
            )
            .service(client_scope("/clientcredentialclients", ClientCredentials))
            .service(client_scope("/authorizationcodeclients", AuthorizationCode))
            .service(client_scope("/hybridclients", Hybrid))
            .service(
                readable("/clients/{client_id}/roles", clients::roles)
                    .route(web::put().to(clients::set_roles)),
            )
            .service(
                readable("/roles", people::list_roles).route(web::post().to(people::create_role)),
            )
            .service(item(
                "/roles/{role_id}",
                people::get_role,
                people::update_role,
                people::delete_role,
            ))
            .service(readable("/roles/{role_id}/users", people::role_users))
            .service(readable(
                "/roles/{role_id}/clientcredentialclients",
                people::role_clients,
            ))
            .service(
                readable("/users", people::list_users).route(web::post().to(people::create_user)),
            )
            .service(item(
                "/users/{user_id}",
                people::get_user,
                people::update_user,
                people::delete_user,
            ))
            .service(
                readable("/users/{user_id}/roles", people::user_roles)
                    .route(web::put().to(people::set_user_roles)),
            )
            .service(
                readable("/identityproviders", identity_providers::list)
                    .route(web::post().to(identity_providers::create)),
            )
            .service(item(
                "/identityproviders/{provider_id}",
                identity_providers::get,
                identity_providers::update,
                identity_providers::delete,
            ))
            .default_service(web::to(not_found)),
    );
}
