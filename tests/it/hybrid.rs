//! The hybrid flow as a confidential web application sees it (SPEC §4.4, §6.2; OIDC Core §3.3;
//! OAuth 2.0 Multiple Response Type Encoding Practices; Form Post Response Mode): the response
//! types `code id_token`, `code token` and `code id_token token` answered in the fragment or by an
//! auto-submitting form, never in the query; the front-channel ID token checked by a real relying
//! party (`openidconnect`: signature from the JWKS, nonce, audience, `c_hash`, `at_hash`), the
//! code exchanged with the client's secret, `offline_access` and PKCE for hybrid clients. The
//! browser and page helpers are the sign-in suite's.

use crate::harness::{call, http, jwt_claims, jwt_header, TestServer};
use crate::signin::{browser, get, pkce, post_consent, post_login, provider, Page, Pkce};
use base64::Engine;
use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreResponseType};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, AuthorizationCodeHash, ClientId, ClientSecret,
    IssuerUrl, Nonce, ResponseTypes,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const WEB: &str = "https://web.example.com";
const STATE: &str = "st-hybrid";

/// What a hybrid client may do (SPEC §3.4).
#[derive(Clone, Copy, Default)]
struct Flags {
    offline: bool,
    via_browser: bool,
}

/// A test server with one hybrid client.
struct Fixture {
    server: TestServer,
    client_id: String,
    secret: String,
    redirect_uri: String,
    password: String,
}

impl Fixture {
    async fn new(flags: Flags) -> Fixture {
        let server = TestServer::spawn().await;
        let res = http()
            .post(server.api("/HybridClients"))
            .bearer_auth(server.admin_token().await)
            .json(&json!({
                "Name": "Web portal",
                "RedirectUris": [format!("{WEB}/signin-oidc")],
                "PostLogoutRedirectUris": [format!("{WEB}/")],
                "AllowOfflineAccess": flags.offline,
                "AllowAccessTokensViaBrowser": flags.via_browser,
                "SecretDescription": "hybrid tests",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        let password = server.admin.admin_password.clone();
        Fixture {
            client_id: body["Client"]["Id"].as_str().unwrap().to_owned(),
            secret: body["Secret"].as_str().unwrap().to_owned(),
            redirect_uri: format!("{WEB}/signin-oidc"),
            server,
            password,
        }
    }

    /// An authorization request of `response_type` with state and `p`'s nonce, no PKCE; `extra`
    /// adds or replaces parameters (an empty value removes one).
    fn authorize_url(&self, response_type: &str, p: &Pkce, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), response_type.into()),
            ("client_id".into(), self.client_id.clone()),
            ("redirect_uri".into(), self.redirect_uri.clone()),
            ("scope".into(), "openid profile email ocsapi".into()),
            ("state".into(), STATE.into()),
            ("nonce".into(), p.nonce.clone()),
        ];
        for (k, v) in extra {
            params.retain(|(pk, _)| pk != k);
            if !v.is_empty() {
                params.push(((*k).into(), (*v).into()));
            }
        }
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.server.url(&format!("/identity/connect/authorize?{q}"))
    }

    /// Goes through the login and consent pages (Allow, remembered) for `url`; returns the
    /// authorization response.
    async fn sign_in_and_allow(&self, b: &reqwest::Client, url: &str) -> Page {
        let login = get(b, url).await;
        assert_eq!(login.status, 200, "{}", login.text);
        assert!(login.text.contains("<h1>Sign in</h1>"), "{}", login.text);
        let after = post_login(
            &self.server,
            b,
            &login,
            &self.server.admin.admin_email,
            &self.password,
        )
        .await;
        assert_eq!(after.status, 302, "{}", after.text);
        let consent = get(b, after.location()).await;
        assert_eq!(consent.status, 200, "{}", consent.text);
        assert!(consent.text.contains(">Allow</button>"), "{}", consent.text);
        post_consent(&self.server, b, &consent, "allow", true).await
    }

    /// Exchanges a code with the client's secret (client_secret_basic); `verifier` adds PKCE.
    async fn exchange(&self, code: &str, verifier: Option<&str>) -> (u16, Value) {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let res = http()
            .post(self.server.token_url())
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// The relying party's verifier for this client, or for another audience.
    fn verifier(
        &self,
        meta_issuer: &IssuerUrl,
        jwks: &CoreJsonWebKeySet,
        audience: &str,
    ) -> CoreIdTokenVerifier<'static> {
        CoreIdTokenVerifier::new_confidential_client(
            ClientId::new(audience.to_owned()),
            ClientSecret::new(self.secret.clone()),
            meta_issuer.clone(),
            jwks.clone(),
        )
    }

    /// Verifies a front-channel ID token as a relying party does (OIDC Core §3.3.2.12): signature
    /// (JWKS), issuer, audience, expiry, nonce, `c_hash`, and `at_hash` exactly when an access
    /// token came along; `s_hash` by our own left-half SHA-256. Returns the payload.
    async fn verify_front_channel(
        &self,
        raw: &str,
        nonce: &str,
        code: &str,
        access_token: Option<&str>,
    ) -> Value {
        let (meta, jwks) = provider(&self.server).await;
        let id_token: CoreIdToken = raw.parse().unwrap();
        let verifier = self.verifier(meta.issuer(), &jwks, &self.client_id);
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .expect("a valid front-channel ID token");
        assert!(id_token
            .claims(&verifier, &Nonce::new("another".into()))
            .is_err());
        let other = self.verifier(meta.issuer(), &jwks, "someone-else");
        assert!(id_token
            .claims(&other, &Nonce::new(nonce.to_owned()))
            .is_err());

        let alg = id_token.signing_alg().unwrap();
        let key = id_token.signing_key(&verifier).unwrap();
        let c_hash =
            AuthorizationCodeHash::from_code(&AuthorizationCode::new(code.to_owned()), alg, key)
                .unwrap();
        assert_eq!(claims.code_hash(), Some(&c_hash));
        match access_token {
            Some(at) => {
                let at_hash =
                    AccessTokenHash::from_token(&AccessToken::new(at.to_owned()), alg, key)
                        .unwrap();
                assert_eq!(claims.access_token_hash(), Some(&at_hash));
            }
            None => assert_eq!(claims.access_token_hash(), None),
        }
        let payload = jwt_claims(raw);
        assert_eq!(payload["s_hash"], left_half(STATE));
        assert_eq!(payload["azp"], self.client_id.as_str());
        assert_eq!(payload["tid"], self.server.admin.tenant_id.as_str());
        assert!(payload["auth_time"].is_i64(), "{payload}");
        assert!(payload["sid"].is_string(), "{payload}");
        assert_eq!(jwt_header(raw)["alg"], "RS256");
        payload
    }
}

/// The base64url left half of SHA-256 (OIDC Core §3.3.2.11), computed independently.
fn left_half(value: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&Sha256::digest(value.as_bytes())[..16])
}

/// The parameters of a response redirected to `redirect_uri` in the fragment (never the query).
fn fragment_params(page: &Page, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(page.status, 302, "{}", page.text);
    let location = page.location();
    let (base, fragment) = location
        .split_once('#')
        .unwrap_or_else(|| panic!("no fragment in {location}"));
    assert_eq!(base, redirect_uri, "redirected elsewhere: {location}");
    url::form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect()
}

/// The hidden fields of a form_post page, which must post to `redirect_uri`.
fn form_post_fields(page: &Page, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text
            .contains(&format!("<form method=\"post\" action=\"{redirect_uri}\">")),
        "{}",
        page.text
    );
    assert!(page.headers.get("location").is_none());
    let marker = "<input type=\"hidden\" name=\"";
    let mut fields = HashMap::new();
    let mut rest = page.text.as_str();
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        fields.insert(name.to_owned(), page.hidden(name));
    }
    fields
}

/// Asserts an error redirected in the fragment with state and iss.
fn assert_fragment_error(f: &Fixture, page: &Page, error: &str) {
    let p = fragment_params(page, &f.redirect_uri);
    assert_eq!(p["error"], error, "{p:?}");
    assert!(p.contains_key("error_description"));
    assert!(!p.contains_key("code"));
    assert_eq!(p["state"], STATE);
    assert_eq!(p["iss"], f.server.issuer());
}

#[tokio::test]
async fn code_id_token_arrives_in_the_fragment_and_a_relying_party_verifies_it() {
    let f = Fixture::new(Flags::default()).await;
    let (meta, _) = provider(&f.server).await;
    let advertised = meta.response_types_supported();
    for t in [
        vec![CoreResponseType::Code],
        vec![CoreResponseType::Code, CoreResponseType::IdToken],
        vec![CoreResponseType::Code, CoreResponseType::Token],
        vec![
            CoreResponseType::Code,
            CoreResponseType::IdToken,
            CoreResponseType::Token,
        ],
    ] {
        assert!(advertised.contains(&ResponseTypes::new(t.clone())), "{t:?}");
    }

    let b = browser();
    let p = pkce();
    let res = f
        .sign_in_and_allow(&b, &f.authorize_url("code id_token", &p, &[]))
        .await;
    let params = fragment_params(&res, &f.redirect_uri);
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], f.server.issuer());
    assert!(!params.contains_key("access_token"), "{params:?}");
    let code = &params["code"];
    let front = f
        .verify_front_channel(&params["id_token"], &p.nonce, code, None)
        .await;
    // No access token alongside: the granted profile and e-mail claims are in the ID token.
    assert_eq!(front["email"], "admin@localhost");
    assert_eq!(front["email_verified"], false);
    assert_eq!(front["name"], "Administrator");

    // The server side of the application redeems the code with its secret.
    let (status, body) = f.exchange(code, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid profile email ocsapi");
    let back = jwt_claims(body["id_token"].as_str().unwrap());
    // OIDC Core §3.3.3.6: the same iss and sub from both endpoints; the nonce travels along.
    assert_eq!(back["sub"], front["sub"]);
    assert_eq!(back["iss"], front["iss"]);
    assert_eq!(back["nonce"], p.nonce.as_str());
    let (status, replay) = f.exchange(code, None).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // With the consent remembered, the next request answers at once.
    let p2 = pkce();
    let again = get(&b, &f.authorize_url("id_token code", &p2, &[])).await;
    let params = fragment_params(&again, &f.redirect_uri);
    f.verify_front_channel(&params["id_token"], &p2.nonce, &params["code"], None)
        .await;
}

#[tokio::test]
async fn code_id_token_token_returns_an_access_token_and_at_hash() {
    let f = Fixture::new(Flags {
        via_browser: true,
        ..Flags::default()
    })
    .await;
    let b = browser();
    let p = pkce();
    let res = f
        .sign_in_and_allow(&b, &f.authorize_url("code id_token token", &p, &[]))
        .await;
    let params = fragment_params(&res, &f.redirect_uri);
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["expires_in"], "3600");
    let access_token = &params["access_token"];
    let front = f
        .verify_front_channel(
            &params["id_token"],
            &p.nonce,
            &params["code"],
            Some(access_token),
        )
        .await;
    // An access token goes along: profile and e-mail come from userinfo, not the ID token.
    assert!(front.get("email").is_none(), "{front}");
    assert!(front.get("name").is_none(), "{front}");

    // The access token is signed like every access token and opens userinfo.
    let header = jwt_header(access_token);
    assert_eq!(header["typ"], "at+jwt");
    assert!(header["kid"].is_string());
    let claims = jwt_claims(access_token);
    assert_eq!(claims["client_id"], f.client_id.as_str());
    assert_eq!(claims["sub"], front["sub"]);
    assert_eq!(claims["scope"], "openid profile email ocsapi");
    let info = http()
        .get(f.server.url("/identity/connect/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], front["sub"]);
    assert_eq!(info["email"], "admin@localhost");

    let (status, body) = f.exchange(&params["code"], None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn code_token_by_form_post_returns_an_access_token_and_no_id_token() {
    let f = Fixture::new(Flags {
        via_browser: true,
        ..Flags::default()
    })
    .await;
    let b = browser();
    let p = pkce();
    let url = f.authorize_url("code token", &p, &[("response_mode", "form_post")]);
    let page = f.sign_in_and_allow(&b, &url).await;
    let fields = form_post_fields(&page, &f.redirect_uri);
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "access_token",
            "code",
            "expires_in",
            "iss",
            "state",
            "token_type"
        ]
    );
    assert_eq!(fields["token_type"], "Bearer");
    assert_eq!(fields["state"], STATE);
    assert_eq!(fields["iss"], f.server.issuer());
    assert_eq!(jwt_header(&fields["access_token"])["typ"], "at+jwt");
    let (status, body) = f.exchange(&fields["code"], None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
}

#[tokio::test]
async fn form_post_carries_code_id_token_state_and_iss_to_the_redirect_uri() {
    let f = Fixture::new(Flags::default()).await;
    let b = browser();
    let p = pkce();
    let url = f.authorize_url("code id_token", &p, &[("response_mode", "form_post")]);
    let page = f.sign_in_and_allow(&b, &url).await;
    let fields = form_post_fields(&page, &f.redirect_uri);
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["code", "id_token", "iss", "state"]);
    assert_eq!(fields["state"], STATE);
    assert_eq!(fields["iss"], f.server.issuer());
    assert!(page
        .header("content-security-policy")
        .contains(&format!("form-action {WEB};")));
    f.verify_front_channel(&fields["id_token"], &p.nonce, &fields["code"], None)
        .await;
    let (status, body) = f.exchange(&fields["code"], None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_query_never_carries_tokens() {
    let f = Fixture::new(Flags {
        via_browser: true,
        ..Flags::default()
    })
    .await;
    let b = browser();
    let p = pkce();
    for t in ["code id_token", "code token", "code id_token token"] {
        let res = get(&b, &f.authorize_url(t, &p, &[("response_mode", "query")])).await;
        assert_fragment_error(&f, &res, "invalid_request");
        assert!(
            fragment_params(&res, &f.redirect_uri)["error_description"].contains("query"),
            "{t}"
        );
    }
    // Plain code may use the query (its default).
    let login = get(
        &b,
        &f.authorize_url("code", &p, &[("response_mode", "query")]),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test]
async fn browser_access_tokens_need_allow_access_tokens_via_browser() {
    let f = Fixture::new(Flags::default()).await;
    let b = browser();
    let p = pkce();
    for t in ["code token", "code id_token token"] {
        let res = get(&b, &f.authorize_url(t, &p, &[])).await;
        assert_fragment_error(&f, &res, "unauthorized_client");
    }
}

#[tokio::test]
async fn an_id_token_from_the_authorize_endpoint_needs_a_nonce() {
    let f = Fixture::new(Flags::default()).await;
    let b = browser();
    let p = pkce();
    let res = get(&b, &f.authorize_url("code id_token", &p, &[("nonce", "")])).await;
    assert_fragment_error(&f, &res, "invalid_request");
    let desc = fragment_params(&res, &f.redirect_uri)["error_description"].clone();
    assert!(desc.contains("nonce"), "{desc}");
    // Plain code returns no ID token from this endpoint: no nonce needed.
    let login = get(&b, &f.authorize_url("code", &p, &[("nonce", "")])).await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test]
async fn authorization_code_clients_still_refuse_hybrid_response_types() {
    let server = TestServer::spawn().await;
    let redirect_uri = "https://spa.example.com/cb";
    let res = http()
        .post(server.api("/AuthorizationCodeClients"))
        .bearer_auth(server.admin_token().await)
        .json(&json!({"Name": "spa", "RedirectUris": [redirect_uri]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let client_id = res.json::<Value>().await.unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = pkce();
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code id_token")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid ocsapi")
        .append_pair("state", STATE)
        .append_pair("nonce", &p.nonce)
        .append_pair("code_challenge", &p.challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let res = get(
        &browser(),
        &server.url(&format!("/identity/connect/authorize?{q}")),
    )
    .await;
    let params = fragment_params(&res, redirect_uri);
    assert_eq!(params["error"], "unsupported_response_type");
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], server.issuer());
}

#[tokio::test]
async fn offline_access_is_granted_only_to_hybrid_clients_allowed_it() {
    for offline in [true, false] {
        let f = Fixture::new(Flags {
            offline,
            ..Flags::default()
        })
        .await;
        let b = browser();
        let p = pkce();
        let url = f.authorize_url("code", &p, &[("scope", "openid offline_access ocsapi")]);
        let login = get(&b, &url).await;
        let after = post_login(
            &f.server,
            &b,
            &login,
            &f.server.admin.admin_email,
            &f.password,
        )
        .await;
        let consent = get(&b, after.location()).await;
        assert_eq!(consent.status, 200, "{}", consent.text);
        assert_eq!(
            consent.text.contains("<li>Stay signed in</li>"),
            offline,
            "{}",
            consent.text
        );
        let done = post_consent(&f.server, &b, &consent, "allow", true).await;
        assert_eq!(done.status, 302, "{}", done.text);
        // Plain code: the query, as for any client.
        let location = done.location();
        let query = location
            .strip_prefix(&format!("{}?", f.redirect_uri))
            .unwrap_or_else(|| panic!("not in the query: {location}"));
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let (status, body) = f.exchange(&params["code"], None).await;
        assert_eq!(status, 200, "{body}");
        let expected = if offline {
            "openid offline_access ocsapi"
        } else {
            "openid ocsapi"
        };
        assert_eq!(body["scope"], expected);
        // The token endpoint issues a refresh token exactly when offline_access was granted.
        assert_eq!(body["refresh_token"].is_string(), offline, "{body}");
    }
}

#[tokio::test]
async fn pkce_is_optional_for_hybrid_clients_but_checked_when_sent() {
    let f = Fixture::new(Flags::default()).await;
    let b = browser();
    let p = pkce();
    let plain = get(
        &b,
        &f.authorize_url(
            "code id_token",
            &p,
            &[
                ("code_challenge", &p.verifier),
                ("code_challenge_method", "plain"),
            ],
        ),
    )
    .await;
    assert_fragment_error(&f, &plain, "invalid_request");

    let with_pkce = [
        ("code_challenge", p.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let res = f
        .sign_in_and_allow(&b, &f.authorize_url("code id_token", &p, &with_pkce))
        .await;
    let code = fragment_params(&res, &f.redirect_uri)["code"].clone();
    let (status, body) = f.exchange(&code, Some(&"x".repeat(43))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let res = get(&b, &f.authorize_url("code id_token", &p, &with_pkce)).await;
    let code = fragment_params(&res, &f.redirect_uri)["code"].clone();
    let (status, body) = f.exchange(&code, None).await;
    assert_eq!(status, 400, "a sent challenge must be answered: {body}");

    let res = get(&b, &f.authorize_url("code id_token", &p, &with_pkce)).await;
    let code = fragment_params(&res, &f.redirect_uri)["code"].clone();
    let (status, body) = f.exchange(&code, Some(&p.verifier)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_replayed_code_revokes_every_token_it_produced() {
    let f = Fixture::new(Flags {
        offline: true,
        via_browser: true,
    })
    .await;
    let b = browser();
    let p = pkce();
    let url = f.authorize_url(
        "code token",
        &p,
        &[("scope", "openid offline_access ocsapi")],
    );
    let params = fragment_params(&f.sign_in_and_allow(&b, &url).await, &f.redirect_uri);
    let front_channel = params["access_token"].clone();
    let (status, body) = f.exchange(&params["code"], None).await;
    assert_eq!(status, 200, "{body}");
    let back_channel = body["access_token"].as_str().unwrap().to_owned();
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    let userinfo = |token: String| {
        let url = f.server.url("/identity/connect/userinfo");
        async move {
            let r = call(http().get(url).bearer_auth(token)).await;
            r.status
        }
    };
    assert_eq!(userinfo(front_channel.clone()).await, 200);
    assert_eq!(userinfo(back_channel.clone()).await, 200);

    // The code comes back (stolen, or a client bug): RFC 6749 §4.1.2 — refuse it and revoke all
    // tokens previously issued from it.
    let (status, replay) = f.exchange(&params["code"], None).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo(front_channel).await,
        401,
        "the front-channel token"
    );
    assert_eq!(
        userinfo(back_channel).await,
        401,
        "the token endpoint's token"
    );
    let refreshed = call(
        http()
            .post(f.server.token_url())
            .basic_auth(&f.client_id, Some(&f.secret))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
            ]),
    )
    .await;
    assert_eq!(
        (refreshed.status, refreshed.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "the refresh-token family: {}",
        refreshed.text
    );
}

#[tokio::test]
async fn racing_replays_of_a_code_get_one_token_and_revoke_it() {
    let f = Fixture::new(Flags::default()).await;
    let b = browser();
    let p = pkce();
    let page = f
        .sign_in_and_allow(&b, &f.authorize_url("code id_token", &p, &[]))
        .await;
    let code = fragment_params(&page, &f.redirect_uri)["code"].clone();
    // Eight redemptions at once: on PostgreSQL the losers read the code row before the winner
    // commits, so what the winner issued is only visible to a read after their UPDATE waited.
    let answers = futures_util::future::join_all((0..8).map(|_| f.exchange(&code, None))).await;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (status, body) in &answers {
        assert!(
            *status == 200 || body["error"] == "invalid_grant",
            "{status} {body}"
        );
    }
    let token = winners[0]["access_token"].as_str().unwrap();
    let r = call(
        http()
            .get(f.server.url("/identity/connect/userinfo"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(
        r.status, 401,
        "the winner's token is revoked by the replays"
    );
}
