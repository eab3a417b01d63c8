//! The one renderer of errors as a page (SPEC §5): a human sentence, the OAuth error code, its
//! description and the OperationId. Used for authorize-style errors that must not be redirected
//! (SPEC §4.3), broken forms, and — through `portal::PortalError` — the portal's refusals.

use super::csp::page_csp;
use super::paths::Layout;
use super::response::{html, page};
use crate::config::Config;
use crate::http::errors::{as_oauth_error, ServerDescriptions};
use crate::http::request_id;
use crate::oauth::{ErrorCode, OAuthError};
use crate::service::ServiceError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

/// The sentence of the generic error page.
pub const GENERIC_SENTENCE: &str =
    "The request could not be completed. Go back to the application and try again.";
/// The page's sentence when the CSRF pair does not match.
pub const CSRF_SENTENCE: &str =
    "The form has expired or was not sent from this site; go back and try again.";

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub layout: Layout,
    pub sentence: &'a str,
    pub code: &'a str,
    pub description: &'a str,
    pub operation_id: &'a str,
}

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

/// A request that must not be redirected (bad client or redirect URI, a broken form...): 400.
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
    let descriptions = ServerDescriptions {
        unavailable: "",
        unexpected: "",
    };
    let (status, oauth) = as_oauth_error(error, "page", descriptions);
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

/// A body that could not be read or is larger than the limit.
pub fn unreadable_body_page(config: &Config) -> HttpResponse {
    oauth_error_page(
        config,
        &OAuthError::invalid_request("the request body could not be read or is too large"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let html = ErrorPage {
            layout: Layout {
                root: "/identity".into(),
            },
            sentence: "<b>x</b>",
            code: "invalid_request",
            description: "a\"b",
            operation_id: "op",
        }
        .render()
        .unwrap();
        assert!(html.contains("&#60;b&#62;x"), "{html}");
        assert!(!html.contains("<b>x</b>"));
    }
}
