//! RP-initiated logout (SPEC §4.5, §5): the end-session endpoint, the confirmation page and its
//! POST. Each handler calls `service::logout::end_session` once and renders its outcome.

use super::views::{Layout, LogoutPage, SignedOutPage};
use crate::http::body::{read_body, FORM_BODY_LIMIT};
use crate::http::browser::cookies::{session_removal, session_value};
use crate::http::browser::csp::{form_target_source, page_csp};
use crate::http::browser::csrf::csrf_for_form;
use crate::http::browser::error_page::{
    oauth_error_page, service_error_page, unreadable_body_page,
};
use crate::http::browser::form::read_params;
use crate::http::browser::response::{html, page, redirect};
use crate::http::{blocking, AppState};
use crate::oauth::form::FormParams;
use crate::service::logout::{end_session, LogoutOutcome};
use crate::service::ServiceError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

fn confirm_page(state: &AppState, req: &HttpRequest, request: &str) -> HttpResponse {
    let config = &state.ctx.config;
    let (csrf, cookie) = match csrf_for_form(req, &state.ctx, Layout::of(config).root) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    // The post-logout URI was checked against the client's registrations before confirming.
    let targets: Vec<String> = FormParams::parse(request.as_bytes())
        .ok()
        .and_then(|p| {
            p.get("post_logout_redirect_uri")
                .and_then(form_target_source)
        })
        .into_iter()
        .collect();
    let mut res = html(StatusCode::OK, &page_csp(&targets), true);
    res.cookie(cookie);
    page(
        res,
        &LogoutPage {
            layout: Layout::of(config),
            request,
            csrf: &csrf,
        },
    )
}

fn logout_outcome(
    state: &AppState,
    req: &HttpRequest,
    outcome: Result<LogoutOutcome, ServiceError>,
) -> HttpResponse {
    let config = &state.ctx.config;
    match outcome {
        Err(e) => service_error_page(config, &e),
        Ok(LogoutOutcome::ErrorPage(e)) => oauth_error_page(config, &e),
        Ok(LogoutOutcome::Confirm { request }) => confirm_page(state, req, &request),
        Ok(LogoutOutcome::SignedOut {
            redirect_to: Some(url),
        }) => redirect(&url).cookie(session_removal(config)).finish(),
        Ok(LogoutOutcome::SignedOut { redirect_to: None }) => {
            let mut res = html(StatusCode::OK, &page_csp(&[]), true);
            res.cookie(session_removal(config));
            page(
                res,
                &SignedOutPage {
                    layout: Layout::of(config),
                },
            )
        }
    }
}

async fn end(
    state: web::Data<AppState>,
    req: HttpRequest,
    raw: Vec<u8>,
    confirmed: bool,
) -> HttpResponse {
    let ctx = state.ctx.clone();
    let cookie = session_value(&req, &state.ctx.config);
    let outcome = blocking(&state.ctx, move || {
        end_session(&ctx, &raw, cookie.as_deref(), confirmed)
    })
    .await;
    logout_outcome(&state, &req, outcome)
}

/// `GET /identity/connect/endsession`: the request is the query string.
pub async fn end_session_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let raw = req.query_string().as_bytes().to_vec();
    end(state, req, raw, false).await
}

/// `POST /identity/connect/endsession`: the request is the form body.
pub async fn end_session_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match read_body(payload, FORM_BODY_LIMIT).await {
        Ok(body) => end(state, req, body.to_vec(), false).await,
        Err(_) => unreadable_body_page(&state.ctx.config),
    }
}

/// `POST /identity/account/logout`: the confirmation (request, csrf, confirmed).
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_params(&state.ctx, &req, payload).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let confirmed = form.get("confirmed").is_some();
    let raw = form.get("request").unwrap_or("").as_bytes().to_vec();
    end(state, req, raw, confirmed).await
}
