//! HTTP: the only module that uses actix-web. Handlers are adapters: parse, call one service
//! function in one blocking unit of work, render. The route table is [`routes`].

pub mod api;
pub mod body;
pub mod browser;
pub mod client_address;
pub mod cors;
pub mod discovery;
pub mod errors;
pub mod ops;
pub mod pages;
pub mod portal;
pub mod protocol;
pub mod request_id;
pub mod request_metrics;
pub mod retry_after;
pub mod token;

use crate::service::{Context, ServiceError};
use actix_web::web;

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Context,
    /// The discovery document, serialised once at start.
    pub discovery: web::Bytes,
}

/// Runs one service call on the blocking pool (diesel and signing are synchronous), in its turn
/// (`service::blocking_unit`).
pub async fn blocking<T, F>(ctx: &Context, work: F) -> Result<T, ServiceError>
where
    F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    crate::service::blocking_unit(ctx, move |_| work()).await
}

/// The one raw `Authorization` header, for every endpoint that reads one. Two are refused (SPEC §8; like a repeated form parameter,
/// RFC 6749 §3.1): which one authenticates would be a guess. So is one that is not text.
pub(crate) fn authorization(req: &actix_web::HttpRequest) -> Result<Option<String>, ServiceError> {
    let refused = |why: &str| ServiceError::OAuth(crate::oauth::OAuthError::invalid_request(why));
    let mut values = req
        .headers()
        .get_all(actix_web::http::header::AUTHORIZATION);
    let first = values.next();
    if values.next().is_some() {
        return Err(refused("send one Authorization header, not several"));
    }
    first
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| refused("the Authorization header is not valid text"))
}

/// The route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .service(
            web::scope("/identity")
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery::openid_configuration),
                )
                .route(
                    "/.well-known/oauth-authorization-server",
                    web::get().to(discovery::openid_configuration),
                )
                .route(
                    "/.well-known/openid-configuration/jwks",
                    web::get().to(discovery::jwks),
                )
                .route("/connect/token", web::post().to(token::token))
                .configure(pages::routes)
                .configure(protocol::routes),
        )
        .configure(portal::routes)
        .configure(api::routes);
}
