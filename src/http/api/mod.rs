//! The OCS-compatible management API under `/api/v1/Tenants/{tenantId}` (SPEC §3). Paths arrive
//! lowercased (see `request_id`), so routes are registered in lowercase.

mod clients;
mod extract;
mod people;
mod secrets;
pub mod views;

use super::errors::ApiError;
use crate::domain::{ClientKind, TenantId};
use crate::service::ServiceError;
use actix_web::{guard, web, HttpResponse};
use serde::Serialize;

pub use extract::{ApiCaller, KindOf, ListParams};

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

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ServiceError::NotFound("Resource".to_owned()).into())
}

async fn method_not_allowed(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ServiceError::MethodNotAllowed(req.method().to_string()).into())
}

/// A resource whose unrouted methods get a 405 `ErrorResponse` (actix's default has no body).
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

fn client_scope(path: &str, kind: ClientKind) -> actix_web::Scope {
    let scope = web::scope(path)
        .app_data(kind)
        .default_service(web::to(not_found))
        .service(
            resource("")
                .route(read().to(clients::list))
                .route(web::post().to(clients::create)),
        )
        .service(
            resource("/{client_id}")
                .route(read().to(clients::get))
                .route(web::put().to(clients::update))
                .route(web::delete().to(clients::delete)),
        );
    let scope = if kind.has_secrets() {
        scope
            .service(
                resource("/{client_id}/secrets")
                    .route(read().to(secrets::list))
                    .route(web::post().to(secrets::create)),
            )
            .service(
                resource("/{client_id}/secrets/{secret_id}")
                    .route(read().to(secrets::get))
                    .route(web::put().to(secrets::update))
                    .route(web::delete().to(secrets::delete)),
            )
    } else {
        scope
    };
    if kind == ClientKind::ClientCredentials {
        scope.service(
            resource("/{client_id}/roles")
                .route(read().to(clients::roles))
                .route(web::put().to(clients::set_roles)),
        )
    } else {
        scope
    }
}

/// Registers the management API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/tenants/{tenant_id}")
            .service(
                resource("")
                    .route(web::get().to(people::get_tenant))
                    .route(web::head().to(people::head_tenant))
                    .route(web::put().to(people::update_tenant)),
            )
            .service(client_scope(
                "/clientcredentialclients",
                ClientKind::ClientCredentials,
            ))
            .service(client_scope(
                "/authorizationcodeclients",
                ClientKind::AuthorizationCode,
            ))
            .service(client_scope("/hybridclients", ClientKind::Hybrid))
            .service(
                resource("/clients/{client_id}/roles")
                    .route(read().to(clients::roles))
                    .route(web::put().to(clients::set_roles)),
            )
            .service(
                resource("/roles")
                    .route(read().to(people::list_roles))
                    .route(web::post().to(people::create_role)),
            )
            .service(
                resource("/roles/{role_id}")
                    .route(read().to(people::get_role))
                    .route(web::put().to(people::update_role))
                    .route(web::delete().to(people::delete_role)),
            )
            .service(resource("/roles/{role_id}/users").route(read().to(people::role_users)))
            .service(
                resource("/roles/{role_id}/clientcredentialclients")
                    .route(read().to(people::role_clients)),
            )
            .service(
                resource("/users")
                    .route(read().to(people::list_users))
                    .route(web::post().to(people::create_user)),
            )
            .service(
                resource("/users/{user_id}")
                    .route(read().to(people::get_user))
                    .route(web::put().to(people::update_user))
                    .route(web::delete().to(people::delete_user)),
            )
            .service(
                resource("/users/{user_id}/roles")
                    .route(read().to(people::user_roles))
                    .route(web::put().to(people::set_user_roles)),
            )
            .default_service(web::to(not_found)),
    );
}
