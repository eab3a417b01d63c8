//! `POST /identity/connect/token`. A browser request from an origin of the authenticated client
//! gets CORS headers (SPEC §7); the client's origins come with the service's answer, so the hot
//! path makes no extra read. Every answer is counted (SPEC §13.1): a token by grant type and
//! client kind, a refusal by its OAuth error code.

use super::errors::oauth_code;
use super::protocol::client_endpoint;
use super::AppState;
use crate::service::token::exchange;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let metrics = &state.ctx.metrics;
    let from = super::client_address::origin(&req, &state.ctx.config.trusted_proxies);
    let exchange_from = move |ctx: &_, authorization: Option<&str>, body: &[u8]| {
        exchange(ctx, authorization, body, &from)
    };
    client_endpoint(
        &state,
        &req,
        payload,
        exchange_from,
        |error| metrics.token_refused(oauth_code(error)),
        |issued, res| {
            metrics.token_issued(issued.grant_type, issued.client_kind);
            res.json(issued.response)
        },
    )
    .await
}
