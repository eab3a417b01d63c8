//! The portal's error type: handlers return `Result<HttpResponse, PortalError>` and use `?`, as
//! the management API does with `ApiError`. A `PortalError` is either a response that is ready
//! (the redirect to the identity login page, a refused form) or a service failure, which renders
//! itself as a portal page: 403 without the role, 404, 409, 400 with the service's words, the rest
//! as the identity pages render them.

use crate::config::Config;
use crate::http::browser::error_page::{error_page, service_error_page};
use crate::http::browser::paths::{portal_login_url, portal_root};
use crate::http::browser::response::redirect;
use crate::oauth::{ErrorCode, OAuthError};
use crate::service::ServiceError;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use std::sync::Arc;

/// Why a portal request was not answered with its page.
#[derive(Debug)]
pub enum PortalError {
    /// A response ready to send. actix's own `InternalError` holds it, because
    /// `ResponseError::error_response` only borrows the error; boxed, since a response is large
    /// and every handler's `Result` carries the error's size.
    Ready(Box<InternalError<&'static str>>),
    /// A service failure, with the configuration its page is rendered with.
    Service(ServiceError, Arc<Config>),
}

impl PortalError {
    /// A response ready to send (`why` is what a log of the error says).
    pub fn ready(why: &'static str, response: HttpResponse) -> PortalError {
        PortalError::Ready(Box::new(InternalError::from_response(why, response)))
    }
}

impl std::fmt::Display for PortalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortalError::Ready(why) => why.fmt(f),
            PortalError::Service(e, _) => e.fmt(f),
        }
    }
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortalError::Ready(r) => r.status_code(),
            PortalError::Service(e, _) => match e {
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Unauthorized(_) => StatusCode::FOUND,
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::BadRequest { .. } | ServiceError::OAuth(_) => StatusCode::BAD_REQUEST,
                ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PortalError::Ready(r) => r.error_response(),
            PortalError::Service(e, config) => service_error(config, e),
        }
    }
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
    error_page(
        config,
        status,
        sentence,
        &OAuthError::new(code, description),
    )
}

/// A service failure as a portal page.
fn service_error(config: &Config, error: &ServiceError) -> HttpResponse {
    match error {
        ServiceError::Forbidden(why) => portal_error(
            config,
            StatusCode::FORBIDDEN,
            "You can look, but only a Tenant Administrator can change this.",
            why.clone(),
        ),
        ServiceError::Unauthorized(_) => {
            redirect(&portal_login_url(config, &portal_root(config))).finish()
        }
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
