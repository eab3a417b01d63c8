//! `POST /identity/connect/token`. A browser request from an origin of the authenticated client
//! gets CORS headers (SPEC §7); the client's origins come with the service's answer, so the hot
//! path makes no extra read.
//!
//! Unlike the other endpoints, a token request is first offered to `exchange_now`, which answers
//! on this async worker what cannot block (SQLite `client_credentials` with an idle pooled
//! connection: one read of microseconds and one signature); the rest goes to the blocking pool
//! as everywhere else. The hand-off to the pool and back cost more than that work itself
//! (issue 10, docs/decisions/0007).

use super::protocol::{client_answer, read_form};
use super::{blocking, cors, AppState};
use crate::service::token::{exchange, exchange_now};
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match read_form(&req, payload).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let origin = cors::request_origin(&req);
    let authorization = match super::authorization(&req) {
        Ok(a) => a,
        Err(e) => return super::errors::oauth_json_error(&e, false),
    };
    let result = match exchange_now(&state.ctx, authorization.as_deref(), &body) {
        Some(answer) => Ok(answer),
        None => {
            let ctx = state.ctx.clone();
            blocking(move || Ok(exchange(&ctx, authorization.as_deref(), &body))).await
        }
    };
    match &result {
        Ok(Ok(_)) => state.metrics.token_issued(),
        Ok(Err(_)) => state.metrics.token_refused(),
        Err(_) => {} // the blocking task itself failed: no answer of the endpoint to count
    }
    client_answer(result, origin.as_deref(), |response, res| {
        res.json(response)
    })
}
