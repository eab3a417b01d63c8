//! How the pages answer: security headers and Content-Security-Policy (SPEC §5, §8), the session
//! and CSRF cookies, the double-submit CSRF check, redirects, and the one renderer of errors as a
//! page (authorize-style errors that must not be redirected, SPEC §4.3).

use super::views::{ErrorPage, Layout};
use crate::config::{Config, SameSite as CookieSameSite};
use crate::crypto::secrets::random_token;
use crate::http::request_id;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::service::sessions::SESSION_COOKIE;
use crate::service::ServiceError;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use subtle::ConstantTimeEq;

/// Name of the double-submit CSRF cookie.
pub const CSRF_COOKIE: &str = "portcullis.csrf";
/// Name of the hidden CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";
/// The page's sentence when the CSRF pair does not match.
pub const CSRF_SENTENCE: &str =
    "The form has expired or was not sent from this site; go back and try again.";

/// The form_post page's only script, and its CSP hash (computed once, from the same text).
pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";
static FORM_POST_SCRIPT_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(FORM_POST_SCRIPT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// A CSP source expression for where a form may end up: the origin of an http(s) URI, the scheme
/// of a private-use one (RFC 8252 §7.1). Script-capable schemes get nothing.
pub fn form_target_source(uri: &str) -> Option<String> {
    let u = url::Url::parse(uri).ok()?;
    match u.scheme() {
        "http" | "https" => {
            let origin = u.origin();
            origin.is_tuple().then(|| origin.ascii_serialization())
        }
        "javascript" | "data" | "vbscript" | "file" | "blob" | "about" => None,
        scheme => Some(format!("{scheme}:")),
    }
}

/// The CSP of an HTML page. `form_targets` are where its form POST may be redirected to (CSP
/// `form-action` also applies to redirects after a submission in Chromium): the client's
/// redirect URI origin for login and consent, the post-logout URI for the logout confirmation.
pub fn page_csp(form_targets: &[String]) -> String {
    let mut form_action = String::from("'self'");
    for t in form_targets {
        form_action.push(' ');
        form_action.push_str(t);
    }
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The form_post page's CSP: only the hashed script runs, and the form goes only to the client.
/// CAUTION: `frame-ancestors` is the client's origin, not `'none'`, because a relying party may
/// run the request in a hidden iframe (silent renew); nothing on the page takes user input.
pub fn form_post_csp(target: Option<&str>) -> String {
    let target = target.unwrap_or("'none'");
    format!(
        "default-src 'none'; script-src {}; form-action {target}; frame-ancestors {target}; \
         base-uri 'none'",
        *FORM_POST_SCRIPT_HASH
    )
}

fn common_headers(res: &mut HttpResponseBuilder) {
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
}

/// An HTML page with the security headers. `deny_framing` adds `X-Frame-Options: DENY` (every
/// page but the form_post one, whose CSP names the one origin that may frame it).
pub fn html(status: StatusCode, csp: &str, deny_framing: bool) -> HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    common_headers(&mut res);
    res.content_type("text/html; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(csp) {
        res.insert_header((header::CONTENT_SECURITY_POLICY, v));
    }
    if deny_framing {
        res.insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    }
    res
}

/// A 302 to `location`. No page, so no framing rules: a silent renew in a hidden iframe gets its
/// redirect.
pub fn redirect(location: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Found();
    common_headers(&mut res);
    res.insert_header((header::LOCATION, location));
    res
}

/// Answers with `res` carrying the rendered template; a template failure is logged and answered
/// with a bare 500 page instead.
pub fn page(mut res: HttpResponseBuilder, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(body) => res.body(body),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, &page_csp(&[]), true)
                .body("<!DOCTYPE html><title>Error</title><p>An unexpected error occurred.</p>")
        }
    }
}

/// The sentence of the generic error page.
pub const GENERIC_SENTENCE: &str =
    "The request could not be completed. Go back to the application and try again.";

/// The human sentence for an error shown as a page.
fn sentence_for(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidClient => {
            "The application that sent you here is not known to this sign-in service."
        }
        ErrorCode::UnauthorizedClient => "This application is not allowed to sign users in.",
        ErrorCode::ServerError => {
            "Something went wrong on our side. Try again later, and quote the OperationId below if it keeps happening."
        }
        ErrorCode::TemporarilyUnavailable => {
            "The sign-in service is temporarily unavailable. Try again in a moment."
        }
        _ => "The application sent a request that cannot be handled. Go back to the application and try again.",
    }
}

/// The error page: the sentence, the OAuth error code, its description and the OperationId.
pub fn error_page(
    config: &Config,
    status: StatusCode,
    sentence: &str,
    error: &OAuthError,
) -> HttpResponse {
    let operation_id = request_id::current();
    if status.is_server_error() {
        tracing::error!(operation_id, error = error.code.as_str(), "error page");
    } else {
        tracing::info!(operation_id, error = error.code.as_str(), description = %error.description, "error page");
    }
    let view = ErrorPage {
        layout: Layout::of(config),
        sentence,
        code: error.code.as_str(),
        description: &error.description,
        operation_id: &operation_id,
    };
    page(html(status, &page_csp(&[]), true), &view)
}

/// A request that must not be redirected (bad client or redirect URI...): 400 page.
pub fn oauth_error_page(config: &Config, error: &OAuthError) -> HttpResponse {
    error_page(
        config,
        StatusCode::BAD_REQUEST,
        sentence_for(error.code),
        error,
    )
}

/// A service failure as a page: 400 for bad requests, 503 when the database is away, else 500.
pub fn service_error_page(config: &Config, error: &ServiceError) -> HttpResponse {
    let (status, oauth) = match error {
        ServiceError::OAuth(e) => (StatusCode::BAD_REQUEST, e.clone()),
        ServiceError::BadRequest { reason, .. } => (
            StatusCode::BAD_REQUEST,
            OAuthError::invalid_request(reason.clone()),
        ),
        ServiceError::Unavailable(detail) => {
            tracing::error!(detail, "page: service unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                OAuthError::new(ErrorCode::TemporarilyUnavailable, ""),
            )
        }
        other => {
            tracing::error!(error = %other, "page: unexpected error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthError::new(ErrorCode::ServerError, ""),
            )
        }
    };
    error_page(config, status, sentence_for(oauth.code), &oauth)
}

/// A POST whose CSRF pair does not match.
pub fn csrf_error_page(config: &Config) -> HttpResponse {
    error_page(
        config,
        StatusCode::BAD_REQUEST,
        CSRF_SENTENCE,
        &OAuthError::invalid_request("the CSRF token is missing or does not match"),
    )
}

/// A form body that could not be parsed (a repeated field...).
pub fn bad_form_page(config: &Config, error: &OAuthError) -> HttpResponse {
    oauth_error_page(config, error)
}

/// A body that could not be read or is larger than the limit.
pub fn unreadable_body_page(config: &Config) -> HttpResponse {
    oauth_error_page(
        config,
        &OAuthError::invalid_request("the request body could not be read or is too large"),
    )
}

/// A consent POST without a valid `decision`.
pub fn bad_decision_page(config: &Config) -> HttpResponse {
    oauth_error_page(
        config,
        &OAuthError::invalid_request("decision must be allow or deny"),
    )
}

/// The session cookie's value, if the browser sent one.
pub fn session_value(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

fn same_site(config: &Config) -> SameSite {
    match config.cookie_samesite {
        CookieSameSite::Lax => SameSite::Lax,
        CookieSameSite::None => SameSite::None,
    }
}

/// The path of the public URL (`/`, or the path prefix the server is published under): the
/// session cookie's `Path`, so the identity pages and the portal (SPEC §11) share the session.
pub fn public_path(config: &Config) -> String {
    let root = Layout::of(config).root;
    match root.strip_suffix("/identity") {
        Some("") | None => "/".to_owned(),
        Some(prefix) => prefix.to_owned(),
    }
}

/// The session cookie (SPEC §8): `HttpOnly`, `Path` the public URL's path (it covers
/// `/identity` and `/portal`), SameSite from the configuration (`None` always with `Secure`),
/// `Secure` on https, lives as long as a session can.
pub fn session_cookie(config: &Config, value: String) -> Cookie<'static> {
    let same_site = same_site(config);
    Cookie::build(SESSION_COOKIE, value)
        .path(public_path(config))
        .http_only(true)
        .same_site(same_site)
        .secure(config.secure_cookies() || same_site == SameSite::None)
        .max_age(Duration::seconds(config.session_max))
        .finish()
}

/// Removes the session cookie (same attributes, so the browser matches it).
pub fn session_removal(config: &Config) -> Cookie<'static> {
    let mut c = session_cookie(config, String::new());
    c.make_removal();
    c
}

/// The CSRF cookie: `HttpOnly`, `SameSite=Strict`, for the browser session only, sent only
/// below `path` (the identity pages' root, or the portal's).
fn csrf_cookie(config: &Config, value: String, path: String) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(config.secure_cookies())
        .finish()
}

/// Whether a presented CSRF token looks like one of ours (43 base64url characters).
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The CSRF token for a form being rendered, and its cookie. The browser's current token is
/// reused, so two open tabs do not invalidate each other.
pub fn csrf_for_form(
    req: &HttpRequest,
    config: &Config,
) -> Result<(String, Cookie<'static>), ServiceError> {
    csrf_for_form_at(req, config, Layout::of(config).root)
}

/// [`csrf_for_form`] for pages below another path (the portal's CSRF cookie is its own).
pub fn csrf_for_form_at(
    req: &HttpRequest,
    config: &Config,
    path: String,
) -> Result<(String, Cookie<'static>), ServiceError> {
    let token = match req.cookie(CSRF_COOKIE) {
        Some(c) if well_formed(c.value()) => c.value().to_owned(),
        _ => random_token(32)?,
    };
    let cookie = csrf_cookie(config, token.clone(), path);
    Ok((token, cookie))
}

/// The double-submit check: the form's token equals the cookie's, compared in constant time.
pub fn csrf_matches(req: &HttpRequest, form: &FormParams) -> bool {
    let (Some(cookie), Some(field)) = (req.cookie(CSRF_COOKIE), form.get(CSRF_FIELD)) else {
        return false;
    };
    well_formed(cookie.value()) && bool::from(cookie.value().as_bytes().ct_eq(field.as_bytes()))
}

/// The peer address, for login throttling. Never `X-Forwarded-For`, which anyone can send.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_targets_are_origins_or_private_schemes_never_script() {
        assert_eq!(
            form_target_source("https://app.example:8443/cb?x=1").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(
            form_target_source("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(form_target_source("javascript:alert(1)"), None);
        assert_eq!(form_target_source("not a url"), None);
    }

    #[test]
    fn the_script_hash_is_of_the_script() {
        let csp = form_post_csp(Some("https://a.example"));
        assert!(csp.contains("script-src 'sha256-"), "{csp}");
        assert!(csp.contains("form-action https://a.example;"), "{csp}");
        assert!(form_post_csp(None).contains("form-action 'none'"));
    }
}
