//! The authorization endpoint and the login and consent pages (SPEC §4.3, §5, §11): each handler
//! reads the request, calls one `service::signin` (or, for the portal, `service::portal`) function
//! in one blocking unit of work and renders its outcome.
//!
//! The login page carries what the visitor came for through its POST: a relying party's
//! authorization request (hidden field `request`, the urlencoded parameters, re-validated by the
//! service on every step), or, for the portal, the local page to come back to (`return_url`,
//! checked by `browser::return_url` when the page is shown and again when it is posted).

use super::views::{scope_in_words, web_url, ConsentPage, FormPostPage, Layout, LoginPage};
use crate::config::Config;
use crate::domain::audit::Origin;
use crate::domain::Scope;
use crate::http::blocking;
use crate::http::body::{read_body, FORM_BODY_LIMIT};
use crate::http::browser::cookies::{session_cookie, session_value};
use crate::http::browser::csp::{form_post_csp, form_target_source, page_csp, FORM_POST_SCRIPT};
use crate::http::browser::csrf::csrf_for_form;
use crate::http::browser::error_page::{
    oauth_error_page, service_error_page, unreadable_body_page,
};
use crate::http::browser::form::{query_param, read_params};
use crate::http::browser::paths::portal_root;
use crate::http::browser::response::{html, page, redirect};
use crate::http::browser::return_url::{self, local_return_url, tenant_choice};
use crate::http::client_address::origin;
use crate::http::AppState;
use crate::oauth::authorize::AuthorizationResponse;
use crate::oauth::form::FormParams;
use crate::oauth::OAuthError;
use crate::service::portal::{self, PortalLogin};
use crate::service::signin::{self, AuthorizeOutcome, LoginOutcome, PageClient, SignInOptions};
use crate::service::ServiceError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The name the login page shows for the portal ("to continue to …").
const PORTAL_NAME: &str = "the Portcullis portal";

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

/// What the login page carries through its POST.
enum Carried<'a> {
    /// A relying party's urlencoded authorization request, and what its tenant offers.
    Authorize(&'a str, &'a SignInOptions),
    /// The portal page to come back to (already checked).
    Portal(&'a str),
}

struct LoginView<'a> {
    client_name: &'a str,
    username: &'a str,
    message: Option<&'a str>,
    carried: Carried<'a>,
}

fn login_page(state: &AppState, req: &HttpRequest, view: LoginView<'_>) -> HttpResponse {
    let config = &state.ctx.config;
    let layout = Layout::of(config);
    let (csrf, cookie) = match csrf_for_form(req, &state.ctx, layout.root.clone()) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    let portal = SignInOptions {
        password: true,
        ..SignInOptions::default()
    };
    let (request, return_url, targets, options) = match view.carried {
        Carried::Authorize(request, options) => (request, None, redirect_target(request), options),
        Carried::Portal(back) => ("", Some(back), Vec::new(), &portal),
    };
    if let Some(id) = &options.direct {
        // `acr_values=idp:{id}`: straight to that provider, no page (SPEC §12.2).
        return redirect(&federation_start(&layout.root, id, request)).finish();
    }
    let providers = options
        .providers
        .iter()
        .map(|(id, name)| (federation_start(&layout.root, id, request), name.as_str()))
        .collect();
    let mut res = html(StatusCode::OK, &page_csp(&targets), true);
    res.cookie(cookie);
    page(
        res,
        &LoginPage {
            layout,
            client_name: view.client_name,
            username: view.username,
            message: view.message,
            request,
            return_url,
            csrf: &csrf,
            password: options.password,
            providers,
        },
    )
}

/// The link that starts a sign-in through upstream provider `id` for the carried `request`.
fn federation_start(root: &str, id: &str, request: &str) -> String {
    format!(
        "{root}/federation/start?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider", id)
            .append_pair("request", request)
            .finish()
    )
}

fn consent_page(
    state: &AppState,
    req: &HttpRequest,
    client: &PageClient,
    scope: &Scope,
    request: &str,
) -> HttpResponse {
    let config = &state.ctx.config;
    let (csrf, cookie) = match csrf_for_form(req, &state.ctx, Layout::of(config).root) {
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
            scopes: scope
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
            options,
        }) => login_page(
            state,
            req,
            LoginView {
                client_name: &client.name,
                username: login_hint.as_deref().unwrap_or(""),
                message: None,
                carried: Carried::Authorize(&request, &options),
            },
        ),
        Ok(AuthorizeOutcome::Consent {
            client,
            scope,
            request,
        }) => consent_page(state, req, &client, &scope, &request),
    }
}

async fn authorize(state: web::Data<AppState>, req: HttpRequest, raw: Vec<u8>) -> HttpResponse {
    let ctx = state.ctx.clone();
    let cookie = session_value(&req, &state.ctx.config);
    let outcome = blocking(&state.ctx, move || {
        signin::authorize(&ctx, &raw, cookie.as_deref())
    })
    .await;
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

/// The refusal of a return URL that is not a local portal page (never redirected to).
fn refused_return_url(state: &AppState) -> HttpResponse {
    oauth_error_page(
        &state.ctx.config,
        &OAuthError::invalid_request("return_url must be a local address of the portal"),
    )
}

/// `GET /identity/account/login?return_url=/portal/...`: the Sign in page for the portal.
pub async fn login_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let raw = query_param(&req, return_url::FIELD).unwrap_or_default();
    let Some(back) = local_return_url(&raw, &portal_root(&state.ctx.config)) else {
        return refused_return_url(&state);
    };
    let view = LoginView {
        client_name: PORTAL_NAME,
        username: "",
        message: None,
        carried: Carried::Portal(&back),
    };
    login_page(&state, &req, view)
}

/// What the visitor typed, and where from.
struct Credentials {
    username: String,
    password: String,
    /// The client address (the throttling key) and the request id.
    origin: Origin,
    old_cookie: Option<String>,
}

impl Credentials {
    fn of(req: &HttpRequest, params: &FormParams, config: &Config) -> Credentials {
        Credentials {
            username: params.get("username").unwrap_or("").to_owned(),
            password: params.get("password").unwrap_or("").to_owned(),
            origin: origin(req, &config.trusted_proxies),
            old_cookie: session_value(req, config),
        }
    }
}

/// `POST /identity/account/login`: username, password, csrf, and either `request` (a relying
/// party's authorization request) or `return_url` (a portal page).
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let config = &state.ctx.config;
    let params = match read_params(&state.ctx, &req, payload).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let who = Credentials::of(&req, &params, config);
    match (params.get(return_url::FIELD), params.get("request")) {
        (Some(back), None) => portal_login(&state, &req, back, who).await,
        (_, request) => authorize_login(&state, &req, request.unwrap_or(""), who).await,
    }
}

/// How long a refusal waits when its account is over the account-wide limit (SPEC §8: slowed,
/// never locked). The wait holds no thread.
const SLOW_DOWN: std::time::Duration = std::time::Duration::from_secs(1);

async fn pause_if(slow_down: bool) {
    if slow_down {
        actix_web::rt::time::sleep(SLOW_DOWN).await;
    }
}

/// The login of a relying party's authorization request: back to the authorization endpoint.
async fn authorize_login(
    state: &AppState,
    req: &HttpRequest,
    request: &str,
    who: Credentials,
) -> HttpResponse {
    let ctx = state.ctx.clone();
    let (r, u) = (request.to_owned(), who.username.clone());
    let outcome = blocking(&state.ctx, move || {
        signin::login(
            &ctx,
            &r,
            &u,
            &who.password,
            &who.origin,
            who.old_cookie.as_deref(),
        )
    })
    .await;
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
            slow_down,
            options,
        }) => {
            pause_if(slow_down).await;
            login_page(
                state,
                req,
                LoginView {
                    client_name: &client.name,
                    username: &username,
                    message: Some(&message),
                    carried: Carried::Authorize(&request, &options),
                },
            )
        }
    }
}

/// The portal's login (SPEC §11): the tenant is the account's (or the `?tenant=` of the return
/// URL when the e-mail is in several); signed in, back to the portal page asked for.
async fn portal_login(
    state: &AppState,
    req: &HttpRequest,
    back: &str,
    who: Credentials,
) -> HttpResponse {
    let config = &state.ctx.config;
    let Some(back) = local_return_url(back, &portal_root(config)) else {
        return refused_return_url(state);
    };
    let ctx = state.ctx.clone();
    let (u, tenant) = (who.username.clone(), tenant_choice(&back));
    let outcome = blocking(&state.ctx, move || {
        portal::portal_login(
            &ctx,
            &u,
            &who.password,
            &who.origin,
            who.old_cookie.as_deref(),
            tenant.as_deref(),
        )
    })
    .await;
    match outcome {
        Err(e) => service_error_page(config, &e),
        Ok(PortalLogin::SignedIn { cookie }) => redirect(&back)
            .cookie(session_cookie(config, cookie))
            .finish(),
        Ok(PortalLogin::Retry { message, slow_down }) => {
            pause_if(slow_down).await;
            login_page(
                state,
                req,
                LoginView {
                    client_name: PORTAL_NAME,
                    username: &who.username,
                    message: Some(&message),
                    carried: Carried::Portal(&back),
                },
            )
        }
    }
}

/// `POST /identity/account/consent`: request, csrf, `decision` (allow | deny), `remember`.
pub async fn consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let config = &state.ctx.config;
    let form = match read_params(&state.ctx, &req, payload).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            return oauth_error_page(
                config,
                &OAuthError::invalid_request("decision must be allow or deny"),
            )
        }
    };
    let remember = form.get("remember").is_some();
    let request = form.get("request").unwrap_or("").to_owned();
    let cookie = session_value(&req, &state.ctx.config);
    let from = origin(&req, &state.ctx.config.trusted_proxies);
    let ctx = state.ctx.clone();
    let outcome = blocking(&state.ctx, move || {
        signin::consent(&ctx, &request, allow, remember, cookie.as_deref(), &from)
    })
    .await;
    authorize_outcome(&state, &req, outcome)
}
