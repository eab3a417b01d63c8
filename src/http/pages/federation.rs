//! `GET /identity/federation/start` and `GET /identity/federation/callback` (SPEC §12.2):
//! adapters over `service::federation`. The start sets the cookie that binds the pending login to
//! this browser; the callback sets the session cookie and removes the federation cookie.

use crate::http::browser::cookies::{
    federation_cookie, federation_value, session_cookie, session_value,
};
use crate::http::browser::error_page::{error_page, service_error_page};
use crate::http::browser::form::query_param;
use crate::http::browser::paths::Layout;
use crate::http::browser::response::redirect;
use crate::http::AppState;
use crate::service::federation::{self, Callback, Federated, Refusal};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The query parameters of `req` (a repeated parameter keeps its first value).
fn query(req: &HttpRequest) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| query_param(req, name)
}

fn cookie_path(state: &AppState) -> String {
    format!("{}/federation", Layout::of(&state.ctx.config).root)
}

fn refused(state: &AppState, r: &Refusal) -> HttpResponse {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(&state.ctx.config, status, &r.sentence, &r.error)
}

/// `?provider={id}&request={urlencoded authorization request}[&invitation={code}]`.
pub async fn start(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let q = query(&req);
    let (provider, request) = (
        q("provider").unwrap_or_default(),
        q("request").unwrap_or_default(),
    );
    let invitation = q("invitation");
    match federation::start(&state.ctx, provider, request, invitation).await {
        Err(e) => service_error_page(&state.ctx.config, &e),
        Ok(Federated::Refused(r)) => refused(&state, &r),
        Ok(Federated::Redirect { location, cookie }) => redirect(&location)
            .cookie(federation_cookie(
                &state.ctx.config,
                cookie,
                cookie_path(&state),
            ))
            .finish(),
    }
}

/// The upstream's answer: `state` and `code`, or `error`.
pub async fn callback(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let config = &state.ctx.config;
    let q = query(&req);
    let cb = Callback {
        state: q("state"),
        code: q("code"),
        error: q("error"),
        error_description: q("error_description"),
        browser: federation_value(&req, config),
        old_session: session_value(&req, config),
        origin: crate::http::client_address::origin(&req, &config.trusted_proxies),
    };
    let mut gone = federation_cookie(config, String::new(), cookie_path(&state));
    gone.make_removal();
    let mut res = match federation::callback(&state.ctx, cb).await {
        Err(e) => service_error_page(config, &e),
        Ok(Federated::Refused(r)) => refused(&state, &r),
        Ok(Federated::Redirect { location, cookie }) => redirect(&location)
            .cookie(session_cookie(config, cookie))
            .finish(),
    };
    let _ = res.add_cookie(&gone);
    res
}
