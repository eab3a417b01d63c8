//! `POST /identity/connect/token`.

use super::body::{read_body, FORM_BODY_LIMIT};
use super::errors::{no_store, oauth_json_error};
use super::AppState;
use crate::oauth::OAuthError;
use crate::service::token::{exchange, TokenError};
use crate::service::ServiceError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form_type {
        return oauth_json_error(
            &ServiceError::OAuth(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            )),
            false,
        );
    }
    let body = match read_body(payload, FORM_BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return oauth_json_error(
                &ServiceError::OAuth(OAuthError::invalid_request("the request body is too large")),
                false,
            )
        }
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ctx = state.ctx.clone();
    let result = web::block(move || exchange(&ctx, authorization.as_deref(), &body)).await;
    match result {
        Ok(Ok(response)) => {
            state.metrics.token_issued();
            let mut res = HttpResponse::Ok();
            no_store(&mut res);
            res.json(response)
        }
        Ok(Err(TokenError { error, used_basic })) => {
            state.metrics.token_refused();
            oauth_json_error(&error, used_basic)
        }
        Err(e) => oauth_json_error(&ServiceError::Internal(e.to_string()), false),
    }
}
