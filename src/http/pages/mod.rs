//! Browser-facing identity pages (SPEC §5) and the endpoints that answer with them: authorize
//! (§4.3), end session (§4.5), login (for a relying party's authorization request, or for the
//! portal, SPEC §11), consent, logout confirmation, the error page and the one stylesheet.
//! Handlers are adapters over `service::signin`, `service::portal` and `service::logout`; the
//! headers, cookies, CSRF check, form reader and error pages are `http::browser`'s.

mod federation;
mod invitation;
mod logout;
mod signin;
mod views;

use crate::http::browser::error_page::{error_page, GENERIC_SENTENCE};
use crate::http::browser::{assets, form_page};
use crate::http::AppState;
use crate::oauth::OAuthError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// Registers the pages under `/identity`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/connect/authorize",
        signin::authorize_get,
        signin::authorize_post,
    ))
    .service(form_page(
        "/connect/endsession",
        logout::end_session_get,
        logout::end_session_post,
    ))
    .service(form_page(
        "/account/login",
        signin::login_form,
        signin::login,
    ))
    .service(form_page(
        "/account/invitation",
        invitation::show,
        invitation::accept,
    ))
    .route("/account/consent", web::post().to(signin::consent))
    .route("/federation/start", web::get().to(federation::start))
    .route("/federation/callback", web::get().to(federation::callback))
    .route("/account/logout", web::post().to(logout::logout))
    .route("/error", web::get().to(error))
    .route("/static/site.css", web::get().to(assets::site_css));
}

/// `GET /identity/error`: the generic error page.
async fn error(state: web::Data<AppState>) -> HttpResponse {
    error_page(
        &state.ctx.config,
        StatusCode::BAD_REQUEST,
        GENERIC_SENTENCE,
        &OAuthError::invalid_request(""),
    )
}
