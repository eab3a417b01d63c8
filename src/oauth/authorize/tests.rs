//! Unit tests of the authorize decisions.

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
        scope: Scope::parse("openid ocsapi"),
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
        matches!(decide(&req(none, None), Some(&s), Some(&Scope::parse("openid")), 200), Decision::Refuse(e) if e.code == ErrorCode::ConsentRequired)
    );
    assert_eq!(
        decide(
            &req(none, None),
            Some(&s),
            Some(&Scope::parse("openid ocsapi")),
            200
        ),
        Decision::Issue
    );
    assert_eq!(
        decide(
            &req(Prompt::default(), Some(50)),
            Some(&s),
            Some(&Scope::parse("openid ocsapi")),
            200
        ),
        Decision::NeedLogin
    );
    let login = Prompt {
        login: true,
        ..Prompt::default()
    };
    assert_eq!(
        decide(
            &req(login, None),
            Some(&s),
            Some(&Scope::parse("openid ocsapi")),
            200
        ),
        Decision::NeedLogin
    );
    let consent = Prompt {
        consent: true,
        ..Prompt::default()
    };
    assert_eq!(
        decide(
            &req(consent, None),
            Some(&s),
            Some(&Scope::parse("openid ocsapi")),
            200
        ),
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
    assert_eq!(
        req.scope.to_delimited(),
        "openid ocsapi",
        "offline_access dropped"
    );
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
    assert_eq!(s256.scope.to_delimited(), "openid ocsapi offline_access");
    let without = client(ClientKind::Hybrid, false, false);
    let req = check(&without, &[("response_type", "code")]).unwrap();
    assert_eq!(req.scope.to_delimited(), "openid ocsapi");
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

#[test]
fn an_unknown_client_id_is_echoed_only_when_it_is_a_guid() {
    let form = |q: &str| FormParams::parse(q.as_bytes()).unwrap();
    let e = check_client(&form("client_id=%3Cscript%3Eevil&redirect_uri=x"), None).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidClient);
    assert!(!e.description.contains("script"), "{}", e.description);
    let e = check_client(
        &form("client_id=5C1A2B3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D&redirect_uri=x"),
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.description,
        "unknown client '5c1a2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'"
    );
}
