//! The authorization endpoint and the login and consent pages (SPEC §4.3, §5): each handler reads
//! the request, calls one `service::signin` function in one blocking unit of work and renders
//! its outcome.

use super::respond::{
    bad_decision_page, bad_form_page, client_ip, csrf_error_page, csrf_for_form, csrf_matches,
    form_post_csp, form_target_source, html, oauth_error_page, page, page_csp, redirect,
    service_error_page, session_cookie, session_value, unreadable_body_page, FORM_POST_SCRIPT,
};
use super::views::{scope_in_words, web_url, ConsentPage, FormPostPage, Layout, LoginPage};
use crate::http::body::{read_body, FORM_BODY_LIMIT};
use crate::http::{blocking, AppState};
use crate::oauth::authorize::AuthorizationResponse;
use crate::oauth::form::FormParams;
use crate::service::signin::{self, AuthorizeOutcome, LoginOutcome, PageClient};
use crate::service::ServiceError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// Reads a form body; `Err` is the page to answer with.
pub(super) async fn read_form(
    state: &AppState,
    payload: web::Payload,
) -> Result<FormParams, HttpResponse> {
    let body = read_body(payload, FORM_BODY_LIMIT)
        .await
        .map_err(|_| unreadable_body_page(&state.ctx.config))?;
    FormParams::parse(&body).map_err(|e| bad_form_page(&state.ctx.config, &e))
}

/// The CSP sources for where a page's form may be redirected: the redirect URI of the carried
/// authorization request (already checked against the client's registrations by the service).
fn redirect_target(request: &str) -> Vec<String> {
    FormParams::parse(request.as_bytes())
        .ok()
        .and_then(|p| p.get("redirect_uri").and_then(form_target_source))
        .into_iter()
        .collect()
}

/// Renders an authorization response: a 302, or the auto-submitting form_post page.
pub(super) fn authorization_response(response: AuthorizationResponse) -> HttpResponse {
    match response {
        AuthorizationResponse::Redirect(url) => redirect(&url).finish(),
        AuthorizationResponse::FormPost { action, params } => {
            let target = form_target_source(&action);
            page(
                html(StatusCode::OK, &form_post_csp(target.as_deref()), false),
                &FormPostPage {
                    action: &action,
                    params: &params,
                    script: FORM_POST_SCRIPT,
                },
            )
        }
    }
}

struct LoginView<'a> {
    client: &'a PageClient,
    username: &'a str,
    message: Option<&'a str>,
    request: &'a str,
}

fn login_page(state: &AppState, req: &HttpRequest, view: LoginView<'_>) -> HttpResponse {
    let config = &state.ctx.config;
    let (csrf, cookie) = match csrf_for_form(req, config) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    let mut res = html(
        StatusCode::OK,
        &page_csp(&redirect_target(view.request)),
        true,
    );
    res.cookie(cookie);
    page(
        res,
        &LoginPage {
            layout: Layout::of(config),
            client_name: &view.client.name,
            username: view.username,
            message: view.message,
            request: view.request,
            csrf: &csrf,
        },
    )
}

fn consent_page(
    state: &AppState,
    req: &HttpRequest,
    client: &PageClient,
    scopes: &[String],
    request: &str,
) -> HttpResponse {
    let config = &state.ctx.config;
    let (csrf, cookie) = match csrf_for_form(req, config) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    let mut res = html(StatusCode::OK, &page_csp(&redirect_target(request)), true);
    res.cookie(cookie);
    page(
        res,
        &ConsentPage {
            layout: Layout::of(config),
            client_name: &client.name,
            client_uri: web_url(client.client_uri.as_deref()),
            logo_uri: web_url(client.logo_uri.as_deref()),
            scopes: scopes
                .iter()
                .map(|s| scope_in_words(s, &config.api_scope))
                .collect(),
            request,
            csrf: &csrf,
        },
    )
}

/// Renders what the authorization endpoint (or the consent POST) decided.
fn authorize_outcome(
    state: &AppState,
    req: &HttpRequest,
    outcome: Result<AuthorizeOutcome, ServiceError>,
) -> HttpResponse {
    let config = &state.ctx.config;
    match outcome {
        Err(e) => service_error_page(config, &e),
        Ok(AuthorizeOutcome::ErrorPage(e)) => oauth_error_page(config, &e),
        Ok(AuthorizeOutcome::Respond(r)) => authorization_response(r),
        Ok(AuthorizeOutcome::Login {
            client,
            login_hint,
            request,
        }) => login_page(
            state,
            req,
            LoginView {
                client: &client,
                username: login_hint.as_deref().unwrap_or(""),
                message: None,
                request: &request,
            },
        ),
        Ok(AuthorizeOutcome::Consent {
            client,
            scopes,
            request,
        }) => consent_page(state, req, &client, &scopes, &request),
    }
}

async fn authorize(state: web::Data<AppState>, req: HttpRequest, raw: Vec<u8>) -> HttpResponse {
    let ctx = state.ctx.clone();
    let cookie = session_value(&req);
    let outcome = blocking(move || signin::authorize(&ctx, &raw, cookie.as_deref())).await;
    authorize_outcome(&state, &req, outcome)
}

/// `GET /identity/connect/authorize`: the request is the query string.
pub async fn authorize_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let raw = req.query_string().as_bytes().to_vec();
    authorize(state, req, raw).await
}

/// `POST /identity/connect/authorize`: the request is the form body.
pub async fn authorize_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match read_body(payload, FORM_BODY_LIMIT).await {
        Ok(body) => authorize(state, req, body.to_vec()).await,
        Err(_) => unreadable_body_page(&state.ctx.config),
    }
}

/// `POST /identity/account/login`: username, password, request, csrf.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&state, payload).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    if !csrf_matches(&req, &form) {
        return csrf_error_page(&state.ctx.config);
    }
    let request = form.get("request").unwrap_or("").to_owned();
    let username = form.get("username").unwrap_or("").to_owned();
    let password = form.get("password").unwrap_or("").to_owned();
    let ip = client_ip(&req);
    let old_cookie = session_value(&req);
    let ctx = state.ctx.clone();
    let (r, u) = (request.clone(), username.clone());
    let outcome =
        blocking(move || signin::login(&ctx, &r, &u, &password, &ip, old_cookie.as_deref())).await;
    let config = &state.ctx.config;
    match outcome {
        Err(e) => service_error_page(config, &e),
        Ok(LoginOutcome::ErrorPage(e)) => oauth_error_page(config, &e),
        Ok(LoginOutcome::SignedIn {
            cookie,
            redirect_to,
        }) => redirect(&redirect_to)
            .cookie(session_cookie(config, cookie))
            .finish(),
        Ok(LoginOutcome::Retry {
            client,
            username,
            request,
            message,
        }) => login_page(
            &state,
            &req,
            LoginView {
                client: &client,
                username: &username,
                message: Some(&message),
                request: &request,
            },
        ),
    }
}

/// `POST /identity/account/consent`: request, csrf, `decision` (allow | deny), `remember`.
pub async fn consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&state, payload).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    if !csrf_matches(&req, &form) {
        return csrf_error_page(&state.ctx.config);
    }
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return bad_decision_page(&state.ctx.config),
    };
    let remember = form.get("remember").is_some();
    let request = form.get("request").unwrap_or("").to_owned();
    let cookie = session_value(&req);
    let ctx = state.ctx.clone();
    let outcome =
        blocking(move || signin::consent(&ctx, &request, allow, remember, cookie.as_deref())).await;
    authorize_outcome(&state, &req, outcome)
}
