//! The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2 and §3.3.2, SPEC §4.3, §4.4), as
//! pure decisions: first the client and redirect URI (failures are shown as an error page, never
//! redirected), then the rest of the request (failures are redirected to the client), then what to
//! do given the user's session and consent.

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
    /// Hybrid clients only: `code token` and `code id_token token` are allowed (SPEC §4.4).
    pub allow_access_tokens_via_browser: bool,
    /// Hybrid clients only: `offline_access` is granted (SPEC §4.4).
    pub allow_offline_access: bool,
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
    pub response_type: ResponseType,
    /// Granted scopes in request order (unknown ones refused; `offline_access` kept only for
    /// hybrid clients allowed offline access, else dropped).
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
    let raw_type = params.get("response_type").unwrap_or("");
    let response_type = ResponseType::parse(raw_type);
    // An unsupported type that would carry tokens is answered in the fragment, never the query.
    let default_mode = match response_type {
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
    // Tokens never travel in the query (OAuth 2.0 Multiple Response Type Encoding Practices §5):
    // that request is refused below, and the refusal goes the type's default way.
    let query_refused = mode == Some(ResponseMode::Query) && default_mode != ResponseMode::Query;
    let reply = ReplyTo {
        redirect_uri,
        mode: mode.filter(|_| !query_refused).unwrap_or(default_mode),
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
    if raw_type.is_empty() {
        return Err(fail(OAuthError::invalid_request(
            "response_type is missing",
        )));
    }
    let response_type = match response_type {
        Some(t) if t == ResponseType::CODE || client.kind == ClientKind::Hybrid => t,
        _ => {
            return Err(fail(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                format!("response_type '{raw_type}' is not supported for this client"),
            )))
        }
    };
    if response_type.token && !client.allow_access_tokens_via_browser {
        return Err(fail(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!(
                "response_type '{}' needs AllowAccessTokensViaBrowser on the client",
                response_type.as_str()
            ),
        )));
    }
    if query_refused {
        return Err(fail(OAuthError::invalid_request(format!(
            "response_mode query cannot carry the tokens of response_type '{}'; use fragment or form_post",
            response_type.as_str()
        ))));
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
            // Refresh tokens only for hybrid clients allowed offline access (SPEC §3.3, §4.4);
            // for any other client the scope is silently not granted.
            "offline_access" => {
                if !(client.kind == ClientKind::Hybrid && client.allow_offline_access) {
                    continue;
                }
            }
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
    if response_type.id_token {
        // OIDC Core §3.3.2.11: an ID token needs the openid scope, and its nonce is REQUIRED
        // when it comes from the authorization endpoint.
        if !scopes.iter().any(|s| s == "openid") {
            return Err(fail(OAuthError::invalid_request(
                "response_type id_token needs the openid scope",
            )));
        }
        if params.get("nonce").is_none_or(str::is_empty) {
            return Err(fail(OAuthError::invalid_request(
                "nonce is required when the authorization response carries an ID token",
            )));
        }
    }
    // PKCE (RFC 7636): required of public authorization-code clients; optional for confidential
    // hybrid clients, but checked (S256 only) when sent.
    let pkce_sent =
        params.get("code_challenge").is_some() || params.get("code_challenge_method").is_some();
    if client.kind == ClientKind::AuthorizationCode || pkce_sent {
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
            response_type: ResponseType::CODE,
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

    fn client(kind: ClientKind, via_browser: bool, offline: bool) -> ClientFacts {
        ClientFacts {
            kind,
            tenant_id: "t".into(),
            enabled: true,
            redirect_uris: vec!["https://a/cb".into()],
            allow_access_tokens_via_browser: via_browser,
            allow_offline_access: offline,
        }
    }

    fn check(
        client: &ClientFacts,
        extra: &[(&str, &str)],
    ) -> Result<AuthorizeRequest, (ReplyTo, OAuthError)> {
        let mut pairs = vec![
            ("client_id", "c"),
            ("redirect_uri", "https://a/cb"),
            ("scope", "openid ocsapi offline_access"),
            ("state", "s"),
            ("nonce", "n"),
        ];
        for (k, v) in extra {
            pairs.retain(|(pk, _)| pk != k);
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        let raw = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let params = FormParams::parse(raw.as_bytes()).unwrap();
        check_request(&params, client, "https://a/cb".into(), "ocsapi")
    }

    fn refused(r: Result<AuthorizeRequest, (ReplyTo, OAuthError)>) -> (ResponseMode, ErrorCode) {
        let (reply, e) = r.unwrap_err();
        (reply.mode, e.code)
    }

    #[test]
    fn response_types_parse_in_any_order_and_need_a_code() {
        assert_eq!(ResponseType::parse("code"), Some(ResponseType::CODE));
        let all = ResponseType::parse("token code id_token").unwrap();
        assert_eq!(all.as_str(), "code id_token token");
        assert_eq!(ResponseType::parse("id_token token"), None);
        assert_eq!(ResponseType::parse("code code"), None);
        assert_eq!(ResponseType::parse("code foo"), None);
        assert_eq!(ResponseType::parse(""), None);
    }

    #[test]
    fn hybrid_types_default_to_the_fragment_and_never_use_the_query() {
        let hybrid = client(ClientKind::Hybrid, true, false);
        for t in ["code id_token", "code token", "code id_token token"] {
            let req = check(&hybrid, &[("response_type", t)]).unwrap();
            assert_eq!(req.reply.mode, ResponseMode::Fragment, "{t}");
            assert_eq!(req.response_type.as_str(), t);
            let post = check(
                &hybrid,
                &[("response_type", t), ("response_mode", "form_post")],
            );
            assert_eq!(post.unwrap().reply.mode, ResponseMode::FormPost);
            assert_eq!(
                refused(check(
                    &hybrid,
                    &[("response_type", t), ("response_mode", "query")]
                )),
                (ResponseMode::Fragment, ErrorCode::InvalidRequest),
                "{t}"
            );
        }
        let code = check(&hybrid, &[("response_type", "code")]).unwrap();
        assert_eq!(code.reply.mode, ResponseMode::Query);
        assert_eq!(
            code.code_challenge, None,
            "PKCE is optional for hybrid clients"
        );
    }

    #[test]
    fn browser_tokens_need_the_client_setting_and_id_tokens_a_nonce() {
        let hybrid = client(ClientKind::Hybrid, false, false);
        for t in ["code token", "code id_token token"] {
            assert_eq!(
                refused(check(&hybrid, &[("response_type", t)])).1,
                ErrorCode::UnauthorizedClient
            );
        }
        assert!(check(&hybrid, &[("response_type", "code id_token")]).is_ok());
        assert_eq!(
            refused(check(
                &hybrid,
                &[("response_type", "code id_token"), ("nonce", "")]
            )),
            (ResponseMode::Fragment, ErrorCode::InvalidRequest)
        );
        assert_eq!(
            refused(check(
                &hybrid,
                &[("response_type", "code id_token"), ("scope", "ocsapi")]
            ))
            .1,
            ErrorCode::InvalidRequest
        );
        // No ID token from the authorization endpoint: no nonce needed.
        assert!(check(&hybrid, &[("response_type", "code"), ("nonce", "")]).is_ok());
    }

    #[test]
    fn authorization_code_clients_keep_code_and_pkce() {
        let ac = client(ClientKind::AuthorizationCode, true, true);
        assert_eq!(
            refused(check(&ac, &[("response_type", "code id_token")])),
            (ResponseMode::Fragment, ErrorCode::UnsupportedResponseType)
        );
        assert_eq!(
            refused(check(&ac, &[("response_type", "code")])).1,
            ErrorCode::InvalidRequest,
            "no code_challenge"
        );
        let req = check(
            &ac,
            &[
                ("response_type", "code"),
                ("code_challenge", &"a".repeat(43)),
                ("code_challenge_method", "S256"),
            ],
        )
        .unwrap();
        assert_eq!(req.scopes, ["openid", "ocsapi"], "offline_access dropped");
    }

    #[test]
    fn hybrid_pkce_is_checked_when_sent_and_offline_access_needs_the_setting() {
        let hybrid = client(ClientKind::Hybrid, false, true);
        let plain = check(
            &hybrid,
            &[
                ("response_type", "code"),
                ("code_challenge", &"a".repeat(43)),
                ("code_challenge_method", "plain"),
            ],
        );
        assert_eq!(refused(plain).1, ErrorCode::InvalidRequest);
        let s256 = check(
            &hybrid,
            &[
                ("response_type", "code"),
                ("code_challenge", &"a".repeat(43)),
                ("code_challenge_method", "S256"),
            ],
        )
        .unwrap();
        assert_eq!(s256.code_challenge, Some("a".repeat(43)));
        assert_eq!(s256.scopes, ["openid", "ocsapi", "offline_access"]);
        let without = client(ClientKind::Hybrid, false, false);
        let req = check(&without, &[("response_type", "code")]).unwrap();
        assert_eq!(req.scopes, ["openid", "ocsapi"]);
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
