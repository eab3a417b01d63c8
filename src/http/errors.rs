//! The one place that renders errors over HTTP, by endpoint style: the management API's
//! `ErrorResponse` (SPEC §3.1) and the token endpoint's OAuth JSON (RFC 6749 §5.2).

use super::body::BodyError;
use super::request_id;
use crate::oauth::{ErrorCode, OAuthError};
use crate::service::ServiceError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// OCS `ErrorResponse`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorResponse {
    /// A fresh id of this request; the server's log line for the request carries it too.
    pub operation_id: String,
    pub error: String,
    pub reason: String,
    pub resolution: String,
    #[schema(value_type = Option<Object>)]
    pub dynamic_properties: Option<serde_json::Value>,
}

/// A management API error.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        ApiError(match e {
            BodyError::TooLarge(limit) => ServiceError::bad_request(
                format!("The request body is larger than {limit} bytes."),
                "Send a smaller body.",
            ),
            BodyError::Broken(m) => ServiceError::bad_request(
                format!("The request body could not be read: {m}"),
                "Send the request again.",
            ),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String, String) {
        match &self.0 {
            ServiceError::BadRequest { reason, resolution } => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                reason.clone(),
                resolution.clone(),
            ),
            ServiceError::Unauthorized(m) => (
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                m.clone(),
                "Send a valid access token of this server: Authorization: Bearer <token> (get one at the token endpoint).".to_owned(),
            ),
            ServiceError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                "Forbidden",
                m.clone(),
                "Use a token of this tenant that holds the required role.".to_owned(),
            ),
            ServiceError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "Not found",
                format!("{what} not found."),
                "Check the ids in the request path.".to_owned(),
            ),
            ServiceError::MethodNotAllowed(method) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
                format!("{method} is not allowed on this path."),
                "Use one of the methods documented for this resource.".to_owned(),
            ),
            ServiceError::Conflict(m) => (
                StatusCode::CONFLICT,
                "Conflict",
                m.clone(),
                "Choose another id or name.".to_owned(),
            ),
            ServiceError::OAuth(e) => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                e.description.clone(),
                e.code.as_str().to_owned(),
            ),
            ServiceError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
                "The service is temporarily unavailable.".to_owned(),
                "Try again shortly.".to_owned(),
            ),
            ServiceError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
                "An unexpected error occurred.".to_owned(),
                "Quote the OperationId when you report this problem.".to_owned(),
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, error, reason, resolution) = self.parts();
        let operation_id = request_id::current();
        match &self.0 {
            ServiceError::Internal(detail) | ServiceError::Unavailable(detail) => {
                tracing::error!(operation_id, %status, detail, "management API error")
            }
            _ => tracing::info!(operation_id, %status, reason, "management API error"),
        }
        let mut res = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"portcullis\""));
        }
        res.json(ErrorResponse {
            operation_id,
            error: error.to_owned(),
            reason,
            resolution,
            dynamic_properties: None,
        })
    }
}

/// RFC 6749 §5.2 error body.
#[derive(Serialize)]
struct OAuthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// The descriptions of the server-side failures, which each endpoint style words its own way.
pub struct ServerDescriptions {
    pub unavailable: &'static str,
    pub unexpected: &'static str,
}

/// A service failure as an OAuth error with its status: a refusal as it is (400), a bad request
/// as `invalid_request` (400); server-side failures are logged (as `endpoint`'s) and become
/// `temporarily_unavailable` (503) or `server_error` (500).
pub fn as_oauth_error(
    error: &ServiceError,
    endpoint: &str,
    descriptions: ServerDescriptions,
) -> (StatusCode, OAuthError) {
    let code = oauth_code(error);
    match error {
        ServiceError::OAuth(e) => (StatusCode::BAD_REQUEST, e.clone()),
        ServiceError::BadRequest { reason, .. } => (
            StatusCode::BAD_REQUEST,
            OAuthError::new(code, reason.clone()),
        ),
        ServiceError::Unavailable(detail) => {
            tracing::error!(detail, endpoint, "service unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                OAuthError::new(code, descriptions.unavailable),
            )
        }
        other => {
            tracing::error!(error = %other, endpoint, "unexpected error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthError::new(code, descriptions.unexpected),
            )
        }
    }
}

/// The OAuth error code of `error` as [`as_oauth_error`] answers it (the one mapping; `/metrics`
/// counts refusals by it, and it logs nothing).
pub fn oauth_code(error: &ServiceError) -> ErrorCode {
    match error {
        ServiceError::OAuth(e) => e.code,
        ServiceError::BadRequest { .. } => ErrorCode::InvalidRequest,
        ServiceError::Unavailable(_) => ErrorCode::TemporarilyUnavailable,
        _ => ErrorCode::ServerError,
    }
}

/// Renders a token-endpoint style error (also used by revocation and introspection).
pub fn oauth_json_error(error: &ServiceError, used_basic: bool) -> HttpResponse {
    let descriptions = ServerDescriptions {
        unavailable: "try again shortly",
        unexpected: "an unexpected error occurred",
    };
    let (status, oauth) = as_oauth_error(error, "token endpoint", descriptions);
    // RFC 6749 §5.2: a failed client authentication may answer 401.
    let status = match oauth.code {
        ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        _ => status,
    };
    if status.is_client_error() {
        tracing::info!(error = oauth.code.as_str(), description = %oauth.description, "token request refused");
    }
    let mut res = HttpResponse::build(status);
    no_store(&mut res);
    if status == StatusCode::UNAUTHORIZED && used_basic {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"portcullis\""));
    }
    res.json(OAuthErrorBody {
        error: oauth.code.as_str(),
        error_description: &oauth.description,
    })
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub fn no_store(res: &mut actix_web::HttpResponseBuilder) {
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
}

/// Renders a protected-resource error (RFC 6750 §3): no token → 401 with a bare `Bearer`
/// challenge (§3.1: no error code then); `invalid_request` → 400, `invalid_token` → 401,
/// `insufficient_scope` → 403 (with the needed `scope`), each with the error in the
/// `WWW-Authenticate` challenge and a JSON body; server-side failures as at the token endpoint.
///
pub fn bearer_error(error: &ServiceError) -> HttpResponse {
    let oauth = match error {
        ServiceError::Unauthorized(reason) => {
            tracing::info!(reason, "userinfo request without a token");
            let mut res = HttpResponse::Unauthorized();
            no_store(&mut res);
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"portcullis\""));
            return res.finish();
        }
        ServiceError::OAuth(e) => e.clone(),
        ServiceError::BadRequest { reason, .. } => OAuthError::invalid_request(reason.clone()),
        other => return oauth_json_error(other, false),
    };
    let status = match oauth.code {
        ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    tracing::info!(error = oauth.code.as_str(), description = %oauth.description, "userinfo request refused");
    // RFC 6750 §3: error_description is a quoted-string of %x20-21 / %x23-5B / %x5D-7E.
    let description: String = oauth
        .description
        .chars()
        .filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\')
        .collect();
    let mut challenge = format!(
        "Bearer realm=\"portcullis\", error=\"{}\", error_description=\"{description}\"",
        oauth.code.as_str()
    );
    if oauth.code == ErrorCode::InsufficientScope {
        challenge.push_str(", scope=\"openid\"");
    }
    let mut res = HttpResponse::build(status);
    no_store(&mut res);
    res.insert_header((header::WWW_AUTHENTICATE, challenge));
    res.json(OAuthErrorBody {
        error: oauth.code.as_str(),
        error_description: &oauth.description,
    })
}
