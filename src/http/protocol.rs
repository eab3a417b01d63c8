//! `/identity/connect/userinfo` (OIDC Core §5.3, GET and POST), `/identity/connect/revocation`
//! (RFC 7009) and `/identity/connect/introspect` (RFC 7662), plus the CORS preflights (SPEC §7) of
//! these three and of the token endpoint. Handlers are adapters: read the request, call one service
//! function in one blocking unit of work, render.

use super::body::{read_body, FORM_BODY_LIMIT};
use super::errors::{bearer_error, no_store, oauth_json_error};
use super::{blocking, cors, AppState};
use crate::oauth::OAuthError;
use crate::service::token::{introspect, revoke};
use crate::service::token::{ClientAnswer, TokenError};
use crate::service::{userinfo, Context, ServiceError};
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

/// Registers the endpoints under `/identity/connect` (the scope is `/identity`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/connect/userinfo", web::get().to(userinfo))
        .route("/connect/userinfo", web::post().to(userinfo))
        .route("/connect/revocation", web::post().to(revocation))
        .route("/connect/introspect", web::post().to(introspect));
    // The token endpoint's POST route is registered in `http::routes`; a method-guarded resource
    // lets the request fall through to the next one with the same path.
    for path in [
        "/connect/token",
        "/connect/userinfo",
        "/connect/revocation",
        "/connect/introspect",
    ] {
        cfg.route(path, web::method(Method::OPTIONS).to(cors::preflight));
    }
}

/// Whether the request body is `application/x-www-form-urlencoded`.
fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Reads the form body of a token, revocation or introspection request (RFC 6749 §3.2: form
/// encoded; size limited).
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, ServiceError> {
    let refuse = |description: &str| ServiceError::OAuth(OAuthError::invalid_request(description));
    if !is_form(req) {
        return Err(refuse("the body must be application/x-www-form-urlencoded"));
    }
    read_body(payload, FORM_BODY_LIMIT)
        .await
        .map_err(|_| refuse("the request body is too large"))
}

/// Serves an endpoint where the client authenticates (token, revocation, introspection): reads
/// the form, runs `work` with the `Authorization` header and the body in one blocking unit of
/// work, and renders its answer with [`client_answer`].
pub(super) async fn client_endpoint<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    work: impl FnOnce(&Context, Option<&str>, &[u8]) -> Result<ClientAnswer<T>, TokenError>
        + Send
        + 'static,
    render: impl FnOnce(T, &mut actix_web::HttpResponseBuilder) -> HttpResponse,
) -> HttpResponse {
    let (body, authorization) = match client_request(req, payload).await {
        Ok(input) => input,
        Err(e) => return oauth_json_error(&e, false),
    };
    let origin = cors::request_origin(req);
    let ctx = state.ctx.clone();
    let result = blocking(&state.ctx, move || {
        Ok(work(&ctx, authorization.as_deref(), &body))
    })
    .await;
    client_answer(result, origin.as_deref(), render)
}

/// The form body and the `Authorization` header of a request where the client authenticates.
pub(super) async fn client_request(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(web::Bytes, Option<String>), ServiceError> {
    let body = read_form(req, payload).await?;
    Ok((body, super::authorization(req)?))
}

/// The error a client endpoint answers with, if it refused.
pub(super) fn refusal_of<T>(
    result: &Result<Result<ClientAnswer<T>, TokenError>, ServiceError>,
) -> Option<&ServiceError> {
    match result {
        Ok(Err(TokenError { error, .. })) | Err(error) => Some(error),
        Ok(Ok(_)) => None,
    }
}

/// Renders the result of an endpoint where the client authenticated (token, revocation,
/// introspection): `render` makes the success response (with `Cache-Control: no-store`), errors
/// are token-style; CORS headers only for an origin of the authenticated client.
pub(super) fn client_answer<T>(
    result: Result<Result<ClientAnswer<T>, TokenError>, ServiceError>,
    origin: Option<&str>,
    render: impl FnOnce(T, &mut actix_web::HttpResponseBuilder) -> HttpResponse,
) -> HttpResponse {
    match result {
        Ok(Ok(answer)) => {
            let mut res = HttpResponse::Ok();
            no_store(&mut res);
            let res = render(answer.value, &mut res);
            cors::allow_client_origin(res, origin, &answer.cors_origins)
        }
        Ok(Err(TokenError {
            error,
            used_basic,
            cors_origins,
        })) => {
            cors::allow_client_origin(oauth_json_error(&error, used_basic), origin, &cors_origins)
        }
        Err(e) => oauth_json_error(&e, false),
    }
}

/// `GET|POST /identity/connect/userinfo`.
pub async fn userinfo(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let origin = cors::request_origin(&req);
    // RFC 6750 §2.2: the token may be a form parameter of a form-encoded POST body only.
    let form_body = if req.method() == Method::POST && is_form(&req) {
        match read_body(payload, FORM_BODY_LIMIT).await {
            Ok(body) => Some(body),
            Err(_) => {
                return bearer_error(&ServiceError::OAuth(OAuthError::invalid_request(
                    "the request body is too large",
                )))
            }
        }
    } else {
        None
    };
    let authorization = match super::authorization(&req) {
        Ok(a) => a,
        Err(e) => return bearer_error(&e),
    };
    let ctx = state.ctx.clone();
    let with_origins = origin.is_some();
    let result = blocking(&state.ctx, move || {
        userinfo::userinfo(
            &ctx,
            authorization.as_deref(),
            form_body.as_deref(),
            with_origins,
        )
    })
    .await;
    match result {
        Ok(info) => {
            let mut res = HttpResponse::Ok();
            no_store(&mut res);
            let res = res.json(info.claims);
            cors::allow_client_origin(res, origin.as_deref(), &info.client_cors_origins)
        }
        Err(e) => bearer_error(&e),
    }
}

/// `POST /identity/connect/revocation`: an empty 200 on success.
pub async fn revocation(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    client_endpoint(&state, &req, payload, revoke::revoke, |(), res| {
        res.finish()
    })
    .await
}

/// `POST /identity/connect/introspect`.
pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    client_endpoint(
        &state,
        &req,
        payload,
        introspect::introspect,
        |answer, res| res.json(answer),
    )
    .await
}
