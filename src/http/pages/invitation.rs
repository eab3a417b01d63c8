//! The "Accept invitation" page (SPEC §12.3) at `{issuer}/account/invitation?code=…`: for the
//! Local provider a Set password form (CSRF-protected) that signs the user in and lands on the
//! portal; for an upstream provider a **Sign in with {DisplayName}** button to
//! `{issuer}/federation/start?provider=…&invitation=…`. An unknown, used or expired code gets the
//! error page and changes nothing. Adapters over `service::invitations`.

use super::views::{InvitationPage, Layout};
use crate::http::blocking;
use crate::http::browser::cookies::{session_cookie, session_value};
use crate::http::browser::csp::page_csp;
use crate::http::browser::csrf::csrf_for_form;
use crate::http::browser::error_page::{error_page, service_error_page};
use crate::http::browser::form::{query_param, read_params};
use crate::http::browser::paths::portal_root;
use crate::http::browser::response::{html, page, redirect};
use crate::http::AppState;
use crate::oauth::OAuthError;
use crate::service::invitations::{self, AcceptLocal, Opened};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The page's sentence for a link that cannot be used.
const UNUSABLE: &str = "This invitation link cannot be used: it is unknown, has expired or was \
                        already used. Ask your administrator for a new one.";

/// The error page (400) with the page's `sentence`; `why` goes to the log.
fn refused_page(state: &AppState, sentence: &str, why: &str) -> HttpResponse {
    error_page(
        &state.ctx.config,
        StatusCode::BAD_REQUEST,
        sentence,
        &OAuthError::invalid_request(why),
    )
}

fn unusable_page(state: &AppState) -> HttpResponse {
    refused_page(
        state,
        UNUSABLE,
        "the invitation is unknown, expired or already used",
    )
}

/// The page's sentence for a Local invitation in a tenant without password sign-in.
const PASSWORDS_OFF: &str = "Password sign-in is turned off for this organization, so this \
                             invitation cannot be accepted with a password. Ask your \
                             administrator to invite you through your organization's identity \
                             provider.";

fn passwords_off_page(state: &AppState) -> HttpResponse {
    refused_page(
        state,
        PASSWORDS_OFF,
        "password sign-in is turned off for this tenant",
    )
}

fn accept_page(
    state: &AppState,
    req: &HttpRequest,
    opened: &Opened,
    code: &str,
    message: Option<&str>,
) -> HttpResponse {
    let config = &state.ctx.config;
    let layout = Layout::of(config);
    let layout_root = layout.root.clone();
    let (csrf, cookie) = match csrf_for_form(req, &state.ctx, layout.root.clone()) {
        Ok(v) => v,
        Err(e) => return service_error_page(config, &e),
    };
    let mut res = html(StatusCode::OK, &page_csp(&[]), true);
    res.cookie(cookie);
    page(
        res,
        &InvitationPage {
            layout,
            tenant_name: &opened.tenant_name,
            email: &opened.email,
            message,
            local: opened.is_local(),
            code,
            csrf: &csrf,
            federation_start: format!(
                "{}/federation/start?{}",
                layout_root,
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("provider", &opened.identity_provider_id)
                    .append_pair("invitation", code)
                    .finish()
            ),
            provider_name: opened
                .provider_name
                .as_deref()
                .unwrap_or("your organization's identity provider"),
        },
    )
}

/// `GET /identity/account/invitation?code=…`.
pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let code = query_param(&req, "code").unwrap_or_default();
    let ctx = state.ctx.clone();
    let c = code.clone();
    match blocking(&state.ctx, move || invitations::open(&ctx, &c)).await {
        Err(e) => service_error_page(&state.ctx.config, &e),
        Ok(None) => unusable_page(&state),
        Ok(Some(opened)) if opened.is_local() && opened.passwords_off => passwords_off_page(&state),
        Ok(Some(opened)) => accept_page(&state, &req, &opened, &code, None),
    }
}

/// `POST /identity/account/invitation`: csrf, code, password, confirm_password.
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let config = &state.ctx.config;
    let form = match read_params(&state.ctx, &req, payload).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let field = |name: &str| form.get(name).unwrap_or("").to_owned();
    let (code, password, confirm) = (field("code"), field("password"), field("confirm_password"));
    let old_cookie = session_value(&req, config);
    let ctx = state.ctx.clone();
    let c = code.clone();
    let outcome = blocking(&state.ctx, move || {
        invitations::accept_local(&ctx, &c, &password, &confirm, old_cookie.as_deref())
    })
    .await;
    match outcome {
        Err(e) => service_error_page(config, &e),
        Ok(AcceptLocal::Invalid) => unusable_page(&state),
        Ok(AcceptLocal::PasswordsOff) => passwords_off_page(&state),
        Ok(AcceptLocal::Retry { message, opened }) => {
            accept_page(&state, &req, &opened, &code, Some(&message))
        }
        Ok(AcceptLocal::SignedIn { cookie }) => redirect(&portal_root(config))
            .cookie(session_cookie(config, cookie))
            .finish(),
    }
}
