//! Browser-facing identity pages (SPEC §5) and the endpoints that answer with them: authorize
//! (§4.3), end session (§4.5), login, consent, logout confirmation, the error page and the one
//! stylesheet. Handlers are adapters over `service::signin` and `service::logout`; `respond`
//! holds the security headers, cookies, CSRF check and the page-style error renderer.

mod logout;
pub(crate) mod respond;
mod signin;
mod views;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::http::AppState;
use crate::oauth::OAuthError;

/// The stylesheet, served from memory.
const STYLESHEET: &str = include_str!("../../../templates/site.css");

/// Registers the pages under `/identity`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/connect/authorize")
            .route(web::get().to(signin::authorize_get))
            .route(web::post().to(signin::authorize_post)),
    )
    .service(
        web::resource("/connect/endsession")
            .route(web::get().to(logout::end_session_get))
            .route(web::post().to(logout::end_session_post)),
    )
    .route("/account/login", web::post().to(signin::login))
    .route("/account/consent", web::post().to(signin::consent))
    .route("/account/logout", web::post().to(logout::logout))
    .route("/error", web::get().to(error))
    .route("/static/site.css", web::get().to(stylesheet));
}

/// `GET /identity/error`: the generic error page.
async fn error(state: web::Data<AppState>) -> HttpResponse {
    respond::error_page(
        &state.ctx.config,
        StatusCode::BAD_REQUEST,
        respond::GENERIC_SENTENCE,
        &OAuthError::invalid_request(""),
    )
}

/// `GET /identity/static/site.css`: public and cacheable.
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .body(STYLESHEET)
}
