//! The administrator portal (SPEC §11) at `{public URL}/portal`: server-rendered pages that work
//! without JavaScript (a small static script adds the menu toggle, auto-submit and clipboard).
//!
//! Signing in uses the login page of SPEC §5 (the same template) posting to
//! `/portal/account/login`; the tenant is the one whose account has the e-mail, and when an
//! e-mail exists in several tenants `/portal?tenant=<tenant id>` chooses. The session is the
//! identity session (its cookie's path covers `/portal`). Every page turns the session into a
//! `Caller` (`service::portal::portal_user`) and calls the same service functions as the
//! management API, so authorization, validation, limits and messages are the API's. Handlers
//! are adapters: parse, call the service, render; every form carries the double-submit CSRF token.

mod clients;
mod people;
mod views;

use crate::config::Config;
use crate::http::body::{read_body, FORM_BODY_LIMIT};
use crate::http::pages::respond::{
    self, client_ip, csrf_for_form_at, csrf_matches, html, page, page_csp, public_path, redirect,
    service_error_page, session_cookie, session_removal, session_value,
};
use crate::http::{blocking, AppState};
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::service::portal::{self, PortalLogin, PortalUser};
use crate::service::ServiceError;
use actix_web::cookie::Cookie;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use views::{Frame, LoginLayout, LoginPage};

const SITE_CSS: &str = include_str!("../../../templates/site.css");
const PORTAL_CSS: &str = include_str!("../../../templates/portal.css");
const PORTAL_JS: &str = include_str!("../../../templates/portal.js");

/// The name the login page shows ("to continue to …").
const PORTAL_NAME: &str = "the Portcullis portal";

/// Registers the portal under `/portal`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/portal")
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/login", web::get().to(login_page))
            .route("/account/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/static/site.css", web::get().to(site_css))
            .route("/static/portal.css", web::get().to(portal_css))
            .route("/static/portal.js", web::get().to(portal_js))
            .route("/clients", web::get().to(clients::list))
            .service(
                web::resource("/clients/add")
                    .route(web::get().to(clients::add_form))
                    .route(web::post().to(clients::add)),
            )
            .service(
                web::resource("/clients/edit")
                    .route(web::get().to(clients::edit_form))
                    .route(web::post().to(clients::edit)),
            )
            .service(
                web::resource("/clients/delete")
                    .route(web::get().to(clients::delete_form))
                    .route(web::post().to(clients::delete)),
            )
            .service(
                web::resource("/clients/secrets/add")
                    .route(web::get().to(clients::secret_form))
                    .route(web::post().to(clients::add_secret)),
            )
            .route(
                "/clients/secrets/remove",
                web::post().to(clients::remove_secret),
            )
            .route("/users", web::get().to(people::users))
            .service(
                web::resource("/users/add")
                    .route(web::get().to(people::add_user_form))
                    .route(web::post().to(people::add_user)),
            )
            .route("/users/remove", web::post().to(people::remove_user))
            .route("/roles", web::get().to(people::roles))
            .service(
                web::resource("/roles/add")
                    .route(web::get().to(people::add_role_form))
                    .route(web::post().to(people::add_role)),
            ),
    );
}

/// The portal's path as the browser sees it (below the public URL's path).
pub(super) fn root(config: &Config) -> String {
    format!("{}/portal", public_path(config).trim_end_matches('/'))
}

/// The CSP of portal pages: the identity pages' policy plus the portal's own static script, which
/// may fetch the portal's own step pages (`connect-src 'self'`) to show them in a `<dialog>`.
fn portal_csp() -> String {
    format!("{}; script-src 'self'; connect-src 'self'", page_csp(&[]))
}

/// A portal page with the security headers of the identity pages and the CSRF cookie.
pub(super) fn render(
    status: StatusCode,
    cookie: Cookie<'static>,
    view: &impl Template,
) -> HttpResponse {
    let mut res = html(status, &portal_csp(), true);
    res.cookie(cookie);
    page(res, view)
}

/// The frame of a page for `user`, and the CSRF cookie to set with it.
// The error is the page to answer with, built at most once per request: boxing it buys nothing.
#[allow(clippy::result_large_err)]
pub(super) fn frame(
    state: &AppState,
    req: &HttpRequest,
    user: &PortalUser,
    section: &'static str,
) -> Result<(Frame, Cookie<'static>), HttpResponse> {
    let config = &state.ctx.config;
    let root = root(config);
    let (csrf, cookie) =
        csrf_for_form_at(req, config, root.clone()).map_err(|e| service_error_page(config, &e))?;
    Ok((
        Frame {
            root,
            csrf,
            email: user.email.clone(),
            admin: user.is_admin,
            section,
        },
        cookie,
    ))
}

/// An error page with a status and sentence of the portal's own.
fn portal_error(
    config: &Config,
    status: StatusCode,
    sentence: &str,
    description: String,
) -> HttpResponse {
    let code = if status == StatusCode::FORBIDDEN {
        ErrorCode::AccessDenied
    } else {
        ErrorCode::InvalidRequest
    };
    respond::error_page(
        config,
        status,
        sentence,
        &OAuthError::new(code, description),
    )
}

/// A service failure as a portal page: 403 without the role, 404, 409, 400 with the service's
/// words; the rest as the identity pages render them.
pub(super) fn service_error(state: &AppState, error: &ServiceError) -> HttpResponse {
    let config = &state.ctx.config;
    match error {
        ServiceError::Forbidden(why) => portal_error(
            config,
            StatusCode::FORBIDDEN,
            "You can look, but only a Tenant Administrator can change this.",
            why.clone(),
        ),
        ServiceError::Unauthorized(_) => redirect(&format!("{}/login", root(config))).finish(),
        ServiceError::NotFound(what) => portal_error(
            config,
            StatusCode::NOT_FOUND,
            "That item does not exist (any more).",
            format!("{what} not found"),
        ),
        ServiceError::BadRequest { reason, .. } => portal_error(
            config,
            StatusCode::BAD_REQUEST,
            "The request could not be completed.",
            reason.clone(),
        ),
        ServiceError::Conflict(why) => portal_error(
            config,
            StatusCode::CONFLICT,
            "That name or id is already taken.",
            why.clone(),
        ),
        other => service_error_page(config, other),
    }
}

/// The 403 page for a member who is not a Tenant Administrator opening a form.
pub(super) fn forbidden(state: &AppState) -> HttpResponse {
    service_error(
        state,
        &ServiceError::Forbidden("this operation needs the Tenant Administrator role".to_owned()),
    )
}

/// Where to sign in, keeping the `tenant` choice of the request.
fn login_location(config: &Config, req: &HttpRequest) -> String {
    let tenant = query_value(req, "tenant");
    match tenant {
        Some(t) => format!(
            "{}/login?{}",
            root(config),
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("tenant", &t)
                .finish()
        ),
        None => format!("{}/login", root(config)),
    }
}

/// One query parameter (the first one of that name).
pub(super) fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

/// The signed-in user, or the redirect to the login page.
pub(super) async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<PortalUser, HttpResponse> {
    let ctx = state.ctx.clone();
    let cookie = session_value(req);
    match blocking(move || portal::portal_user(&ctx, cookie.as_deref())).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(redirect(&login_location(&state.ctx.config, req)).finish()),
        Err(e) => Err(service_error(state, &e)),
    }
}

/// A portal form body: repeated fields allowed (checkboxes, URL lists).
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of a field, or "".
    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every non-blank value of a field, in order.
    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Whether a checkbox was sent.
    pub(super) fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// Reads a form body and checks its CSRF pair; `Err` is the page to answer with (400).
pub(super) async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Form, HttpResponse> {
    let config = &state.ctx.config;
    let body = read_body(payload, FORM_BODY_LIMIT)
        .await
        .map_err(|_| respond::unreadable_body_page(config))?;
    let form = Form(
        url::form_urlencoded::parse(&body)
            .into_owned()
            .collect::<Vec<_>>(),
    );
    if form
        .0
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(respond::bad_form_page(
            config,
            &OAuthError::invalid_request("parameters must not contain NUL"),
        ));
    }
    let csrf = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(respond::CSRF_FIELD, form.get(respond::CSRF_FIELD))
        .finish();
    let matches = FormParams::parse(csrf.as_bytes())
        .map(|p| csrf_matches(req, &p))
        .unwrap_or(false);
    if !matches {
        return Err(respond::csrf_error_page(config));
    }
    Ok(form)
}

/// A signed-in POST: the CSRF-checked form and the user.
pub(super) async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Form, PortalUser), HttpResponse> {
    let form = read_form(state, req, payload).await?;
    let user = signed_in(state, req).await?;
    Ok((form, user))
}

/// The signed-in user, who must be a Tenant Administrator: the forms that change things are not
/// even shown to read-only members (the service layer refuses their changes anyway).
pub(super) async fn signed_in_admin(
    state: &AppState,
    req: &HttpRequest,
) -> Result<PortalUser, HttpResponse> {
    let user = signed_in(state, req).await?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(forbidden(state))
    }
}

/// [`signed_in_form`] for a Tenant Administrator.
pub(super) async fn signed_in_admin_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Form, PortalUser), HttpResponse> {
    let (form, user) = signed_in_form(state, req, payload).await?;
    if user.is_admin {
        Ok((form, user))
    } else {
        Err(forbidden(state))
    }
}

/// `GET /portal`: the Clients page, or the login page without a session.
async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match signed_in(&state, &req).await {
        Ok(_) => redirect(&format!("{}/clients", root(&state.ctx.config))).finish(),
        Err(res) => res,
    }
}

fn login_view(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    message: Option<&str>,
    tenant: &str,
) -> HttpResponse {
    let config = &state.ctx.config;
    let root = root(config);
    let (csrf, cookie) = match csrf_for_form_at(req, config, root.clone()) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    let mut res = html(StatusCode::OK, &page_csp(&[]), true);
    res.cookie(cookie);
    page(
        res,
        &LoginPage {
            layout: LoginLayout { root },
            client_name: PORTAL_NAME,
            username,
            message,
            request: tenant,
            csrf: &csrf,
        },
    )
}

/// `GET /portal/login[?tenant=<id>]`: the Sign in page.
async fn login_page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let tenant = query_value(&req, "tenant").unwrap_or_default();
    login_view(&state, &req, "", None, &tenant)
}

/// `POST /portal/account/login`: username, password, request (the tenant choice), csrf.
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&state, &req, payload).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    let username = form.get("username").to_owned();
    let password = form.get("password").to_owned();
    let tenant = form.get("request").to_owned();
    let ip = client_ip(&req);
    let old_cookie = session_value(&req);
    let ctx = state.ctx.clone();
    let (u, t) = (username.clone(), tenant.clone());
    let outcome = blocking(move || {
        portal::portal_login(
            &ctx,
            &u,
            &password,
            &ip,
            old_cookie.as_deref(),
            Some(t.as_str()).filter(|t| !t.is_empty()),
        )
    })
    .await;
    let config = &state.ctx.config;
    match outcome {
        Ok(PortalLogin::SignedIn { cookie }) => redirect(&format!("{}/clients", root(config)))
            .cookie(session_cookie(config, cookie))
            .finish(),
        Ok(PortalLogin::Retry { message }) => {
            login_view(&state, &req, &username, Some(&message), &tenant)
        }
        Err(e) => service_error_page(config, &e),
    }
}

/// `POST /portal/logout`: ends the session (the identity one too) and shows the login page.
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(res) = read_form(&state, &req, payload).await {
        return res;
    }
    let ctx = state.ctx.clone();
    let cookie = session_value(&req);
    let config = &state.ctx.config;
    match blocking(move || portal::portal_logout(&ctx, cookie.as_deref())).await {
        Ok(()) => redirect(&format!("{}/login", root(config)))
            .cookie(session_removal(config))
            .finish(),
        Err(e) => service_error_page(config, &e),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .body(body)
}

async fn site_css() -> HttpResponse {
    asset("text/css; charset=utf-8", SITE_CSS)
}

async fn portal_css() -> HttpResponse {
    asset("text/css; charset=utf-8", PORTAL_CSS)
}

async fn portal_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PORTAL_JS)
}
