//! Federation (SPEC §12): identity providers over the management API, and the sign-in through
//! an upstream OpenID Provider for real — a second Portcullis server is the upstream, a reqwest
//! client with a cookie jar the browser. Refusals that a well-behaved upstream never provokes
//! (wrong nonce, issuer, audience or key) use `Rogue`, a tiny HTTP server in the test that
//! serves discovery, JWKS and a token endpoint with the chosen defect.

use crate::harness::{delete, get as api_get, jwt_claims, post as api_post, put, TestServer};
use crate::signin::{browser, get, post, post_consent, post_login, Page};
use base64::Engine;
use portcullis::crypto::keys::{SigningAlg, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const APP_CB: &str = "https://app.example.com/cb";
pub(crate) const IDP_NAME: &str = "Upstream Corp";
const LOCAL_IDP: &str = "00000000-0000-0000-0000-00000000000a";

/// Undoes askama's HTML escaping of an attribute.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').unwrap();
        let e = &tail[1..end];
        out.push(match e {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if e.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).unwrap()
            }
            _ if e.starts_with('#') => char::from_u32(e[1..].parse().unwrap()).unwrap(),
            _ => panic!("entity {e}"),
        });
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The href of the link whose text is exactly `text`.
fn link(html: &str, text: &str) -> Option<String> {
    let end = html.find(&format!(">{text}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    let len = html[start..].find('"')?;
    Some(unescape(&html[start..start + len]))
}

/// A query parameter of a URL.
fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The relying party (`rp`, the server under test), its application client, and an upstream.
pub(crate) struct Fed {
    pub(crate) rp: TestServer,
    pub(crate) app: String,
    pub(crate) admin: String,
}

impl Fed {
    pub(crate) async fn new() -> Fed {
        let rp = TestServer::spawn().await;
        let admin = rp.admin_token().await;
        let r = api_post(
            &rp.api("/AuthorizationCodeClients"),
            &admin,
            json!({"Name": "Trend Viewer", "RedirectUris": [APP_CB]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let app = r.body["Id"].as_str().unwrap().to_owned();
        Fed { rp, app, admin }
    }

    /// Registers `op` as an identity provider of the rp's tenant; returns its Id.
    pub(crate) async fn add_upstream(&self, op: &Upstream, auto: bool) -> String {
        let r = api_post(
            &self.rp.api("/IdentityProviders"),
            &self.admin,
            json!({
                "DisplayName": IDP_NAME,
                "Authority": op.authority,
                "ClientId": op.client_id,
                "ClientSecret": op.secret,
                "AllowAutoProvisioning": auto,
            }),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["Id"].as_str().unwrap().to_owned()
    }

    /// The application's authorization request (PKCE S256); returns (URL, verifier).
    fn authorize_url(&self, extra: &[(&str, &str)]) -> (String, String) {
        let verifier = format!("v-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
        let mut url = url::Url::parse(&self.rp.url("/identity/connect/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.app)
            .append_pair("redirect_uri", APP_CB)
            .append_pair("scope", "openid profile email")
            .append_pair("state", "app-state")
            .append_pair("nonce", "app-nonce")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        (url.to_string(), verifier)
    }

    /// From the application to the rp's login page, then its "Sign in with …" link: the
    /// redirect upstream.
    pub(crate) async fn start(&self, b: &reqwest::Client) -> Page {
        self.start_with_verifier(b).await.0
    }

    /// `start`, with the application's PKCE verifier.
    async fn start_with_verifier(&self, b: &reqwest::Client) -> (Page, String) {
        let (url, verifier) = self.authorize_url(&[]);
        let login = get(b, &url).await;
        assert_eq!(login.status, 200, "{}", login.text);
        let href = link(&login.text, &format!("Sign in with {IDP_NAME}"))
            .unwrap_or_else(|| panic!("no Sign in with link: {}", login.text));
        (get(b, &self.rp.url(&href)).await, verifier)
    }

    /// Back at the rp with the upstream's answer: through the consent to the application's
    /// code, redeemed for tokens. Returns the token response.
    async fn finish(&self, b: &reqwest::Client, callback: &str, verifier: &str) -> Value {
        let back = get(b, callback).await;
        assert_eq!(back.status, 302, "{}", back.text);
        self.finish_at(b, back.location(), verifier).await
    }

    /// From the authorization endpoint (signed in) through consent to the tokens.
    async fn finish_at(&self, b: &reqwest::Client, authorize: &str, verifier: &str) -> Value {
        let consent = get(b, authorize).await;
        assert_eq!(consent.status, 200, "{}", consent.text);
        let done = post_consent(&self.rp, b, &consent, "allow", false).await;
        assert_eq!(done.status, 302, "{}", done.text);
        let code = param(done.location(), "code").expect("a code for the application");
        let r = crate::harness::http()
            .post(self.rp.token_url())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", APP_CB),
                ("client_id", &self.app),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn users(&self) -> Vec<Value> {
        let r = api_get(&self.rp.api("/Users"), &self.admin).await;
        r.body.as_array().unwrap().clone()
    }
}

/// An upstream Portcullis with a hybrid client registered with the rp's redirect URI.
pub(crate) struct Upstream {
    pub(crate) op: TestServer,
    /// The person who signs in upstream.
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) authority: String,
    pub(crate) client_id: String,
    pub(crate) secret: String,
}

impl Upstream {
    pub(crate) async fn new(rp: &TestServer) -> Upstream {
        let op = TestServer::spawn().await;
        let admin = op.admin_token().await;
        let (email, password) = (
            "ada@upstream.example".to_owned(),
            "correct horse battery".to_owned(),
        );
        let r = api_post(
            &op.api("/Users"),
            &admin,
            json!({"Email": email, "Name": "Ada Lovelace", "Password": password}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = api_post(
            &op.api("/HybridClients"),
            &admin,
            json!({
                "Name": "Portcullis downstream",
                "RedirectUris": [format!("{}/federation/callback", rp.issuer())],
            }),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        Upstream {
            authority: op.issuer(),
            client_id: r.body["Client"]["Id"].as_str().unwrap().to_owned(),
            secret: r.body["Secret"].as_str().unwrap().to_owned(),
            op,
            email,
            password,
        }
    }

    /// Signs in at the upstream's pages (login, then consent): returns the redirect back.
    pub(crate) async fn sign_in(&self, b: &reqwest::Client, authorize: &str) -> String {
        let login = get(b, authorize).await;
        assert_eq!(login.status, 200, "{}", login.text);
        let signed = post_login(&self.op, b, &login, &self.email, &self.password).await;
        assert_eq!(signed.status, 302, "{}", signed.text);
        let consent = get(b, signed.location()).await;
        assert_eq!(consent.status, 200, "{}", consent.text);
        let back = post_consent(&self.op, b, &consent, "allow", false).await;
        assert_eq!(back.status, 302, "{}", back.text);
        back.location().to_owned()
    }
}

/// The whole round trip with a real upstream: a new account is provisioned (rule 4) and bound;
/// the second sign-in finds it by its upstream identity (rule 1); the tokens are the rp's.
#[tokio::test]
async fn sign_in_through_an_upstream_portcullis_provisions_then_finds_the_account() {
    let fed = Fed::new().await;
    let op = Upstream::new(&fed.rp).await;
    let idp = fed.add_upstream(&op, true).await;
    let upstream_user = op.email.clone();
    for round in 0..2 {
        let b = browser();
        let (url, verifier) = fed.authorize_url(&[]);
        let login = get(&b, &url).await;
        let href = link(&login.text, &format!("Sign in with {IDP_NAME}")).unwrap();
        let away = get(&b, &fed.rp.url(&href)).await;
        assert_eq!(away.status, 302, "{}", away.text);
        let upstream_authorize = away.location().to_owned();
        assert!(
            upstream_authorize.starts_with(&op.authority),
            "{upstream_authorize}"
        );
        assert_eq!(
            param(&upstream_authorize, "code_challenge_method").as_deref(),
            Some("S256")
        );
        assert!(param(&upstream_authorize, "nonce").is_some());
        let callback = op.sign_in(&b, &upstream_authorize).await;
        assert!(callback.starts_with(&format!("{}/federation/callback", fed.rp.issuer())));
        let tokens = fed.finish(&b, &callback, &verifier).await;
        let id = jwt_claims(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["iss"], fed.rp.issuer(), "round {round}");
        let users = fed.users().await;
        let fed_users: Vec<&Value> = users
            .iter()
            .filter(|u| u["IdentityProviderId"] == idp.as_str())
            .collect();
        assert_eq!(fed_users.len(), 1, "round {round}: {users:?}");
        let user = fed_users[0];
        assert_eq!(user["Email"], upstream_user.as_str());
        assert_eq!(
            user["ExternalUserId"],
            user_id_of(&op.op, &upstream_user).await
        );
        assert_eq!(id["sub"], user["Id"], "round {round}");
    }
}

/// The Id of the user with this e-mail at `server`.
async fn user_id_of(server: &TestServer, email: &str) -> String {
    let r = api_get(&server.api("/Users"), &server.admin_token().await).await;
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["Email"] == email)
        .map(|u| u["Id"].as_str().unwrap().to_owned())
        .unwrap()
}

/// What the rogue upstream gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defect {
    None,
    WrongNonce,
    OtherIssuer,
    OtherAudience,
    UnknownKey,
    /// Discovery names another issuer.
    DiscoveryIssuer,
    /// Discovery has no token endpoint.
    NoTokenEndpoint,
    /// The ID token has no e-mail or name: they come from userinfo.
    ClaimsInUserinfo,
    /// As `ClaimsInUserinfo`, but userinfo is about another subject.
    UserinfoOtherSub,
    /// No e-mail anywhere: neither in the ID token nor from userinfo.
    NoEmail,
    /// Discovery offers only `client_secret_post` at the token endpoint.
    PostOnly,
    /// The JWKS answer is larger than the relying party reads (256 KiB).
    HugeJwks,
    /// Discovery answers after 800 ms.
    SlowDiscovery,
}

struct RogueState {
    defect: Defect,
    nonce: String,
    client_id: String,
    now: i64,
    email_verified: bool,
    token_calls: usize,
    jwks_calls: usize,
    /// How the last token request authenticated: "basic", "post" or "none".
    token_auth: &'static str,
}

/// A tiny real OpenID Provider: discovery, JWKS and a token endpoint whose ID token has the
/// chosen defect. It signs with its own RSA key (or, for `UnknownKey`, one it never publishes).
pub(crate) struct Rogue {
    pub(crate) base: String,
    state: Arc<Mutex<RogueState>>,
    task: tokio::task::JoinHandle<()>,
}

const ROGUE_SUB: &str = "rogue-subject-1";
const ROGUE_EMAIL: &str = "grace@rogue.example";

impl Rogue {
    pub(crate) async fn start(now: i64) -> Rogue {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(RogueState {
            defect: Defect::None,
            nonce: String::new(),
            client_id: "rogue-client".to_owned(),
            now,
            email_verified: true,
            token_calls: 0,
            jwks_calls: 0,
            token_auth: "none",
        }));
        let key = Arc::new(SigningKey::generate(SigningAlg::RS256, now, now).unwrap().0);
        let stranger = Arc::new(SigningKey::generate(SigningAlg::RS256, now, now).unwrap().0);
        let (b, s) = (base.clone(), state.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (b, s, key, stranger) = (b.clone(), s.clone(), key.clone(), stranger.clone());
                tokio::spawn(async move {
                    let request = read_request(&mut sock).await;
                    let slow = s.lock().unwrap().defect == Defect::SlowDiscovery
                        && request.contains("/.well-known/openid-configuration");
                    if slow {
                        tokio::time::sleep(Duration::from_millis(800)).await;
                    }
                    let body = answer(&request, &b, &s, &key, &stranger);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                });
            }
        });
        Rogue { base, state, task }
    }

    fn set(&self, f: impl FnOnce(&mut RogueState)) {
        f(&mut self.state.lock().unwrap());
    }
}

/// Reads one request (head and body); returns its text.
async fn read_request(sock: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn answer(
    request: &str,
    base: &str,
    state: &Mutex<RogueState>,
    key: &SigningKey,
    stranger: &SigningKey,
) -> String {
    let mut s = state.lock().unwrap();
    let line = request.lines().next().unwrap_or("");
    let path = line.split(' ').nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or("");
    match path {
        "/.well-known/openid-configuration" => {
            let mut doc = json!({
                "issuer": if s.defect == Defect::DiscoveryIssuer { format!("{base}/other") } else { base.to_owned() },
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "jwks_uri": format!("{base}/jwks"),
                "userinfo_endpoint": format!("{base}/userinfo"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            });
            if s.defect == Defect::NoTokenEndpoint {
                doc.as_object_mut().unwrap().remove("token_endpoint");
            }
            if s.defect == Defect::PostOnly {
                doc["token_endpoint_auth_methods_supported"] = json!(["client_secret_post"]);
            }
            doc.to_string()
        }
        "/jwks" if s.defect == Defect::HugeJwks => {
            s.jwks_calls += 1;
            json!({"keys": [key.jwk_json()], "padding": "x".repeat(300 * 1024)}).to_string()
        }
        "/jwks" => {
            s.jwks_calls += 1;
            json!({"keys": [key.jwk_json()]}).to_string()
        }
        "/token" => {
            s.token_calls += 1;
            let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
            s.token_auth = if head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("authorization: basic "))
            {
                "basic"
            } else if body.split('&').any(|p| p.starts_with("client_secret=")) {
                "post"
            } else {
                "none"
            };
            let claims = json!({
                "iss": if s.defect == Defect::OtherIssuer { "https://other.example" } else { base },
                "sub": ROGUE_SUB,
                "aud": if s.defect == Defect::OtherAudience { "someone-else" } else { s.client_id.as_str() },
                "exp": s.now + 300,
                "iat": s.now,
                "nonce": if s.defect == Defect::WrongNonce { "not-the-nonce" } else { s.nonce.as_str() },
                "email": ROGUE_EMAIL,
                "email_verified": s.email_verified,
                "name": "Grace Hopper",
                "amr": ["pwd", "mfa"],
            });
            let mut claims = claims;
            if matches!(
                s.defect,
                Defect::ClaimsInUserinfo | Defect::UserinfoOtherSub
            ) {
                for k in ["email", "email_verified", "name"] {
                    claims.as_object_mut().unwrap().remove(k);
                }
            }
            if s.defect == Defect::NoEmail {
                for k in ["email", "email_verified"] {
                    claims.as_object_mut().unwrap().remove(k);
                }
            }
            let signer = if s.defect == Defect::UnknownKey {
                stranger
            } else {
                key
            };
            let id_token = portcullis::crypto::jwt::sign_jwt(&claims, "JWT", signer).unwrap();
            json!({"access_token": "rogue-at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}).to_string()
        }
        "/userinfo" if s.defect == Defect::NoEmail => {
            json!({"sub": ROGUE_SUB, "name": "Grace Hopper"}).to_string()
        }
        "/userinfo" => json!({
            "sub": if s.defect == Defect::UserinfoOtherSub { "someone-else" } else { ROGUE_SUB },
            "email": ROGUE_EMAIL,
            "email_verified": true,
            "name": "Grace Hopper",
        })
        .to_string(),
        _ => "{}".to_owned(),
    }
}

impl Fed {
    /// Registers the rogue as a provider; returns its Id.
    async fn add_rogue(&self, rogue: &Rogue, auto: bool) -> String {
        let r = api_post(
            &self.rp.api("/IdentityProviders"),
            &self.admin,
            json!({
                "DisplayName": IDP_NAME,
                "Authority": rogue.base,
                "ClientId": "rogue-client",
                "ClientSecret": "rogue-secret-value",
                "AllowAutoProvisioning": auto,
            }),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["Id"].as_str().unwrap().to_owned()
    }

    /// Starts a sign-in through the rogue and answers its callback as the rogue would; returns
    /// (callback URL, the page it gives).
    async fn rogue_round(&self, b: &reqwest::Client, rogue: &Rogue) -> (String, Page) {
        let (callback, page, _) = self.rogue_round_with_verifier(b, rogue).await;
        (callback, page)
    }

    async fn rogue_round_with_verifier(
        &self,
        b: &reqwest::Client,
        rogue: &Rogue,
    ) -> (String, Page, String) {
        let (away, verifier) = self.start_with_verifier(b).await;
        assert_eq!(away.status, 302, "{}", away.text);
        let to = away.location().to_owned();
        assert!(to.starts_with(&rogue.base), "{to}");
        let nonce = param(&to, "nonce").unwrap();
        rogue.set(|s| s.nonce = nonce);
        let callback = format!(
            "{}/federation/callback?code=rogue-code&state={}",
            self.rp.issuer(),
            param(&to, "state").unwrap()
        );
        let page = get(b, &callback).await;
        (callback, page, verifier)
    }
}

fn assert_refused(page: &Page, status: u16, words: &str) {
    assert_eq!(page.status, status, "{}", page.text);
    assert!(
        page.text.contains(words),
        "expected '{words}' in {}",
        page.text
    );
    assert!(page.headers.get("location").is_none());
}

/// Rule 3: an unbound user of the provider with the upstream's verified e-mail is bound to the
/// upstream subject; the replayed callback then fails; the session carries the upstream's amr.
#[tokio::test]
async fn a_verified_email_binds_an_existing_user_and_a_replayed_callback_fails() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&rogue, false).await;
    let r = api_post(
        &fed.rp.api("/Users"),
        &fed.admin,
        json!({"Email": ROGUE_EMAIL.to_uppercase(), "IdentityProviderId": idp}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.body["Id"].as_str().unwrap().to_owned();
    let b = browser();
    let (callback, page, verifier) = fed.rogue_round_with_verifier(&b, &rogue).await;
    assert_eq!(page.status, 302, "{}", page.text);
    assert!(
        page.location().contains("/connect/authorize?"),
        "{}",
        page.location()
    );
    let u = api_get(&fed.rp.api(&format!("/Users/{user}")), &fed.admin).await;
    assert_eq!(u.body["ExternalUserId"], ROGUE_SUB);
    // The application's tokens say who authenticated the user, and how (SPEC §12.2).
    let tokens = fed.finish_at(&b, page.location(), &verifier).await;
    for token in ["id_token", "access_token"] {
        let claims = jwt_claims(tokens[token].as_str().unwrap());
        assert_eq!(claims["sub"], user.as_str(), "{token}");
        assert_eq!(claims["idp"], idp.as_str(), "{token}");
        assert_eq!(claims["amr"], json!(["pwd", "mfa"]), "{token}");
    }
    let again = get(&b, &callback).await;
    assert_refused(&again, 400, "already completed");
    assert_eq!(
        rogue.state.lock().unwrap().token_calls,
        1,
        "the replay never reached upstream"
    );
}

/// Without AllowAutoProvisioning and without a matching account: 403, nothing created. An
/// unverified e-mail binds nobody.
#[tokio::test]
async fn no_account_for_the_email_is_a_403_and_creates_nothing() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&rogue, false).await;
    let r = api_post(
        &fed.rp.api("/Users"),
        &fed.admin,
        json!({"Email": ROGUE_EMAIL, "IdentityProviderId": idp}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    rogue.set(|s| s.email_verified = false);
    let before = fed.users().await.len();
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_refused(
        &page,
        403,
        &format!("There is no account for {ROGUE_EMAIL} in this tenant"),
    );
    assert_eq!(fed.users().await.len(), before);
    let u = api_get(
        &fed.rp
            .api(&format!("/Users/{}", r.body["Id"].as_str().unwrap())),
        &fed.admin,
    )
    .await;
    assert_eq!(u.body["ExternalUserId"], Value::Null);
}

/// Every defect of the ID token is refused with the error page, and no session starts.
#[tokio::test]
async fn id_tokens_with_a_defect_are_refused() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    for (defect, words) in [
        (Defect::WrongNonce, "nonce"),
        (Defect::OtherIssuer, "issuer"),
        (Defect::OtherAudience, "audience"),
        (Defect::UnknownKey, "signature"),
    ] {
        rogue.set(|s| s.defect = defect);
        let jwks_before = rogue.state.lock().unwrap().jwks_calls;
        let (_, page) = fed.rogue_round(&browser(), &rogue).await;
        let jwks_fetched = rogue.state.lock().unwrap().jwks_calls - jwks_before;
        match defect {
            // An unknown kid: the cached JWKS is fetched again, once.
            Defect::UnknownKey => assert_eq!(jwks_fetched, 1),
            // Otherwise the JWKS cached by the first sign-in is used.
            Defect::WrongNonce => assert_eq!(jwks_fetched, 1),
            _ => assert_eq!(jwks_fetched, 0, "{defect:?}"),
        }
        assert_eq!(page.status, 400, "{defect:?}: {}", page.text);
        assert!(
            page.text.to_lowercase().contains(words),
            "{defect:?}: {}",
            page.text
        );
        let session_set = page
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("portcullis.session="));
        assert!(!session_set, "{defect:?}: a session was started");
    }
    assert_eq!(fed.users().await.len(), 1, "only the administrator");
}

/// A bad state, an upstream error answer, a callback from another browser.
#[tokio::test]
async fn bad_state_upstream_errors_and_another_browser_are_refused() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    let b = browser();
    let bad = get(
        &b,
        &format!(
            "{}/federation/callback?code=x&state=forged",
            fed.rp.issuer()
        ),
    )
    .await;
    assert_refused(&bad, 400, "unknown");
    let none = get(
        &b,
        &format!("{}/federation/callback?code=x", fed.rp.issuer()),
    )
    .await;
    assert_refused(&none, 400, "no state");

    let away = fed.start(&b).await;
    let state = param(away.location(), "state").unwrap();
    let denied = get(
        &b,
        &format!(
            "{}/federation/callback?error=access_denied&state={state}",
            fed.rp.issuer()
        ),
    )
    .await;
    assert_refused(&denied, 403, "access_denied");

    let away = fed.start(&b).await;
    let state = param(away.location(), "state").unwrap();
    let other = get(
        &browser(),
        &format!(
            "{}/federation/callback?code=x&state={state}",
            fed.rp.issuer()
        ),
    )
    .await;
    assert_refused(&other, 400, "another browser");
    assert_eq!(rogue.state.lock().unwrap().token_calls, 0);
}

/// An upstream that is down gives the error page within seconds, at the start and at the
/// callback (where the token endpoint is gone).
#[tokio::test]
async fn an_upstream_that_is_down_gives_the_error_page_within_seconds() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    let b = browser();
    let away = fed.start(&b).await;
    assert_eq!(away.status, 302);
    rogue.task.abort();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let callback = format!(
        "{}/federation/callback?code=x&state={}",
        fed.rp.issuer(),
        param(away.location(), "state").unwrap()
    );
    let t = Instant::now();
    let page = get(&b, &callback).await;
    assert_refused(&page, 502, "could not");
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());

    // A provider whose upstream was never reached from this server: the start fails too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let r = api_post(
        &fed.rp.api("/IdentityProviders"),
        &fed.admin,
        json!({"DisplayName": "Down", "Authority": format!("http://127.0.0.1:{port}"), "ClientId": "c"}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.body["Reason"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{}",
        r.text
    );

    // An upstream that accepts connections and never answers: the timeout ends the wait.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = format!("http://{}", silent.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let t = Instant::now();
    let r = api_post(
        &fed.rp.api("/IdentityProviders"),
        &fed.admin,
        json!({"DisplayName": "Silent", "Authority": authority, "ClientId": "c"}),
    )
    .await;
    let waited = t.elapsed();
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.body["Reason"].as_str().unwrap().contains("timed out"),
        "{}",
        r.text
    );
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    eprintln!("a silent upstream was given up after {waited:?}");
    holder.abort();
}

/// Disabled providers show no button and cannot be started; `acr_values=idp:{id}` goes
/// straight upstream.
#[tokio::test]
async fn acr_values_go_straight_upstream_and_a_disabled_provider_is_refused() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&rogue, true).await;
    let b = browser();
    let (url, _) = fed.authorize_url(&[
        ("acr_values", &format!("idp:{idp}")),
        ("login_hint", "grace"),
    ]);
    let direct = get(&b, &url).await;
    assert_eq!(direct.status, 302, "{}", direct.text);
    let away = get(&b, &fed.rp.url(direct.location())).await;
    assert_eq!(away.status, 302, "{}", away.text);
    assert!(away.location().starts_with(&rogue.base));
    assert_eq!(
        param(away.location(), "login_hint").as_deref(),
        Some("grace")
    );

    let start_link = {
        let (url, _) = fed.authorize_url(&[]);
        let login = get(&b, &url).await;
        link(&login.text, &format!("Sign in with {IDP_NAME}")).unwrap()
    };
    let r = put(
        &fed.rp.api(&format!("/IdentityProviders/{idp}")),
        &fed.admin,
        json!({"Enabled": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (url, _) = fed.authorize_url(&[]);
    let login = get(&b, &url).await;
    assert!(link(&login.text, &format!("Sign in with {IDP_NAME}")).is_none());
    let refused = get(&b, &fed.rp.url(&start_link)).await;
    assert_refused(&refused, 400, "not enabled");
}

/// The API: create, list (Local first), get, partial update; the secret is write-only and
/// stored sealed; the Local provider cannot be deleted; members read but do not write.
#[tokio::test]
async fn identity_providers_api_crud_with_a_sealed_secret() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&rogue, false).await;
    let list_url = fed.rp.api("/IdentityProviders");
    let one = fed.rp.api(&format!("/IdentityProviders/{idp}"));
    let list = api_get(&list_url, &fed.admin).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.total_count(), 2);
    assert_eq!(list.body[0]["Id"], LOCAL_IDP);
    assert_eq!(list.body[0]["Type"], "Local");
    let p = &list.body[1];
    assert_eq!(p["Type"], "OpenIdConnect");
    assert_eq!(p["Scopes"], "openid profile email");
    assert_eq!(
        p["RedirectUri"],
        format!("{}/federation/callback", fed.rp.issuer())
    );
    assert_eq!(
        p["DefaultRoleIds"].as_array().unwrap().len(),
        1,
        "Tenant Member"
    );
    assert!(!list.text.contains("rogue-secret-value"));
    assert!(!list.text.contains("ClientSecret"));
    let head = crate::harness::head(&list_url, &fed.admin).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("total-count"), Some("2"));

    let tenant = portcullis::domain::TenantId::parse(&fed.rp.admin.tenant_id).unwrap();
    let stored = fed
        .rp
        .ctx
        .store
        .read(|c| portcullis::store::identity_providers::get(c, &tenant, &idp))
        .unwrap()
        .unwrap();
    let sealed = stored.client_secret_sealed.unwrap();
    assert!(!sealed.contains("rogue-secret-value"));
    let purpose = format!("idp-client-secret:{idp}");
    assert_eq!(
        fed.rp.ctx.master.open(&purpose, &sealed).unwrap(),
        b"rogue-secret-value"
    );

    let changed = put(
        &one,
        &fed.admin,
        json!({"DisplayName": "Renamed", "ClientSecret": "new-secret"}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["DisplayName"], "Renamed");
    assert_eq!(changed.body["ClientId"], "rogue-client", "unchanged");
    assert!(!changed.text.contains("new-secret"));

    let member = fed.rp.member_token().await;
    assert_eq!(api_get(&one, &member).await.status, 200);
    api_post(&list_url, &member, json!({"DisplayName": "x"}))
        .await
        .forbidden();

    let local = delete(
        &fed.rp.api(&format!("/IdentityProviders/{LOCAL_IDP}")),
        &fed.admin,
    )
    .await;
    assert!(local.bad_request()["Reason"]
        .as_str()
        .unwrap()
        .contains("cannot be deleted"));
    assert_eq!(delete(&one, &fed.admin).await.status, 204);
    assert_eq!(api_get(&one, &fed.admin).await.status, 404);
}

/// A bad Authority is refused with the reason in words.
#[tokio::test]
async fn a_bad_authority_is_refused_with_the_reason() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let create = |authority: String| {
        let (url, admin) = (fed.rp.api("/IdentityProviders"), fed.admin.clone());
        async move {
            let r = api_post(
                &url,
                &admin,
                json!({"DisplayName": "X", "Authority": authority, "ClientId": "c"}),
            )
            .await;
            r.bad_request()["Reason"].as_str().unwrap().to_owned()
        }
    };
    assert!(create("http://idp.example.com".into())
        .await
        .contains("https"));
    rogue.set(|s| s.defect = Defect::DiscoveryIssuer);
    assert!(create(rogue.base.clone())
        .await
        .contains("differs from the Authority"));
    rogue.set(|s| s.defect = Defect::NoTokenEndpoint);
    assert!(create(rogue.base.clone()).await.contains("token_endpoint"));
}

/// At most 20 upstream providers per tenant.
#[tokio::test]
async fn at_most_twenty_providers() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    for _ in 0..20 {
        fed.add_rogue(&rogue, false).await;
    }
    let r = api_post(
        &fed.rp.api("/IdentityProviders"),
        &fed.admin,
        json!({"DisplayName": "21st", "Authority": rogue.base, "ClientId": "c"}),
    )
    .await;
    assert!(r.bad_request()["Reason"]
        .as_str()
        .unwrap()
        .contains("at most 20"));
}

/// Disabling the Local provider turns password sign-in off: no form, and the POST refuses.
#[tokio::test]
async fn disabling_the_local_provider_turns_password_sign_in_off() {
    let fed = Fed::new().await;
    let b = browser();
    let (url, _) = fed.authorize_url(&[]);
    let login = get(&b, &url).await;
    assert!(login.text.contains("name=\"password\""));
    let r = put(
        &fed.rp.api(&format!("/IdentityProviders/{LOCAL_IDP}")),
        &fed.admin,
        json!({"Enabled": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["Enabled"], false);
    let login2 = get(&b, &url).await;
    assert_eq!(login2.status, 200);
    assert!(
        !login2.text.contains("name=\"password\""),
        "{}",
        login2.text
    );
    let refused = post(
        &b,
        &fed.rp.url("/identity/account/login"),
        &[
            ("username", fed.rp.admin.admin_email.as_str()),
            ("password", &fed.rp.admin.admin_password),
            ("csrf", &login.hidden("csrf")),
            ("request", &login.hidden("request")),
        ],
    )
    .await;
    assert_refused(&refused, 400, "password sign-in is turned off");

    // The portal's login too: refused like an unknown account.
    let login = get(
        &b,
        &fed.rp
            .url("/identity/account/login?return_url=/portal/clients"),
    )
    .await;
    let portal = post(
        &b,
        &fed.rp.url("/identity/account/login"),
        &[
            ("username", fed.rp.admin.admin_email.as_str()),
            ("password", &fed.rp.admin.admin_password),
            ("csrf", &login.hidden("csrf")),
            ("return_url", "/portal/clients"),
        ],
    )
    .await;
    assert_eq!(portal.status, 200, "{}", portal.text);
    assert!(
        portal.text.contains("Invalid email or password."),
        "{}",
        portal.text
    );
}

/// A pending upstream login lives ten minutes: later its callback is refused, and upkeep
/// deletes it.
#[tokio::test]
async fn pending_logins_expire_and_are_purged() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    let (b, b2) = (browser(), browser());
    let callback_of = |away: &Page| {
        format!(
            "{}/federation/callback?code=x&state={}",
            fed.rp.issuer(),
            param(away.location(), "state").unwrap()
        )
    };
    let late = callback_of(&fed.start(&b).await);
    let purged = callback_of(&fed.start(&b2).await);
    fed.rp.clock().advance(601);
    assert_refused(&get(&b, &late).await, 400, "took too long");
    let gone = portcullis::service::upkeep::purge_expired(&fed.rp.ctx).unwrap();
    assert!(gone >= 1, "{gone}");
    assert_refused(&get(&b2, &purged).await, 400, "unknown");
    assert_eq!(rogue.state.lock().unwrap().token_calls, 0);
}

/// The portal's Identity Providers pages: the list with the Local provider, Add Identity
/// Provider (a bad Authority shown on the form, nothing saved), Details with the Redirect URI and
/// its copy button, Edit, Delete.
#[tokio::test]
async fn portal_identity_provider_pages() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let b = crate::portal::admin(&fed.rp).await;
    let list = get(&b, &fed.rp.url("/portal/identityproviders")).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.text.contains("Local accounts"));
    assert!(list.text.contains(">Identity Providers</a>"));
    let form = get(&b, &fed.rp.url("/portal/identityproviders/add")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    for label in [
        "Display Name",
        "Authority",
        "Client Id",
        "Client Secret",
        "Scopes",
        "Allow automatic provisioning",
        "Tenant Member",
    ] {
        assert!(form.text.contains(&format!(">{label}</label>")), "{label}");
    }
    let add = |authority: String| {
        let (b, url, csrf) = (
            b.clone(),
            fed.rp.url("/portal/identityproviders/add"),
            form.hidden("csrf"),
        );
        async move {
            post(
                &b,
                &url,
                &[
                    ("csrf", csrf.as_str()),
                    ("display_name", "Corp SSO"),
                    ("authority", &authority),
                    ("client_id", "rogue-client"),
                    ("client_secret", "portal-secret"),
                    ("scopes", "openid email"),
                    ("enabled", "on"),
                ],
            )
            .await
        }
    };
    let bad = add("http://idp.example.com".to_owned()).await;
    assert_eq!(bad.status, 200, "{}", bad.text);
    assert!(
        bad.text.contains("role=\"alert\"") && bad.text.contains("https"),
        "{}",
        bad.text
    );
    let ok = add(rogue.base.clone()).await;
    assert_eq!(ok.status, 302, "{}", ok.text);
    let details = get(&b, &fed.rp.url(ok.location())).await;
    assert!(details.text.contains("aria-label=\"Details\""));
    assert!(details.text.contains(&format!(
        "value=\"{}/federation/callback\"",
        fed.rp.issuer()
    )));
    assert!(details.text.contains(">Copy Redirect URI</button>"));
    assert!(!details.text.contains("portal-secret"));
    let id = param(&fed.rp.url(ok.location()), "id").unwrap();

    let edit = get(
        &b,
        &fed.rp
            .url(&format!("/portal/identityproviders/edit?id={id}")),
    )
    .await;
    assert_eq!(edit.status, 200, "{}", edit.text);
    let saved = post(
        &b,
        &fed.rp.url("/portal/identityproviders/edit"),
        &[
            ("csrf", edit.hidden("csrf").as_str()),
            ("id", &id),
            ("display_name", "Corp SSO renamed"),
            ("authority", &rogue.base),
            ("client_id", "rogue-client"),
            ("scopes", "openid email"),
        ],
    )
    .await;
    assert_eq!(saved.status, 302, "{}", saved.text);
    let r = api_get(&fed.rp.api(&format!("/IdentityProviders/{id}")), &fed.admin).await;
    assert_eq!(r.body["DisplayName"], "Corp SSO renamed");
    assert_eq!(r.body["Enabled"], false, "the unchecked box disables it");

    let confirm = get(
        &b,
        &fed.rp
            .url(&format!("/portal/identityproviders/delete?id={id}")),
    )
    .await;
    assert_eq!(confirm.status, 200, "{}", confirm.text);
    let gone = post(
        &b,
        &fed.rp.url("/portal/identityproviders/delete"),
        &[("csrf", confirm.hidden("csrf").as_str()), ("id", &id)],
    )
    .await;
    assert_eq!(gone.status, 302, "{}", gone.text);
    assert_eq!(
        api_get(&fed.rp.api(&format!("/IdentityProviders/{id}")), &fed.admin)
            .await
            .status,
        404
    );
}

/// `portcullis idp add|list|remove` for operators without the portal.
#[tokio::test]
async fn cli_adds_lists_and_removes_identity_providers() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let rogue = Rogue::start(0).await;
    let run = |args: Vec<String>, stdin: Option<&'static str>| {
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
            cmd.current_dir(&dir)
                .env_remove("PORTCULLIS_CONFIG")
                .env_remove("PORTCULLIS_DATABASE_URL")
                .env_remove("PORTCULLIS_PUBLIC_URL")
                .env("RUST_LOG", "warn")
                .arg("--database-url")
                .arg(format!("sqlite://{}", dir.join("db.sqlite").display()))
                .arg("--keys-dir")
                .arg(dir.join("keys"))
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
            drop(input);
            child.wait_with_output().unwrap()
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let out = run(args(&["bootstrap"]), None).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let boot: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tenant = boot["TenantId"].as_str().unwrap().to_owned();

    let add = |authority: String| {
        args(&[
            "idp",
            "add",
            "--tenant",
            &tenant,
            "--name",
            "Corp",
            "--authority",
            &authority,
            "--client-id",
            "rogue-client",
            "--client-secret-stdin",
            "--allow-auto-provisioning",
        ])
    };
    let out = run(add(rogue.base.clone()), Some("cli-secret\n"))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("cli-secret"));
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["AllowAutoProvisioning"], true);
    let id = created["Id"].as_str().unwrap().to_owned();

    let bad = run(add("http://idp.example.com".to_owned()), Some("x"))
        .await
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("https"));

    let out = run(args(&["idp", "list", "--tenant", &tenant]), None)
        .await
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [LOCAL_IDP, id.as_str()]);

    let local = run(
        args(&["idp", "remove", "--tenant", &tenant, LOCAL_IDP]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(local.status.code(), Some(1));
    let out = run(args(&["idp", "remove", "--tenant", &tenant, &id]), None)
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(args(&["idp", "list", "--tenant", &tenant]), None)
        .await
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

/// E-mail and name missing from the ID token come from userinfo (whose `sub` must match): the
/// provisioned user has them; userinfo about another subject is refused.
#[tokio::test]
async fn claims_missing_from_the_id_token_come_from_userinfo_about_the_same_subject() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    rogue.set(|s| s.defect = Defect::UserinfoOtherSub);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_refused(&page, 400, "another subject");
    assert_eq!(fed.users().await.len(), 1);
    rogue.set(|s| s.defect = Defect::ClaimsInUserinfo);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_eq!(page.status, 302, "{}", page.text);
    let users = fed.users().await;
    let user = users
        .iter()
        .find(|u| u["ExternalUserId"] == ROGUE_SUB)
        .unwrap();
    assert_eq!(user["Email"], ROGUE_EMAIL);
    assert_eq!(user["Name"], "Grace Hopper");
}

/// Rule (2): an invitation for a user of the upstream provider is accepted by signing in there
/// from the invitation link — the user is bound to the upstream identity even though its e-mail
/// differs (so rule 3 could not have matched), the invitation is accepted, the person lands on
/// the portal signed in, and the link cannot be used again.
#[tokio::test]
async fn an_invitation_is_accepted_by_signing_in_upstream_from_its_link() {
    let fed = Fed::new().await;
    let op = Upstream::new(&fed.rp).await;
    let idp = fed.add_upstream(&op, false).await;
    let r = api_post(
        &fed.rp.api("/Users"),
        &fed.admin,
        json!({"Email": "invited@downstream.example", "Name": "Invited", "IdentityProviderId": idp}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.body["Id"].as_str().unwrap().to_owned();
    let r = api_post(
        &fed.rp.api(&format!("/Users/{user}/Invitation")),
        &fed.admin,
        json!({}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let link_url = r.body["InvitationUrl"].as_str().unwrap().to_owned();
    let invitation = r.body["Id"].as_str().unwrap().to_owned();

    let b = browser();
    let page = get(&b, &link_url).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let href = link(&page.text, &format!("Sign in with {IDP_NAME}"))
        .unwrap_or_else(|| panic!("no Sign in with link: {}", page.text));
    let href = fed.rp.url(&href);
    let away = get(&b, &href).await;
    assert_eq!(away.status, 302, "{}", away.text);
    assert!(
        away.location().starts_with(&op.authority),
        "{}",
        away.location()
    );
    let callback = op.sign_in(&b, away.location()).await;
    let back = get(&b, &callback).await;
    assert_eq!(back.status, 302, "{}", back.text);
    assert_eq!(back.location(), fed.rp.url("/portal"));
    let portal = get(&b, &fed.rp.url("/portal")).await;
    assert_eq!(portal.status, 302, "{}", portal.text);
    assert_eq!(
        portal.location(),
        "/portal/clients",
        "signed in at the portal"
    );

    let bound = api_get(&fed.rp.api(&format!("/Users/{user}")), &fed.admin).await;
    assert_eq!(
        bound.body["ExternalUserId"],
        user_id_of(&op.op, &op.email).await
    );
    let accepted = api_get(
        &fed.rp.api(&format!("/Invitations/{invitation}")),
        &fed.admin,
    )
    .await;
    assert_eq!(accepted.body["State"], 2, "{}", accepted.text);
    assert!(accepted.body["Accepted"].is_string(), "{}", accepted.text);
    let events = api_get(
        &fed.rp.api("/AuditEvents?action=invitation.accepted"),
        &fed.admin,
    )
    .await;
    let events = events.body.as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["Actor"], user.as_str());
    // No second user was provisioned for the upstream person.
    let users = fed.users().await;
    assert_eq!(
        users
            .iter()
            .filter(|u| u["IdentityProviderId"] == idp.as_str())
            .count(),
        1,
        "{users:?}"
    );

    // The link is used up: the page and a direct start are refused, nothing changes.
    let again = get(&browser(), &link_url).await;
    assert_ne!(again.status, 200, "{}", again.text);
    let restart = get(&browser(), &href).await;
    assert_eq!(restart.status, 400, "{}", restart.text);
}

/// Rule 4 creates no account it cannot name, nor one whose e-mail another account of the tenant
/// already has: without an e-mail from the upstream, and with the e-mail of a Local user, the
/// person gets a 403 page saying why, and nothing is created or bound.
#[tokio::test]
async fn auto_provisioning_refuses_without_an_email_or_with_a_taken_one() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    let before = fed.users().await.len();

    rogue.set(|s| s.defect = Defect::NoEmail);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_refused(&page, 403, "did not give your e-mail address");
    assert_eq!(fed.users().await.len(), before, "nothing created");

    // A Local account with the upstream's e-mail: rule 3 binds only users of that provider.
    let r = api_post(
        &fed.rp.api("/Users"),
        &fed.admin,
        json!({"Email": ROGUE_EMAIL, "Password": "a long enough passphrase"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let local = r.body["Id"].as_str().unwrap().to_owned();
    rogue.set(|s| s.defect = Defect::None);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_refused(
        &page,
        403,
        &format!("The account {ROGUE_EMAIL} of this tenant signs in another way."),
    );
    assert_eq!(fed.users().await.len(), before + 1, "nothing created");
    let u = api_get(&fed.rp.api(&format!("/Users/{local}")), &fed.admin).await;
    assert_eq!(u.body["ExternalUserId"], Value::Null, "nothing bound");
}

/// A PUT that changes the Authority checks the new one like a new provider (a bad one is refused
/// and nothing changes), and sign-ins go to the new upstream from then on.
#[tokio::test]
async fn a_changed_authority_is_checked_and_used() {
    let fed = Fed::new().await;
    let first = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&first, true).await;
    let one = fed.rp.api(&format!("/IdentityProviders/{idp}"));

    let wrong = Rogue::start(fed.rp.ctx.now()).await;
    wrong.set(|s| s.defect = Defect::DiscoveryIssuer);
    let r = put(&one, &fed.admin, json!({"Authority": wrong.base})).await;
    assert!(
        r.bad_request()["Reason"]
            .as_str()
            .unwrap()
            .contains("differs from the Authority"),
        "{}",
        r.text
    );
    assert_eq!(
        api_get(&one, &fed.admin).await.body["Authority"],
        first.base
    );

    let second = Rogue::start(fed.rp.ctx.now()).await;
    let r = put(&one, &fed.admin, json!({"Authority": second.base})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["Authority"], second.base);
    assert_eq!(
        api_get(&one, &fed.admin).await.body["Authority"],
        second.base
    );
    // rogue_round checks that the browser is sent to this rogue.
    let (_, page) = fed.rogue_round(&browser(), &second).await;
    assert_eq!(page.status, 302, "{}", page.text);
    assert_eq!(second.state.lock().unwrap().token_calls, 1);
    assert_eq!(first.state.lock().unwrap().token_calls, 0);
}

/// The upstream's token endpoint gets the client secret the way its discovery allows: Basic by
/// default, in the form body when it offers only `client_secret_post`. An answer over the read
/// limit (256 KiB) ends the sign-in with the error page, not a hang or a 500.
#[tokio::test]
async fn upstream_client_authentication_follows_discovery_and_answers_are_bounded() {
    let fed = Fed::new().await;
    for (defect, sent) in [(Defect::None, "basic"), (Defect::PostOnly, "post")] {
        let rogue = Rogue::start(fed.rp.ctx.now()).await;
        rogue.set(|s| s.defect = defect);
        let idp = fed.add_rogue(&rogue, true).await;
        let (_, page) = fed.rogue_round(&browser(), &rogue).await;
        assert_eq!(page.status, 302, "{defect:?}: {}", page.text);
        assert_eq!(rogue.state.lock().unwrap().token_auth, sent, "{defect:?}");
        // The same upstream person comes next through another provider: remove both.
        for u in fed.users().await {
            if u["ExternalUserId"] == ROGUE_SUB {
                let user = fed.rp.api(&format!("/Users/{}", u["Id"].as_str().unwrap()));
                assert_eq!(delete(&user, &fed.admin).await.status, 204);
            }
        }
        let provider = fed.rp.api(&format!("/IdentityProviders/{idp}"));
        assert_eq!(delete(&provider, &fed.admin).await.status, 204);
    }

    let huge = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&huge, true).await;
    huge.set(|s| s.defect = Defect::HugeJwks);
    // The upstream's keys are read again when a sign-in starts: it ends on the error page.
    let read_before = huge.state.lock().unwrap().jwks_calls;
    let page = fed.start(&browser()).await;
    assert_refused(&page, 502, "larger than 262144 bytes");
    assert_eq!(huge.state.lock().unwrap().jwks_calls, read_before + 1);
    assert_eq!(huge.state.lock().unwrap().token_calls, 0);
}

/// Two users bound to the same upstream identity (the management API does not prevent it): the
/// sign-in lands on the older one, every time.
#[tokio::test]
async fn a_binding_held_twice_signs_in_the_older_user() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&rogue, false).await;
    let mut bound = Vec::new();
    for email in ["first@rogue.example", "second@rogue.example"] {
        let r = api_post(
            &fed.rp.api("/Users"),
            &fed.admin,
            json!({"Email": email, "IdentityProviderId": idp, "ExternalUserId": ROGUE_SUB}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        bound.push(r.body["Id"].as_str().unwrap().to_owned());
        fed.rp.clock().advance(1);
    }
    for round in 0..2 {
        let b = browser();
        let (_, page, verifier) = fed.rogue_round_with_verifier(&b, &rogue).await;
        assert_eq!(page.status, 302, "round {round}: {}", page.text);
        let tokens = fed.finish_at(&b, page.location(), &verifier).await;
        let id = jwt_claims(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["sub"], bound[0].as_str(), "round {round}");
    }
}

/// A change written while another PUT's new Authority is being checked is kept: the slower PUT
/// merges its fields onto the provider as it is when it writes, not as it was when it began.
#[tokio::test]
async fn a_put_does_not_undo_a_change_made_while_its_authority_was_checked() {
    let fed = Fed::new().await;
    let first = Rogue::start(fed.rp.ctx.now()).await;
    let idp = fed.add_rogue(&first, true).await;
    let one = fed.rp.api(&format!("/IdentityProviders/{idp}"));
    let slow = Rogue::start(fed.rp.ctx.now()).await;
    slow.set(|s| s.defect = Defect::SlowDiscovery);

    let moving = {
        let (one, admin, authority) = (one.clone(), fed.admin.clone(), slow.base.clone());
        tokio::spawn(async move { put(&one, &admin, json!({"Authority": authority})).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = put(
        &one,
        &fed.admin,
        json!({"Enabled": false, "DisplayName": "Renamed"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let moved = moving.await.unwrap();
    assert_eq!(moved.status, 200, "{}", moved.text);

    let now = api_get(&one, &fed.admin).await.body;
    assert_eq!(now["Authority"], slow.base);
    assert_eq!(now["Enabled"], false, "{now}");
    assert_eq!(now["DisplayName"], "Renamed", "{now}");
}

/// Every federated sign-in that reaches a tenant's provider is audited with where it came from
/// (SPEC §13.2): a refused one as signin.failed, a completed one as signin.succeeded.
#[tokio::test]
async fn federated_sign_ins_are_audited_with_their_origin() {
    let fed = Fed::new().await;
    let rogue = Rogue::start(fed.rp.ctx.now()).await;
    fed.add_rogue(&rogue, true).await;
    let events = |action: &'static str| {
        let (url, admin) = (
            fed.rp.api(&format!("/AuditEvents?action={action}")),
            fed.admin.clone(),
        );
        async move {
            let r = api_get(&url, &admin).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body.as_array().unwrap().clone()
        }
    };

    rogue.set(|s| s.defect = Defect::WrongNonce);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_eq!(page.status, 400, "{}", page.text);
    let failed = events("signin.failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    crate::audit::assert_security(&failed[0], "signin.failed", "anonymous", None, "failure");

    rogue.set(|s| s.defect = Defect::None);
    let (_, page) = fed.rogue_round(&browser(), &rogue).await;
    assert_eq!(page.status, 302, "{}", page.text);
    let user = fed
        .users()
        .await
        .into_iter()
        .find(|u| u["ExternalUserId"] == ROGUE_SUB)
        .unwrap();
    let id = user["Id"].as_str().unwrap();
    let succeeded = events("signin.succeeded").await;
    let mine: Vec<&Value> = succeeded.iter().filter(|e| e["Actor"] == id).collect();
    assert_eq!(mine.len(), 1, "{succeeded:?}");
    crate::audit::assert_security(mine[0], "signin.succeeded", id, Some(id), "success");
}

/// An invitation that stopped being usable while its person was signing in upstream (here: the
/// administrator renewed it, so the old code is void) ends on the invitation's own words, not
/// on a page about an application; nothing is bound or accepted.
#[tokio::test]
async fn an_invitation_voided_during_the_upstream_sign_in_is_refused_in_its_own_words() {
    let fed = Fed::new().await;
    let op = Upstream::new(&fed.rp).await;
    let idp = fed.add_upstream(&op, false).await;
    let r = api_post(
        &fed.rp.api("/Users"),
        &fed.admin,
        json!({"Email": "late@downstream.example", "IdentityProviderId": idp}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.body["Id"].as_str().unwrap().to_owned();
    let invitation_path = fed.rp.api(&format!("/Users/{user}/Invitation"));
    let r = api_post(&invitation_path, &fed.admin, json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let link_url = r.body["InvitationUrl"].as_str().unwrap().to_owned();

    let b = browser();
    let page = get(&b, &link_url).await;
    let href = link(&page.text, &format!("Sign in with {IDP_NAME}")).unwrap();
    let away = get(&b, &fed.rp.url(&href)).await;
    assert_eq!(away.status, 302, "{}", away.text);
    let callback = op.sign_in(&b, away.location()).await;
    // Renewed meanwhile: a new code, the one this sign-in carries is void.
    let r = put(&invitation_path, &fed.admin, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let back = get(&b, &callback).await;
    assert_refused(
        &back,
        400,
        "The invitation is unknown, has expired or was already used.",
    );
    assert!(!back.text.contains("application"), "{}", back.text);
    let u = api_get(&fed.rp.api(&format!("/Users/{user}")), &fed.admin).await;
    assert_eq!(u.body["ExternalUserId"], Value::Null);
}
