//! CORS per client (SPEC §7) for the token, userinfo, revocation and introspection endpoints.
//!
//! - Preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): an origin that some
//!   client lists gets 204 with `Access-Control-Allow-Origin: <origin>`, `Vary: Origin`, the
//!   allowed methods and headers and a max-age. Any other origin gets **403 with no CORS headers**
//!   (an explicit refusal, visible as such in the browser's network panel). An `OPTIONS` that is
//!   not a preflight gets a bare 204.
//! - Actual requests: the endpoint adds `Access-Control-Allow-Origin` (+ `Vary: Origin`) only when
//!   the request's origin is one of the origins of the client the request authenticated as
//!   ([`allow_client_origin`]); every other response carries no CORS header.
//!
//! Origins are compared normalised: lowercase `scheme://host[:port]`, default port dropped, no
//! trailing slash (`domain::client::origin_of`).

use super::{blocking, AppState};
use crate::domain::client::origin_of;
use crate::service::cors::origin_known;
use crate::service::ServiceError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// `Access-Control-Allow-Methods` of a granted preflight.
pub const ALLOW_METHODS: &str = "POST, GET, OPTIONS";
/// `Access-Control-Allow-Headers` of a granted preflight.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type";
/// `Access-Control-Max-Age` of a granted preflight, seconds.
pub const MAX_AGE: &str = "600";

/// The request's `Origin`, normalised; `None` without one (a server-side caller) or for an origin
/// that is no http(s) origin (e.g. `null`).
pub fn request_origin(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of)
}

/// Adds `Access-Control-Allow-Origin: <origin>` and `Vary: Origin` to `res` when `origin` is one
/// of `client_origins` (the origins of the client the request authenticated as).
pub fn allow_client_origin(
    mut res: HttpResponse,
    origin: Option<&str>,
    client_origins: &[String],
) -> HttpResponse {
    if let Some(origin) = origin.filter(|o| client_origins.iter().any(|c| c == o)) {
        allow_origin(res.headers_mut(), origin);
    }
    res
}

fn allow_origin(headers: &mut header::HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// `OPTIONS` on the token, userinfo, revocation and introspection endpoints.
pub async fn preflight(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let has_origin = req.headers().contains_key(header::ORIGIN);
    let is_preflight = has_origin
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !is_preflight {
        return HttpResponse::NoContent().finish();
    }
    let Some(origin) = request_origin(&req) else {
        return HttpResponse::Forbidden().finish();
    };
    let ctx = state.ctx.clone();
    let lookup = origin.clone();
    match blocking(move || origin_known(&ctx, &lookup)).await {
        Ok(true) => {
            let mut res = HttpResponse::NoContent().finish();
            let headers = res.headers_mut();
            allow_origin(headers, &origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(MAX_AGE),
            );
            res
        }
        Ok(false) => HttpResponse::Forbidden().finish(),
        Err(e) => {
            tracing::error!(error = %e, "CORS preflight lookup failed");
            HttpResponse::new(match e {
                ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            })
        }
    }
}
