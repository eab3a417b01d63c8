//! `POST /identity/connect/token`. A browser request from an origin of the authenticated client
//! gets CORS headers (SPEC §7); the client's origins come with the service's answer, so the hot
//! path makes no extra read. Every answer is counted (SPEC §13.1): a token by grant type and
//! client kind, a refusal by its OAuth error code.
//!
//! Unlike the other endpoints, a token request is first offered to `exchange_now`, which parses
//! it and answers on this async worker what cannot block (a malformed request; SQLite
//! `client_credentials` with an idle pooled connection: one read of microseconds and one
//! signature); the parsed rest goes to the blocking pool as everywhere else. The hand-off to the pool and back cost more than that work itself
//! (issue 10, docs/decisions/0007).

use super::errors::{oauth_code, oauth_json_error};
use super::protocol::{client_answer, client_request, refusal_of};
use super::{blocking, cors, AppState};
use crate::service::token::{exchange, exchange_now, Now};
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let metrics = &state.ctx.metrics;
    let (body, authorization) = match client_request(&req, payload).await {
        Ok(input) => input,
        Err(e) => {
            metrics.token_refused(oauth_code(&e));
            return oauth_json_error(&e, false);
        }
    };
    let origin = cors::request_origin(&req);
    let result = match exchange_now(&state.ctx, authorization.as_deref(), &body) {
        Now::Answered(answer) => Ok(answer),
        Now::Later(request) => {
            // Only the grants that may record a security event (code replay, refresh reuse)
            // need where the request came from.
            let from = super::client_address::origin(&req, &state.ctx.config.trusted_proxies);
            let ctx = state.ctx.clone();
            blocking(&state.ctx, move || Ok(exchange(&ctx, request, &from))).await
        }
    };
    if let Some(error) = refusal_of(&result) {
        metrics.token_refused(oauth_code(error));
    }
    client_answer(result, origin.as_deref(), |issued, res| {
        metrics.token_issued(issued.grant_type, issued.client_kind);
        res.json(issued.response)
    })
}
