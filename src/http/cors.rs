//! CORS per client (SPEC §7) for the token, userinfo, revocation and introspection endpoints,
//! and for the management API (`/api/v1/Tenants/{tenantId}/...`).
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
//! - Management API: a preflight is granted to an origin that some client *of the tenant in the
//!   path* lists ([`api_preflight`]); an actual request gets `Access-Control-Allow-Origin` only
//!   when its origin is one of the origins of the client whose verified access token it carries
//!   ([`api_actual`], with the client recorded by the caller extractor as [`TokenClient`]), and
//!   then also `Access-Control-Expose-Headers` (`Total-Count`, `Location`, `Request-Id`).
//!
//! Origins are compared normalised: lowercase `scheme://host[:port]`, default port dropped, no
//! trailing slash (`domain::client::origin_of`).

use super::{blocking, AppState};
use crate::domain::client::origin_of;
use crate::domain::{ClientId, TenantId};
use crate::service::cors::{origin_known, origin_known_in_tenant, origin_of_client};
use crate::service::{Context, ServiceError, ServiceResult};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

/// `Access-Control-Allow-Methods` of a granted preflight.
pub const ALLOW_METHODS: &str = "POST, GET, OPTIONS";
/// `Access-Control-Allow-Methods` of a granted management API preflight.
pub const API_ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, DELETE";
/// `Access-Control-Expose-Headers` of management API responses to an allowed origin.
pub const API_EXPOSE_HEADERS: &str = "Total-Count, Location, Request-Id";
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

/// `OPTIONS` on the token, userinfo, revocation and introspection endpoints: an origin that any
/// client lists.
pub async fn preflight(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    answer_preflight(&state, &req, ALLOW_METHODS, origin_known).await
}

/// `OPTIONS` on any management API path: an origin that some client of the tenant in the path
/// lists. A path whose tenant id is no GUID has no such client.
pub async fn api_preflight(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let tenant = req
        .match_info()
        .get("tenant_id")
        .and_then(|raw| TenantId::parse(raw).ok());
    answer_preflight(&state, &req, API_ALLOW_METHODS, move |ctx, origin| {
        tenant.map_or(Ok(false), |t| origin_known_in_tenant(ctx, &t, origin))
    })
    .await
}

/// Answers a preflight: 204 with the CORS headers when `known` says the origin may ask, else 403
/// with none; an `OPTIONS` that is no preflight gets a bare 204.
async fn answer_preflight<F>(
    state: &AppState,
    req: &HttpRequest,
    methods: &'static str,
    known: F,
) -> HttpResponse
where
    F: FnOnce(&Context, &str) -> ServiceResult<bool> + Send + 'static,
{
    let has_origin = req.headers().contains_key(header::ORIGIN);
    let is_preflight = has_origin
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !is_preflight {
        return HttpResponse::NoContent().finish();
    }
    let Some(origin) = request_origin(req) else {
        return HttpResponse::Forbidden().finish();
    };
    let ctx = state.ctx.clone();
    let lookup = origin.clone();
    match blocking(&state.ctx, move || known(&ctx, &lookup)).await {
        Ok(true) => {
            let mut res = HttpResponse::NoContent().finish();
            let headers = res.headers_mut();
            allow_origin(headers, &origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(methods),
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
        Err(e) => lookup_failed(&e),
    }
}

fn lookup_failed(e: &ServiceError) -> HttpResponse {
    tracing::error!(error = %e, "CORS origin lookup failed");
    HttpResponse::new(match e {
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    })
}

/// The client whose verified access token a management API request carries, recorded in the
/// request's extensions by the caller extractor for [`api_actual`].
#[derive(Clone, Debug)]
pub struct TokenClient(pub ClientId);

/// Middleware of the management API scope (`actix_web::middleware::from_fn`): after the handler,
/// a response to a request with an `Origin` and a verified token gets ACAO (+ `Vary: Origin` and
/// the exposed headers) when that origin is one of the token's client's. A request with no
/// verified token (401) or another origin gets no CORS header.
pub async fn api_actual(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let origin = request_origin(req.request());
    let mut res = next.call(req).await?;
    let Some(origin) = origin else {
        return Ok(res);
    };
    let client = res.request().extensions().get::<TokenClient>().cloned();
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let (Some(TokenClient(client)), Some(state)) = (client, state) else {
        return Ok(res);
    };
    let ctx = state.ctx.clone();
    let lookup = origin.clone();
    match blocking(&state.ctx, move || origin_of_client(&ctx, &client, &lookup)).await {
        Ok(true) => {
            let headers = res.headers_mut();
            allow_origin(headers, &origin);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(API_EXPOSE_HEADERS),
            );
        }
        Ok(false) => {}
        // The answer itself stands; only its CORS headers are withheld.
        Err(e) => tracing::error!(error = %e, "CORS origin lookup failed"),
    }
    Ok(res)
}
