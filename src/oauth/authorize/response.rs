//! How the authorization response travels: `response_type` (OAuth 2.0 Multiple Response Type
//! Encoding Practices §3, OIDC Core §3.3), `response_mode` (ibid. §2.1, Form Post Response Mode),
//! and the response itself with `state` and `iss` (RFC 9207).

use super::ClientFacts;
use crate::domain::ClientKind;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};

/// How the authorization response travels (OAuth 2.0 Multiple Response Types, Form Post).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// A supported `response_type`: always a code, plus for hybrid clients an ID token and/or an
/// access token straight from the authorization endpoint (OAuth 2.0 Multiple Response Type
/// Encoding Practices §3, OIDC Core §3.3). The space-separated values may come in any order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseType {
    /// `id_token`: an ID token in the authorization response.
    pub id_token: bool,
    /// `token`: an access token in the authorization response.
    pub token: bool,
}

impl ResponseType {
    /// Plain `code`.
    pub const CODE: ResponseType = ResponseType {
        id_token: false,
        token: false,
    };

    /// Parses `code`, `code id_token`, `code token` or `code id_token token`, in any order; a
    /// repeated or unknown value, or one without `code`, gives `None`.
    pub fn parse(value: &str) -> Option<ResponseType> {
        let (mut code, mut id_token, mut token) = (false, false, false);
        for v in value.split(' ').filter(|v| !v.is_empty()) {
            let seen = match v {
                "code" => &mut code,
                "id_token" => &mut id_token,
                "token" => &mut token,
                _ => return None,
            };
            if *seen {
                return None;
            }
            *seen = true;
        }
        code.then_some(ResponseType { id_token, token })
    }

    /// The registered spelling.
    pub fn as_str(self) -> &'static str {
        match (self.id_token, self.token) {
            (false, false) => "code",
            (true, false) => "code id_token",
            (false, true) => "code token",
            (true, true) => "code id_token token",
        }
    }

    /// Whether the authorization endpoint itself returns a token.
    pub fn returns_token(self) -> bool {
        self.id_token || self.token
    }

    /// The default response mode: query for `code`, fragment for the hybrid types (OAuth 2.0
    /// Multiple Response Type Encoding Practices §5, OIDC Core §3.3.2.5).
    pub fn default_mode(self) -> ResponseMode {
        if self.returns_token() {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        }
    }
}

/// Where and how to answer the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

/// `response_type` and `response_mode` as the request spells them, and where its errors go.
///
/// CAUTION: `reply` is settled before anything is checked, because every later refusal is
/// redirected with it; an unsupported or refused mode falls back to the type's default mode.
pub(super) struct ResponseRequest<'a> {
    raw_type: &'a str,
    parsed: Option<ResponseType>,
    /// `None`: an unknown `response_mode`.
    mode: Option<ResponseMode>,
    /// `response_mode=query` asked for a type whose tokens must not travel in the query.
    query_refused: bool,
    pub(super) reply: ReplyTo,
}

impl<'a> ResponseRequest<'a> {
    /// Reads `response_type`, `response_mode` and `state`.
    pub(super) fn read(params: &'a FormParams, redirect_uri: String) -> Self {
        let raw_type = params.get("response_type").unwrap_or("");
        let parsed = ResponseType::parse(raw_type);
        // An unsupported type that would carry tokens is answered in the fragment, never the query.
        let default_mode = match parsed {
            Some(t) => t.default_mode(),
            None if raw_type.split(' ').any(|v| v == "token" || v == "id_token") => {
                ResponseMode::Fragment
            }
            None => ResponseMode::Query,
        };
        let mode = match params.get("response_mode") {
            None => Some(default_mode),
            Some("query") => Some(ResponseMode::Query),
            Some("fragment") => Some(ResponseMode::Fragment),
            Some("form_post") => Some(ResponseMode::FormPost),
            Some(_) => None,
        };
        // Tokens never travel in the query (OAuth 2.0 Multiple Response Type Encoding Practices
        // §5): that request is refused by `check_type`, and the refusal goes the type's default way.
        let query_refused =
            mode == Some(ResponseMode::Query) && default_mode != ResponseMode::Query;
        let reply = ReplyTo {
            redirect_uri,
            mode: mode.filter(|_| !query_refused).unwrap_or(default_mode),
            state: params.get("state").map(str::to_owned),
        };
        ResponseRequest {
            raw_type,
            parsed,
            mode,
            query_refused,
            reply,
        }
    }

    /// The `response_mode` is one we know.
    pub(super) fn check_mode(&self) -> Result<(), OAuthError> {
        if self.mode.is_none() {
            return Err(OAuthError::invalid_request(
                "response_mode is not supported",
            ));
        }
        Ok(())
    }

    /// The `response_type` this client may use: only hybrid clients get more than `code`, and
    /// access tokens from the authorization endpoint need AllowAccessTokensViaBrowser (SPEC §4.4).
    pub(super) fn check_type(&self, client: &ClientFacts) -> Result<ResponseType, OAuthError> {
        if self.raw_type.is_empty() {
            return Err(OAuthError::invalid_request("response_type is missing"));
        }
        let response_type = match self.parsed {
            Some(t) if t == ResponseType::CODE || client.kind == ClientKind::Hybrid => t,
            _ => {
                return Err(OAuthError::new(
                    ErrorCode::UnsupportedResponseType,
                    format!(
                        "response_type '{}' is not supported for this client",
                        self.raw_type
                    ),
                ))
            }
        };
        if response_type.token && !client.allow_access_tokens_via_browser {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                format!(
                    "response_type '{}' needs AllowAccessTokensViaBrowser on the client",
                    response_type.as_str()
                ),
            ));
        }
        if self.query_refused {
            return Err(OAuthError::invalid_request(format!(
                "response_mode query cannot carry the tokens of response_type '{}'; use fragment or form_post",
                response_type.as_str()
            )));
        }
        Ok(response_type)
    }
}

/// An authorization response ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationResponse {
    /// A 302 to this URL.
    Redirect(String),
    /// An auto-submitting form posting `params` to `action`.
    FormPost {
        action: String,
        params: Vec<(String, String)>,
    },
}

/// Builds the response carrying `params` plus `state` and `iss` (RFC 9207).
pub fn respond(
    reply: &ReplyTo,
    mut params: Vec<(String, String)>,
    issuer: &str,
) -> AuthorizationResponse {
    if let Some(state) = &reply.state {
        params.push(("state".to_owned(), state.clone()));
    }
    params.push(("iss".to_owned(), issuer.to_owned()));
    let encoded = || {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish()
    };
    match reply.mode {
        ResponseMode::Query => {
            let sep = if reply.redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            AuthorizationResponse::Redirect(format!("{}{sep}{}", reply.redirect_uri, encoded()))
        }
        ResponseMode::Fragment => {
            AuthorizationResponse::Redirect(format!("{}#{}", reply.redirect_uri, encoded()))
        }
        ResponseMode::FormPost => AuthorizationResponse::FormPost {
            action: reply.redirect_uri.clone(),
            params,
        },
    }
}

/// An error response to the client.
pub fn respond_error(reply: &ReplyTo, error: &OAuthError, issuer: &str) -> AuthorizationResponse {
    respond(
        reply,
        vec![
            ("error".to_owned(), error.code.as_str().to_owned()),
            ("error_description".to_owned(), error.description.clone()),
        ],
        issuer,
    )
}
