//! `POST /identity/connect/token`. A browser request from an origin of the authenticated client
//! gets CORS headers (SPEC §7); the client's origins come with the service's answer, so the hot
//! path makes no extra read.

use super::errors::oauth_json_error;
use super::protocol::{client_answer, read_form};
use super::{cors, AppState};
use crate::service::token::exchange;
use crate::service::ServiceError;
use actix_web::http::header;
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
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ctx = state.ctx.clone();
    let result = web::block(move || exchange(&ctx, authorization.as_deref(), &body)).await;
    let result = match result {
        Ok(r) => r,
        Err(e) => return oauth_json_error(&ServiceError::Internal(e.to_string()), false),
    };
    if result.is_ok() {
        state.metrics.token_issued();
    } else {
        state.metrics.token_refused();
    }
    client_answer(Ok(result), origin.as_deref(), |response, res| {
        res.json(response)
    })
}
