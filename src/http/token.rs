//! `POST /identity/connect/token`. A browser request from an origin of the authenticated client
//! gets CORS headers (SPEC §7); the client's origins come with the service's answer, so the hot
//! path makes no extra read.

use super::protocol::client_endpoint;
use super::AppState;
use crate::service::token::exchange;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let metrics = state.metrics.clone();
    let from = super::client_address::origin(&req, &state.ctx.config.trusted_proxies);
    let exchange_counted = move |ctx: &_, authorization: Option<&str>, body: &[u8]| {
        let result = exchange(ctx, authorization, body, &from);
        if result.is_ok() {
            metrics.token_issued();
        } else {
            metrics.token_refused();
        }
        result
    };
    client_endpoint(&state, &req, payload, exchange_counted, |response, res| {
        res.json(response)
    })
    .await
}
