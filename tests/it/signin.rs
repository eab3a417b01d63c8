//! Browser sign-in as a user agent sees it (SPEC §4.3, §4.5, §5, §8): the authorization endpoint,
//! the login and consent pages, the code exchange with PKCE verified by a real relying party
//! (`openidconnect`), prompt handling, errors shown as a page or redirected, CSRF, throttling,
//! logout and the pages' security headers. A reqwest client with a cookie jar and no redirects
//! plays the browser; hidden fields are read from the HTML by plain string search.

use crate::harness::{http, jwt_claims, TestServer};
use base64::Engine;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{AccessToken, AccessTokenHash, ClientId, IssuerUrl, Nonce};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const APP: &str = "https://app.example.com";
const CLIENT_NAME: &str = "Trend <Viewer>";

/// A test server with one authorization-code client.
pub(crate) struct Fixture {
    pub(crate) server: TestServer,
    pub(crate) client_id: String,
    redirect_uri: String,
    pub(crate) password: String,
}

impl Fixture {
    pub(crate) async fn new() -> Fixture {
        let server = TestServer::spawn().await;
        let res = http()
            .post(server.api("/AuthorizationCodeClients"))
            .bearer_auth(server.admin_token().await)
            .json(&json!({
                "Name": CLIENT_NAME,
                "RedirectUris": [format!("{APP}/cb")],
                "PostLogoutRedirectUris": [format!("{APP}/signed-out")],
                "AllowedCorsOrigins": [APP],
                "ClientUri": format!("{APP}/about"),
                "LogoUri": format!("{APP}/logo.png"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        let client_id = body["Id"].as_str().unwrap().to_owned();
        let password = server.admin.admin_password.clone();
        Fixture {
            server,
            client_id,
            redirect_uri: format!("{APP}/cb"),
            password,
        }
    }

    pub(crate) fn email(&self) -> &str {
        &self.server.admin.admin_email
    }

    /// An authorization request with PKCE (S256); `extra` adds or replaces parameters (an empty
    /// value removes one).
    pub(crate) fn authorize_url(&self, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), self.client_id.clone()),
            ("redirect_uri".into(), self.redirect_uri.clone()),
            ("scope".into(), "openid profile ocsapi".into()),
            ("state".into(), "st-1".into()),
            ("nonce".into(), pkce.nonce.clone()),
            ("code_challenge".into(), pkce.challenge.clone()),
            ("code_challenge_method".into(), "S256".into()),
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

    /// Exchanges a code as a public client (client_id only).
    pub(crate) async fn exchange(&self, code: &str, verifier: &str) -> (u16, Value) {
        let res = http()
            .post(self.server.token_url())
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client_id),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// Signs in through the login page shown for `pkce`'s request; returns the 302 after login.
    async fn sign_in(&self, b: &reqwest::Client, pkce: &Pkce) -> Page {
        let login = get(b, &self.authorize_url(pkce, &[])).await;
        assert_eq!(login.status, 200, "{}", login.text);
        assert!(login.text.contains("<h1>Sign in</h1>"), "{}", login.text);
        let after = post_login(&self.server, b, &login, self.email(), &self.password).await;
        assert_eq!(after.status, 302, "{}", after.text);
        after
    }

    /// Signs in, allows (remembering) and returns the code of the final redirect.
    pub(crate) async fn code_after_consent(&self, b: &reqwest::Client, pkce: &Pkce) -> String {
        let after = self.sign_in(b, pkce).await;
        let consent = get(b, after.location()).await;
        assert_eq!(consent.status, 200, "{}", consent.text);
        let done = post_consent(&self.server, b, &consent, "allow", true).await;
        assert_eq!(done.status, 302, "{}", done.text);
        response_params(done.location(), &self.redirect_uri)["code"].clone()
    }

    /// With a session and remembered consent: a fresh code with no page.
    async fn silent_code(&self, b: &reqwest::Client, pkce: &Pkce) -> String {
        let res = get(b, &self.authorize_url(pkce, &[])).await;
        assert_eq!(res.status, 302, "{}", res.text);
        response_params(res.location(), &self.redirect_uri)["code"].clone()
    }
}

/// A PKCE verifier and its S256 challenge, and a nonce.
pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
    pub(crate) nonce: String,
}

pub(crate) fn pkce() -> Pkce {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
        nonce: uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// A browser: cookie jar, redirects not followed.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A response read whole.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
}

impl Page {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header (status {})", self.status))
            .to_str()
            .unwrap()
    }

    pub(crate) fn location(&self) -> &str {
        self.header("location")
    }

    /// A hidden field's value.
    pub(crate) fn hidden(&self, name: &str) -> String {
        hidden(&self.text, name)
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// Asserts the error page: 400, no redirect, the code and the OperationId shown.
    fn assert_error_page(&self, code: &str) {
        assert_eq!(self.status, 400, "{}", self.text);
        assert!(self.headers.get("location").is_none());
        assert!(
            self.text.contains(&format!("<code>{code}</code>")),
            "{}",
            self.text
        );
        let op = self.header("request-id");
        assert!(self.text.contains(op), "OperationId missing: {}", self.text);
    }
}

async fn read(res: reqwest::Response) -> Page {
    if let Some(location) = res.headers().get("location").and_then(|v| v.to_str().ok()) {
        crate::audit_witness::saw_location(location);
    }
    Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        text: res.text().await.unwrap(),
    }
}

pub(crate) async fn get(b: &reqwest::Client, url: &str) -> Page {
    read(b.get(url).send().await.unwrap()).await
}

pub(crate) async fn post(b: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Page {
    crate::audit_witness::saw_form(form);
    read(b.post(url).form(form).send().await.unwrap()).await
}

/// Undoes askama's HTML escaping.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').expect("entity end");
        let entity = &tail[1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with('#') => char::from_u32(e[1..].parse().unwrap()).unwrap(),
            e => panic!("unknown entity {e}"),
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name} in {html}"))
        + marker.len();
    let len = html[start..].find('"').unwrap();
    unescape(&html[start..start + len])
}

/// The text of the page's alert.
fn alert(html: &str) -> String {
    let start = html.find("role=\"alert\">").expect("an alert") + "role=\"alert\">".len();
    let len = html[start..].find('<').unwrap();
    unescape(&html[start..start + len])
}

pub(crate) async fn post_login(
    server: &TestServer,
    b: &reqwest::Client,
    login_page: &Page,
    username: &str,
    password: &str,
) -> Page {
    post(
        b,
        &server.url("/identity/account/login"),
        &[
            ("username", username),
            ("password", password),
            ("request", &login_page.hidden("request")),
            ("csrf", &login_page.hidden("csrf")),
        ],
    )
    .await
}

pub(crate) async fn post_consent(
    server: &TestServer,
    b: &reqwest::Client,
    consent_page: &Page,
    decision: &str,
    remember: bool,
) -> Page {
    let request = consent_page.hidden("request");
    let csrf = consent_page.hidden("csrf");
    let mut form = vec![
        ("request", request.as_str()),
        ("csrf", csrf.as_str()),
        ("decision", decision),
    ];
    if remember {
        form.push(("remember", "on"));
    }
    post(b, &server.url("/identity/account/consent"), &form).await
}

/// The parameters of an authorization response redirected to `redirect_uri` (query mode).
fn response_params(location: &str, redirect_uri: &str) -> HashMap<String, String> {
    let (base, query) = location
        .split_once('?')
        .unwrap_or_else(|| panic!("no query in {location}"));
    assert_eq!(base, redirect_uri, "redirected elsewhere: {location}");
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Asserts an error redirected to the client, with state and iss.
fn assert_redirected_error(server: &TestServer, page: &Page, redirect_uri: &str, error: &str) {
    assert_eq!(page.status, 302, "{}", page.text);
    let p = response_params(page.location(), redirect_uri);
    assert_eq!(p["error"], error, "{p:?}");
    assert!(p.contains_key("error_description"));
    assert_eq!(p["state"], "st-1");
    assert_eq!(p["iss"], server.issuer());
}

pub(crate) async fn provider(server: &TestServer) -> (CoreProviderMetadata, CoreJsonWebKeySet) {
    let rp = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(server.issuer()).unwrap(), &rp)
        .await
        .expect("discovery");
    let jwks = CoreJsonWebKeySet::fetch_async(meta.jwks_uri(), &rp)
        .await
        .unwrap();
    (meta, jwks)
}

#[tokio::test]
async fn the_code_flow_signs_in_and_a_relying_party_verifies_the_tokens() {
    let f = Fixture::new().await;
    let (meta, jwks) = provider(&f.server).await;
    assert_eq!(
        meta.authorization_endpoint().as_str(),
        f.server.url("/identity/connect/authorize")
    );
    let b = browser();
    let p = pkce();

    // The login page (SPEC §5): heading, labelled fields, the client's name (escaped).
    let login = get(
        &b,
        &f.authorize_url(&p, &[("login_hint", "someone@example.com")]),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert!(login.text.contains("<h1>Sign in</h1>"));
    assert!(login.text.contains("<label for=\"username\">Email</label>"));
    assert!(login
        .text
        .contains("<input id=\"username\" name=\"username\""));
    assert!(login
        .text
        .contains("<label for=\"password\">Password</label>"));
    assert!(login.text.contains("name=\"password\" type=\"password\""));
    assert!(login
        .text
        .contains("<button type=\"submit\">Sign in</button>"));
    assert!(
        login.text.contains("Trend &#60;Viewer&#62;"),
        "{}",
        login.text
    );
    assert!(!login.text.contains(CLIENT_NAME));
    assert!(login.text.contains("value=\"someone@example.com\""));
    assert_eq!(login.hidden("csrf").len(), 43);

    // Signing in sets the session cookie and goes back to the authorization endpoint.
    let after = post_login(&f.server, &b, &login, f.email(), &f.password).await;
    assert_eq!(after.status, 302, "{}", after.text);
    assert!(after
        .location()
        .starts_with(&f.server.url("/identity/connect/authorize?")));
    let session = after
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portcullis.session="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/;", "Max-Age=86400"] {
        assert!(session.contains(attr), "{attr} missing: {session}");
    }
    assert!(!session.contains("Secure"), "http public URL: {session}");

    // The consent page: name, logo, link, scopes in words, Allow/Deny, remember checked.
    let consent = get(&b, after.location()).await;
    assert_eq!(consent.status, 200, "{}", consent.text);
    assert!(consent
        .text
        .contains("src=\"https://app.example.com/logo.png\" alt=\"Trend &#60;Viewer&#62; logo\""));
    assert!(consent
        .text
        .contains("href=\"https://app.example.com/about\""));
    for words in [
        "Sign you in",
        "Your name",
        "Use the data services API as you",
    ] {
        assert!(
            consent.text.contains(&format!("<li>{words}</li>")),
            "{words}"
        );
    }
    assert!(consent
        .text
        .contains("<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>"));
    assert!(consent
        .text
        .contains("value=\"deny\" class=\"secondary\">Deny</button>"));
    assert!(consent
        .text
        .contains("name=\"remember\" value=\"on\" checked> <label for=\"remember\">Remember my decision</label>"));

    // Allow: back to the client with code, state and iss (RFC 9207).
    let done = post_consent(&f.server, &b, &consent, "allow", true).await;
    assert_eq!(done.status, 302, "{}", done.text);
    let params = response_params(done.location(), &f.redirect_uri);
    assert_eq!(params["state"], "st-1");
    assert_eq!(params["iss"], f.server.issuer());
    let code = &params["code"];

    // The public client redeems it with its verifier.
    let (status, body) = f.exchange(code, &p.verifier).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid profile ocsapi");
    assert!(body.get("refresh_token").is_none());
    let access_token = body["access_token"].as_str().unwrap();
    let id_token: CoreIdToken = body["id_token"].as_str().unwrap().parse().unwrap();

    // The relying party: signature (JWKS from discovery), issuer, audience, nonce, at_hash.
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(f.client_id.clone()),
        meta.issuer().clone(),
        jwks,
    );
    let claims = id_token
        .claims(&verifier, &Nonce::new(p.nonce.clone()))
        .expect("a valid ID token");
    assert_eq!(claims.nonce().unwrap().secret(), &p.nonce);
    assert!(id_token
        .claims(&verifier, &Nonce::new("another".into()))
        .is_err());
    let at_hash = AccessTokenHash::from_token(
        &AccessToken::new(access_token.to_owned()),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    let user_id = claims.subject().as_str().to_owned();
    let at = jwt_claims(access_token);
    assert_eq!(at["sub"], user_id.as_str());
    assert_eq!(at["client_id"], f.client_id.as_str());
}

#[tokio::test]
async fn remembered_consent_and_prompt_none_issue_codes_without_a_page() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    f.code_after_consent(&b, &p).await;

    let code = f.silent_code(&b, &p).await;
    let (status, body) = f.exchange(&code, &p.verifier).await;
    assert_eq!(status, 200, "{body}");

    // Silent renew: prompt=none with a session and consent, no page; no framing headers needed.
    let res = get(&b, &f.authorize_url(&p, &[("prompt", "none")])).await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert!(res.headers.get("x-frame-options").is_none());
    let params = response_params(res.location(), &f.redirect_uri);
    assert!(params.contains_key("code"));
    assert_eq!(params["iss"], f.server.issuer());
}

#[tokio::test]
async fn prompt_none_needs_a_session_and_remembered_consent() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let res = get(&b, &f.authorize_url(&p, &[("prompt", "none")])).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "login_required");

    // Signed in, allowed once without remembering: still no consent to reuse.
    let after = f.sign_in(&b, &p).await;
    let consent = get(&b, after.location()).await;
    let done = post_consent(&f.server, &b, &consent, "allow", false).await;
    assert!(response_params(done.location(), &f.redirect_uri).contains_key("code"));
    let res = get(&b, &f.authorize_url(&p, &[("prompt", "none")])).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "consent_required");
}

#[tokio::test]
async fn prompt_login_shows_the_login_page_despite_a_session() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    f.code_after_consent(&b, &p).await;

    let login = get(&b, &f.authorize_url(&p, &[("prompt", "login")])).await;
    assert_eq!(login.status, 200);
    assert!(login.text.contains("<h1>Sign in</h1>"));
    // After signing in again the request goes on without asking again (consent is remembered).
    let after = post_login(&f.server, &b, &login, f.email(), &f.password).await;
    assert_eq!(after.status, 302);
    assert!(!after.location().contains("prompt"), "{}", after.location());
    let res = get(&b, after.location()).await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert!(response_params(res.location(), &f.redirect_uri).contains_key("code"));
}

#[tokio::test]
async fn deny_answers_access_denied() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let after = f.sign_in(&b, &p).await;
    let consent = get(&b, after.location()).await;
    let res = post_consent(&f.server, &b, &consent, "deny", true).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "access_denied");
    // Nothing was remembered.
    let again = get(&b, &f.authorize_url(&p, &[])).await;
    assert_eq!(again.status, 200);
    assert!(again.text.contains(">Allow</button>"));
}

#[tokio::test]
async fn pkce_s256_is_required() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let missing = get(
        &b,
        &f.authorize_url(&p, &[("code_challenge", ""), ("code_challenge_method", "")]),
    )
    .await;
    assert_redirected_error(&f.server, &missing, &f.redirect_uri, "invalid_request");
    let plain = get(
        &b,
        &f.authorize_url(
            &p,
            &[
                ("code_challenge", &p.verifier),
                ("code_challenge_method", "plain"),
            ],
        ),
    )
    .await;
    assert_redirected_error(&f.server, &plain, &f.redirect_uri, "invalid_request");
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_bound_to_verifier_and_redirect_uri() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();

    let code = f.code_after_consent(&b, &p).await;
    let (status, body) = f.exchange(&code, &"x".repeat(43)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = f.silent_code(&b, &p).await;
    let (status, first) = f.exchange(&code, &p.verifier).await;
    assert_eq!(status, 200, "{first}");
    let (status, replay) = f.exchange(&code, &p.verifier).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = f.silent_code(&b, &p).await;
    f.server.clock().advance(61);
    let (status, body) = f.exchange(&code, &p.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = f.silent_code(&b, &p).await;
    let res = http()
        .post(f.server.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", &f.client_id),
            ("code", &code),
            ("redirect_uri", &format!("{APP}/other")),
            ("code_verifier", &p.verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_bad_client_or_redirect_uri_gets_the_error_page_never_a_redirect() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let other = get(
        &b,
        &f.authorize_url(&p, &[("redirect_uri", "https://evil.example/cb")]),
    )
    .await;
    other.assert_error_page("invalid_request");
    assert!(other.text.contains("OperationId"));
    assert!(!other.text.contains("evil.example"));

    let unknown = get(
        &b,
        &f.authorize_url(&p, &[("client_id", "0f8fad5b-d9cb-469f-a165-70867728950e")]),
    )
    .await;
    unknown.assert_error_page("invalid_client");
    assert!(unknown.text.contains("not known to this sign-in service"));

    let none = get(&b, &f.authorize_url(&p, &[("client_id", "")])).await;
    none.assert_error_page("invalid_request");

    let generic = get(&b, &f.server.url("/identity/error")).await;
    generic.assert_error_page("invalid_request");
}

#[tokio::test]
async fn a_disabled_client_or_a_foreign_tenant_is_redirected_with_an_error() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let res = get(
        &b,
        &f.authorize_url(
            &p,
            &[("acr_values", "tenant:7a1c3d0e-0000-4000-8000-000000000001")],
        ),
    )
    .await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "invalid_request");
    let tenant = format!("tenant:{}", f.server.admin.tenant_id);
    let own = get(&b, &f.authorize_url(&p, &[("acr_values", &tenant)])).await;
    assert_eq!(own.status, 200, "the client's own tenant is fine");

    let res = http()
        .put(
            f.server
                .api(&format!("/AuthorizationCodeClients/{}", f.client_id)),
        )
        .bearer_auth(f.server.admin_token().await)
        .json(&json!({"Enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = get(&b, &f.authorize_url(&p, &[])).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "unauthorized_client");
}

#[tokio::test]
async fn request_objects_are_refused_at_the_client_not_ignored() {
    // OIDC Core §6: discovery says request objects are unsupported, so a request that carries one
    // is redirected with the §3.1.2.6 error once the client and redirect URI are known good.
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let res = get(
        &b,
        &f.authorize_url(&p, &[("request", "eyJhbGciOiJub25lIn0.e30.")]),
    )
    .await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "request_not_supported");
    let res = get(
        &b,
        &f.authorize_url(&p, &[("request_uri", "https://app.example.com/req.jwt")]),
    )
    .await;
    assert_redirected_error(
        &f.server,
        &res,
        &f.redirect_uri,
        "request_uri_not_supported",
    );
    // A bad redirect URI still gets the error page, never a redirect.
    let res = get(
        &b,
        &f.authorize_url(
            &p,
            &[
                ("request", "eyJhbGciOiJub25lIn0.e30."),
                ("redirect_uri", "https://evil.example/cb"),
            ],
        ),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.text);
    // Without them the same request shows the login page.
    assert_eq!(get(&b, &f.authorize_url(&p, &[])).await.status, 200);
}

#[tokio::test]
async fn every_form_needs_the_matching_csrf_pair() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let login = get(&b, &f.authorize_url(&p, &[])).await;
    let csrf_cookie = login
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portcullis.csrf="))
        .expect("csrf cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/identity"] {
        assert!(csrf_cookie.contains(attr), "{attr} missing: {csrf_cookie}");
    }
    let request = login.hidden("request");
    let url = f.server.url("/identity/account/login");
    let sentence = "The form has expired or was not sent from this site; go back and try again.";

    let without = post(
        &b,
        &url,
        &[
            ("username", f.email()),
            ("password", &f.password),
            ("request", &request),
        ],
    )
    .await;
    without.assert_error_page("invalid_request");
    assert!(without.text.contains(sentence), "{}", without.text);

    let wrong = "A".repeat(43);
    let res = post(
        &b,
        &url,
        &[
            ("username", f.email()),
            ("password", &f.password),
            ("request", &request),
            ("csrf", &wrong),
        ],
    )
    .await;
    res.assert_error_page("invalid_request");

    // The right field from another browser (no cookie) is refused too.
    let res = post(
        &browser(),
        &url,
        &[
            ("username", f.email()),
            ("password", &f.password),
            ("request", &request),
            ("csrf", &login.hidden("csrf")),
        ],
    )
    .await;
    res.assert_error_page("invalid_request");

    // Consent and logout forms too.
    let after = post_login(&f.server, &b, &login, f.email(), &f.password).await;
    assert_eq!(after.status, 302);
    let consent = get(&b, after.location()).await;
    let res = post(
        &b,
        &f.server.url("/identity/account/consent"),
        &[
            ("request", &consent.hidden("request")),
            ("csrf", &wrong),
            ("decision", "allow"),
        ],
    )
    .await;
    res.assert_error_page("invalid_request");
    let res = post(
        &b,
        &f.server.url("/identity/account/logout"),
        &[("request", ""), ("csrf", &wrong), ("confirmed", "true")],
    )
    .await;
    res.assert_error_page("invalid_request");
}

#[tokio::test]
async fn failed_logins_are_throttled_without_revealing_which_accounts_exist() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let login = get(&b, &f.authorize_url(&p, &[])).await;
    let nobody = post_login(&f.server, &b, &login, "nobody@localhost", "wrong").await;
    assert_eq!(nobody.status, 200);
    assert_eq!(alert(&nobody.text), "Invalid email or password.");
    assert!(nobody.text.contains("value=\"nobody@localhost\""));
    for _ in 0..4 {
        let res = post_login(&f.server, &b, &login, f.email(), "wrong").await;
        assert_eq!(res.status, 200);
        assert_eq!(alert(&res.text), "Invalid email or password.");
    }
    // The sixth attempt and after: the throttle message, even with the right password...
    let sixth = post_login(&f.server, &b, &login, f.email(), &f.password).await;
    assert_eq!(sixth.status, 200);
    let throttled = alert(&sixth.text);
    assert!(
        throttled.starts_with("Too many failed attempts."),
        "{throttled}"
    );
    // ...and exactly the same for an account that does not exist.
    let ghost = post_login(&f.server, &b, &login, "ghost@localhost", "x").await;
    assert_eq!(ghost.status, 200);
    assert_eq!(alert(&ghost.text), throttled);

    // Once the back-off has passed, the right password signs in.
    f.server.clock().advance(2);
    let ok = post_login(&f.server, &b, &login, f.email(), &f.password).await;
    assert_eq!(ok.status, 302, "{}", ok.text);
}

#[tokio::test]
async fn logout_with_a_hint_redirects_with_state_and_ends_the_session() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let code = f.code_after_consent(&b, &p).await;
    let (_, tokens) = f.exchange(&code, &p.verifier).await;
    let hint = tokens["id_token"].as_str().unwrap();

    // An unregistered post-logout URI is never followed, and the session lives on.
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", hint)
        .append_pair("post_logout_redirect_uri", "https://evil.example/")
        .append_pair("state", "bye")
        .finish();
    let res = get(
        &b,
        &f.server.url(&format!("/identity/connect/endsession?{q}")),
    )
    .await;
    res.assert_error_page("invalid_request");
    f.silent_code(&b, &p).await;

    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", hint)
        .append_pair("post_logout_redirect_uri", &format!("{APP}/signed-out"))
        .append_pair("state", "bye")
        .finish();
    let res = get(
        &b,
        &f.server.url(&format!("/identity/connect/endsession?{q}")),
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.location(), format!("{APP}/signed-out?state=bye"));
    let cleared = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portcullis.session="))
        .expect("the session cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let res = get(&b, &f.authorize_url(&p, &[("prompt", "none")])).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "login_required");
}

#[tokio::test]
async fn logout_without_a_hint_asks_first() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    f.code_after_consent(&b, &p).await;

    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &f.client_id)
        .append_pair("post_logout_redirect_uri", &format!("{APP}/signed-out"))
        .append_pair("state", "s2")
        .finish();
    let confirm = get(
        &b,
        &f.server.url(&format!("/identity/connect/endsession?{q}")),
    )
    .await;
    assert_eq!(confirm.status, 200, "{}", confirm.text);
    assert!(confirm
        .text
        .contains("<button type=\"submit\">Sign out</button>"));
    assert!(confirm.text.contains("action=\"/identity/account/logout\""));
    // Asking did not sign out.
    f.silent_code(&b, &p).await;

    let res = post(
        &b,
        &f.server.url("/identity/account/logout"),
        &[
            ("request", &confirm.hidden("request")),
            ("csrf", &confirm.hidden("csrf")),
            ("confirmed", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.location(), format!("{APP}/signed-out?state=s2"));
    let res = get(&b, &f.authorize_url(&p, &[("prompt", "none")])).await;
    assert_redirected_error(&f.server, &res, &f.redirect_uri, "login_required");

    // Signed in again, no redirect URI: the signed-out page.
    f.sign_in(&b, &p).await;
    let confirm = get(&b, &f.server.url("/identity/connect/endsession")).await;
    assert!(confirm.text.contains(">Sign out</button>"));
    let res = post(
        &b,
        &f.server.url("/identity/account/logout"),
        &[
            ("request", &confirm.hidden("request")),
            ("csrf", &confirm.hidden("csrf")),
            ("confirmed", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("You are signed out"));
    assert!(res
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("portcullis.session=") && c.contains("Max-Age=0")));
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_the_stylesheet_is_public() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    let login = get(&b, &f.authorize_url(&p, &[])).await;
    let error = get(
        &b,
        &f.authorize_url(&p, &[("redirect_uri", "https://evil.example/cb")]),
    )
    .await;
    for page in [&login, &error] {
        let csp = page.header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' https: data:",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} missing: {csp}");
        }
        assert!(csp.contains("form-action 'self'"), "{csp}");
        assert_eq!(page.header("x-frame-options"), "DENY");
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("referrer-policy"), "no-referrer");
        assert_eq!(page.header("cache-control"), "no-store");
        assert!(page.header("content-type").starts_with("text/html"));
    }
    // The login page's form may end at the client (redirects after a POST count for form-action).
    assert!(login
        .header("content-security-policy")
        .contains("form-action 'self' https://app.example.com;"));
    assert!(login.text.contains("href=\"/identity/static/site.css\""));

    let css = get(&b, &f.server.url("/identity/static/site.css")).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.header("cache-control").starts_with("public"));
    assert!(css.text.contains(":focus-visible"));
}

#[tokio::test]
async fn form_post_mode_answers_with_a_self_submitting_form_allowed_by_its_csp() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    f.code_after_consent(&b, &p).await;
    let page = get(&b, &f.authorize_url(&p, &[("response_mode", "form_post")])).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page
        .text
        .contains("<form method=\"post\" action=\"https://app.example.com/cb\">"));
    let code = page.hidden("code");
    assert_eq!(page.hidden("state"), "st-1");
    assert_eq!(page.hidden("iss"), f.server.issuer());
    assert!(page.text.contains("<noscript>"));
    assert!(!page.text.contains("onload"));

    // The inline script runs only because its hash is in script-src.
    let start = page.text.find("<script>").unwrap() + "<script>".len();
    let end = page.text.find("</script>").unwrap();
    let hash = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(&page.text.as_bytes()[start..end]));
    let csp = page.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(
        csp.contains("form-action https://app.example.com;"),
        "{csp}"
    );
    assert_eq!(page.header("cache-control"), "no-store");

    let (status, body) = f.exchange(&code, &p.verifier).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_user_signed_in_at_the_identity_service_is_signed_in_to_the_portal() {
    let f = Fixture::new().await;
    let b = browser();
    let p = pkce();
    // Signed in by a relying party's authorization request (an SPA, say) ...
    f.code_after_consent(&b, &p).await;
    // ... the portal knows the user without another login (SPEC §11).
    let clients = get(&b, &f.server.url("/portal/clients")).await;
    assert_eq!(clients.status, 200, "{}", clients.text);
    assert!(clients.text.contains("<h1>Clients</h1>"));
    assert!(clients.text.contains(f.email()), "{}", clients.text);
    let home = get(&b, &f.server.url("/portal")).await;
    assert_eq!(home.location(), "/portal/clients");
}
