//! The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2 and §3.3.2, SPEC §4.3, §4.4), as
//! pure decisions: first the client and redirect URI (failures are shown as an error page, never
//! redirected), then the rest of the request (failures are redirected to the client), then what to
//! do given the user's session and consent.
//!
//! Here: the client facts, the validated request, stage 1 (`check_client`) and the decision
//! (`decide`). Stage 2 (`check_request`) is in `request.rs` and reads the request through
//! `response.rs` (response type and mode, and the response itself), `scope.rs` and `prompt.rs`
//! (`prompt`, `max_age`).

mod prompt;
mod request;
mod response;
mod scope;

pub use prompt::Prompt;
pub use request::check_request;
pub use response::{
    respond, respond_error, AuthorizationResponse, ReplyTo, ResponseMode, ResponseType,
};

use super::form::FormParams;
use super::{ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::domain::{ClientKind, Scope};

/// What the authorization endpoint needs to know about the client.
#[derive(Clone, Debug)]
pub struct ClientFacts {
    pub kind: ClientKind,
    pub tenant_id: String,
    pub enabled: bool,
    pub redirect_uris: Vec<String>,
    /// Hybrid clients only: `code token` and `code id_token token` are allowed (SPEC §4.4).
    pub allow_access_tokens_via_browser: bool,
    /// Hybrid clients only: `offline_access` is granted (SPEC §4.4).
    pub allow_offline_access: bool,
}

/// A validated authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub reply: ReplyTo,
    pub response_type: ResponseType,
    /// Granted scopes in request order (unknown ones refused; `offline_access` kept only for
    /// hybrid clients allowed offline access, else dropped).
    pub scope: Scope,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
}

/// Exact redirect-URI matching; loopback IP URIs match with any port (RFC 8252 §7.3).
pub fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(r), Ok(q)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    let loopback = |u: &url::Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1") | Some("[::1]"))
    };
    loopback(&r)
        && loopback(&q)
        && r.host_str() == q.host_str()
        && r.path() == q.path()
        && r.query() == q.query()
        && q.fragment().is_none()
}

/// Stage 1: the client and the redirect URI. `Err` must be shown as an error page.
pub fn check_client(
    params: &FormParams,
    client: Option<&ClientFacts>,
) -> Result<String, OAuthError> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_request("client_id is missing"))?;
    let client = client.ok_or_else(|| {
        // Only a GUID is echoed: any other text is the requester's, not ours to show.
        let description = match crate::domain::ids::canonical_guid(client_id) {
            Ok(id) => format!("unknown client '{id}'"),
            Err(_) => "client_id is not a client id of this server".to_owned(),
        };
        OAuthError::new(ErrorCode::InvalidClient, description)
    })?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing"))?;
    if !client
        .redirect_uris
        .iter()
        .any(|r| redirect_uri_matches(r, redirect_uri))
    {
        return Err(OAuthError::invalid_request(
            "redirect_uri is not registered for this client",
        ));
    }
    if client.kind == ClientKind::ClientCredentials {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client cannot sign users in",
        ));
    }
    Ok(redirect_uri.to_owned())
}

/// The user's current sign-in, as far as the decision needs it.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub auth_time: UnixTime,
}

/// What the endpoint does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Show the login page.
    NeedLogin,
    /// Show the consent page.
    NeedConsent,
    /// Issue the authorization response.
    Issue,
    /// Redirect an error to the client.
    Refuse(OAuthError),
}

/// Decides given the session (signed in to the client's tenant, or not) and the remembered consent.
pub fn decide(
    req: &AuthorizeRequest,
    sign_in: Option<&SignIn>,
    consented_scope: Option<&Scope>,
    now: UnixTime,
) -> Decision {
    let fresh_enough = |s: &SignIn| req.max_age.is_none_or(|m| now - s.auth_time <= m);
    let signed_in = sign_in.filter(|s| fresh_enough(s));
    if signed_in.is_none() || req.prompt.login {
        return if req.prompt.none {
            Decision::Refuse(OAuthError::new(
                ErrorCode::LoginRequired,
                "the user is not signed in",
            ))
        } else {
            Decision::NeedLogin
        };
    }
    let covered = consented_scope.is_some_and(|granted| req.scope.is_subset_of(granted));
    if !covered || req.prompt.consent {
        return if req.prompt.none {
            Decision::Refuse(OAuthError::new(
                ErrorCode::ConsentRequired,
                "the user has not consented to this client",
            ))
        } else {
            Decision::NeedConsent
        };
    }
    Decision::Issue
}

#[cfg(test)]
mod tests;
