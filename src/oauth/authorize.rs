//! The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2, SPEC §4.3), as pure decisions:
//! first the client and redirect URI (failures are shown as an error page, never redirected),
//! then the rest of the request (failures are redirected to the client), then what to do given the
//! user's session and consent.

use super::form::FormParams;
use super::pkce;
use super::{ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::domain::ClientKind;

/// How the authorization response travels (OAuth 2.0 Multiple Response Types, Form Post).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// What the authorization endpoint needs to know about the client.
#[derive(Clone, Debug)]
pub struct ClientFacts {
    pub kind: ClientKind,
    pub tenant_id: String,
    pub enabled: bool,
    pub redirect_uris: Vec<String>,
}

/// Where and how to answer the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

/// A validated authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub reply: ReplyTo,
    pub response_type: String,
    /// Granted scopes in request order (unknown ones refused, `offline_access` dropped).
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
}

impl AuthorizeRequest {
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }
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
        OAuthError::new(
            ErrorCode::InvalidClient,
            format!("unknown client '{client_id}'"),
        )
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

/// Stage 2: everything else. `Err` is redirected to the client with `reply`.
pub fn check_request(
    params: &FormParams,
    client: &ClientFacts,
    redirect_uri: String,
    api_scope: &str,
) -> Result<AuthorizeRequest, (ReplyTo, OAuthError)> {
    let state = params.get("state").map(str::to_owned);
    let response_type = params.get("response_type").unwrap_or("").to_owned();
    let default_mode = if response_type == "code" {
        ResponseMode::Query
    } else {
        ResponseMode::Fragment
    };
    let mode = match params.get("response_mode") {
        None => Some(default_mode),
        Some("query") => Some(ResponseMode::Query),
        Some("fragment") => Some(ResponseMode::Fragment),
        Some("form_post") => Some(ResponseMode::FormPost),
        Some(_) => None,
    };
    let reply = ReplyTo {
        redirect_uri,
        mode: mode.unwrap_or(default_mode),
        state,
    };
    let fail = |e: OAuthError| (reply.clone(), e);
    if mode.is_none() {
        return Err(fail(OAuthError::invalid_request(
            "response_mode is not supported",
        )));
    }
    if !client.enabled {
        return Err(fail(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the client is disabled",
        )));
    }
    match response_type.as_str() {
        "" => {
            return Err(fail(OAuthError::invalid_request(
                "response_type is missing",
            )))
        }
        "code" => {}
        other => {
            return Err(fail(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                format!("response_type '{other}' is not supported for this client"),
            )))
        }
    }
    let mut scopes: Vec<String> = Vec::new();
    for s in params
        .get("scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        match s {
            "openid" | "profile" | "email" => {}
            // Authorization-code clients never get refresh tokens: the scope is not granted.
            "offline_access" => continue,
            s if s == api_scope => {}
            other => {
                return Err(fail(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("scope '{other}' is not supported"),
                )))
            }
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(fail(OAuthError::new(
            ErrorCode::InvalidScope,
            "scope is missing",
        )));
    }
    if client.kind == ClientKind::AuthorizationCode {
        pkce::validate_challenge(
            params.get("code_challenge"),
            params.get("code_challenge_method"),
        )
        .map_err(fail)?;
    }
    let mut prompt = Prompt::default();
    for p in params
        .get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        match p {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            other => {
                return Err(fail(OAuthError::invalid_request(format!(
                    "prompt '{other}' is not supported"
                ))))
            }
        }
    }
    if prompt.none && (prompt.login || prompt.consent) {
        return Err(fail(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        )));
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            fail(OAuthError::invalid_request(
                "max_age must be a non-negative number",
            ))
        })?),
    };
    if let Some(acr) = params.get("acr_values") {
        for value in acr.split(' ').filter(|s| !s.is_empty()) {
            if let Some(tenant) = value.strip_prefix("tenant:") {
                if !tenant.eq_ignore_ascii_case(&client.tenant_id) {
                    return Err(fail(OAuthError::invalid_request(
                        "acr_values names a tenant the client does not belong to",
                    )));
                }
            }
        }
    }
    Ok(AuthorizeRequest {
        client_id: params.get("client_id").unwrap_or("").to_owned(),
        reply: reply.clone(),
        response_type,
        scopes,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge: params.get("code_challenge").map(str::to_owned),
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_owned),
    })
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
    consented_scope: Option<&str>,
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
    let covered = consented_scope.is_some_and(|granted| {
        let granted: Vec<&str> = granted.split(' ').collect();
        req.scopes.iter().all(|s| granted.contains(&s.as_str()))
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_any_port_and_nothing_else_is_loose() {
        assert!(redirect_uri_matches(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:5173/cb"
        ));
        assert!(redirect_uri_matches(
            "http://[::1]:80/cb",
            "http://[::1]:9999/cb"
        ));
        assert!(!redirect_uri_matches(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:5173/other"
        ));
        assert!(!redirect_uri_matches(
            "http://localhost/cb",
            "http://localhost:5173/cb"
        ));
        assert!(!redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example/cb/"
        ));
        assert!(!redirect_uri_matches(
            "https://app.example/cb",
            "https://APP.example/cb"
        ));
        assert!(redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example/cb"
        ));
    }

    fn req(prompt: Prompt, max_age: Option<i64>) -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: "c".into(),
            reply: ReplyTo {
                redirect_uri: "https://a/cb".into(),
                mode: ResponseMode::Query,
                state: Some("s".into()),
            },
            response_type: "code".into(),
            scopes: vec!["openid".into(), "ocsapi".into()],
            nonce: None,
            code_challenge: None,
            prompt,
            max_age,
            login_hint: None,
        }
    }

    #[test]
    fn decisions_follow_session_consent_and_prompt() {
        let s = SignIn { auth_time: 100 };
        let none = Prompt {
            none: true,
            ..Prompt::default()
        };
        assert_eq!(
            decide(&req(Prompt::default(), None), None, None, 200),
            Decision::NeedLogin
        );
        assert!(
            matches!(decide(&req(none, None), None, None, 200), Decision::Refuse(e) if e.code == ErrorCode::LoginRequired)
        );
        assert_eq!(
            decide(&req(Prompt::default(), None), Some(&s), None, 200),
            Decision::NeedConsent
        );
        assert!(
            matches!(decide(&req(none, None), Some(&s), Some("openid"), 200), Decision::Refuse(e) if e.code == ErrorCode::ConsentRequired)
        );
        assert_eq!(
            decide(&req(none, None), Some(&s), Some("openid ocsapi"), 200),
            Decision::Issue
        );
        assert_eq!(
            decide(
                &req(Prompt::default(), Some(50)),
                Some(&s),
                Some("openid ocsapi"),
                200
            ),
            Decision::NeedLogin
        );
        let login = Prompt {
            login: true,
            ..Prompt::default()
        };
        assert_eq!(
            decide(&req(login, None), Some(&s), Some("openid ocsapi"), 200),
            Decision::NeedLogin
        );
        let consent = Prompt {
            consent: true,
            ..Prompt::default()
        };
        assert_eq!(
            decide(&req(consent, None), Some(&s), Some("openid ocsapi"), 200),
            Decision::NeedConsent
        );
    }

    #[test]
    fn responses_carry_state_and_iss() {
        let reply = ReplyTo {
            redirect_uri: "https://a/cb?x=1".into(),
            mode: ResponseMode::Query,
            state: Some("a b".into()),
        };
        let r = respond(
            &reply,
            vec![("code".into(), "c1".into())],
            "https://idp/identity",
        );
        assert_eq!(
            r,
            AuthorizationResponse::Redirect(
                "https://a/cb?x=1&code=c1&state=a+b&iss=https%3A%2F%2Fidp%2Fidentity".into()
            )
        );
    }
}
