//! A real browser against the real server: Debian's Chromium, driven through a `chromedriver` that
//! this test starts and stops, by `fantoccini` (the machinery is in `webdriver`). A small
//! single-page application (plain HTML and inline JavaScript, served from a second loopback origin)
//! signs in with the authorization code flow and PKCE S256 (SPEC §4.3) through the login and
//! consent pages, found by their accessible names as a person would (§5); it redeems the code with
//! a cross-origin `fetch` (CORS, §7), renews its token silently from a hidden iframe with
//! `prompt=none`, reads the management API (`GET /api/v1/Tenants/{tenantId}` and the client list,
//! with its `Total-Count` header) with `fetch` and its bearer token (CORS on the management API,
//! §7), signs out through the end-session endpoint (§4.5), after which silent renewal answers
//! `login_required`. Finally a page on an origin no client registered sees the browser block its
//! `fetch` to the token endpoint and to the management API.
//!
//! CAUTION: the SPA is served from `http://127.0.0.1:<port>`, the same *site* as the server
//! (`http://127.0.0.1:<another port>`: a site ignores the port), so the server's `SameSite=Lax`
//! session cookie reaches the authorize endpoint inside the hidden iframe. A SPA on another site
//! needs `PORTCULLIS_COOKIE_SAMESITE=none`, which requires `Secure` cookies and so https; silent
//! renewal across sites over plain http cannot work and is not what this test shows. The
//! unregistered origin is `http://localhost:<port>`: another origin (and site) on loopback.
//!
//! The test is skipped (and passes, saying so) only when `/usr/bin/chromedriver` is absent and
//! `PORTCULLIS_REQUIRE_BROWSER` is not set; CI sets it, so CI can never skip silently.

use crate::harness::{http, TestServer};
use crate::webdriver::{
    browser_available, button, click_button, labelled, run_flow, screenshot, screenshot_dir,
    text_of_body, wait_for, where_we_are, Driver, STEP,
};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest the whole browser flow may take.
const WHOLE_FLOW: Duration = Duration::from_secs(150);
const CLIENT_NAME: &str = "Browser test SPA";

#[tokio::test]
async fn a_single_page_app_signs_in_renews_silently_and_signs_out_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let started = Instant::now();
    let server = TestServer::spawn().await;

    let spa_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let spa = format!(
        "http://127.0.0.1:{}",
        spa_listener.local_addr().unwrap().port()
    );
    let stranger_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stranger = format!(
        "http://localhost:{}",
        stranger_listener.local_addr().unwrap().port()
    );
    let client_id = create_spa_client(&server, &spa).await;

    let scenario = Scenario {
        spa: spa.clone(),
        stranger: stranger.clone(),
        server_origin: server.base.clone(),
        token_url: server.token_url(),
        tenant_url: server.api(""),
        tenant_id: server.admin.tenant_id.clone(),
        client_id: client_id.clone(),
        email: "admin@localhost".to_owned(),
        password: server.admin.admin_password.clone(),
        screenshots: screenshot_dir("browser-screenshots"),
    };
    let config = json!({
        "issuer": server.issuer(),
        "authorizeEndpoint": server.url("/identity/connect/authorize"),
        "tokenEndpoint": server.token_url(),
        "endSessionEndpoint": server.url("/identity/connect/endsession"),
        "discovery": server.url("/identity/.well-known/openid-configuration"),
        "clientId": client_id,
        "origin": spa,
        "tenantUrl": server.url(&format!("/api/v1/Tenants/{}", server.admin.tenant_id)),
    });
    let spa_html = SPA_PAGE.replace("__CONFIG__", &config.to_string());
    let _spa_site = StaticSite::start(
        spa_listener,
        HashMap::from([
            ("/app".to_owned(), spa_html.clone()),
            ("/callback.html".to_owned(), spa_html),
            ("/silent.html".to_owned(), SILENT_PAGE.to_owned()),
        ]),
    );
    let _stranger_site = StaticSite::start(
        stranger_listener,
        HashMap::from([(
            "/".to_owned(),
            STRANGER_PAGE.replace("__CONFIG__", &config.to_string()),
        )]),
    );

    let mut driver = Driver::start();
    let browser = driver.connect().await;
    let browser_started = Instant::now();

    run_flow(
        &mut driver,
        browser.clone(),
        WHOLE_FLOW,
        sign_in_renew_sign_out(browser, scenario.clone()),
    )
    .await;

    // The browser's refusal above is CORS, not a network failure: the server answered that very
    // request, only without `Access-Control-Allow-Origin` for the stranger.
    for (origin, allowed) in [(&scenario.stranger, false), (&scenario.spa, true)] {
        let res = http()
            .post(&scenario.token_url)
            .header("Origin", origin.as_str())
            .form(&bogus_code_exchange(&scenario))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "bogus code from {origin}");
        let acao = res
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "bogus code from {origin}");
        if allowed {
            assert_eq!(acao.as_deref(), Some(origin.as_str()), "registered origin");
        } else {
            assert_eq!(acao, None, "unregistered origin {origin} got CORS access");
        }
    }
    // Likewise the management API: the stranger's preflight was answered, without CORS access.
    for (origin, allowed) in [(&scenario.stranger, false), (&scenario.spa, true)] {
        let res = http()
            .request(reqwest::Method::OPTIONS, &scenario.tenant_url)
            .header("Origin", origin.as_str())
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        let acao = res.headers().get("access-control-allow-origin");
        assert_eq!(acao.is_some(), allowed, "API preflight from {origin}");
    }
    eprintln!(
        "browser flow passed: {:.1?} in the browser, {:.1?} in all; screenshots in {}",
        browser_started.elapsed(),
        started.elapsed(),
        scenario.screenshots.display()
    );
}

/// What the flow needs to know, owned so that it can run as its own task (a panic there is caught
/// by its `JoinHandle`, and the browser is still shut down).
#[derive(Clone)]
struct Scenario {
    spa: String,
    stranger: String,
    server_origin: String,
    token_url: String,
    tenant_url: String,
    tenant_id: String,
    client_id: String,
    email: String,
    password: String,
    screenshots: PathBuf,
}

async fn sign_in_renew_sign_out(c: Client, s: Scenario) {
    // The SPA, signed out, sends the person to the server.
    c.goto(&format!("{}/app", s.spa)).await.unwrap();
    wait_for_text(&c, "status", "the SPA to load", |t| t == "signed out").await;
    click_button(&c, "Sign in").await;

    // Login page (SPEC §5), on the server's origin.
    let email = wait_for(&c, &labelled("Email"), "the login page's Email field").await;
    assert_eq!(origin_of(&c).await, s.server_origin, "login page origin");
    assert_eq!(
        email.attr("name").await.unwrap().as_deref(),
        Some("username")
    );
    assert_page_mentions(&c, CLIENT_NAME, "login page").await;
    screenshot(&c, &s.screenshots, "login.png").await;
    email.send_keys(&s.email).await.unwrap();
    let password = wait_for(&c, &labelled("Password"), "the Password field").await;
    assert_eq!(
        password.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    password.send_keys(&s.password).await.unwrap();
    click_button(&c, "Sign in").await;

    // Consent page: the decision is remembered by default, which silent renewal relies on.
    let allow = wait_for(&c, &button("Allow"), "the consent page's Allow button").await;
    assert_eq!(origin_of(&c).await, s.server_origin, "consent page origin");
    wait_for(&c, &button("Deny"), "the consent page's Deny button").await;
    let remember = wait_for(&c, &labelled("Remember my decision"), "Remember checkbox").await;
    assert!(
        remember.is_selected().await.unwrap(),
        "'Remember my decision' must be checked by default"
    );
    assert_page_mentions(&c, CLIENT_NAME, "consent page").await;
    screenshot(&c, &s.screenshots, "consent.png").await;
    allow.click().await.unwrap();

    // Back on the SPA: it checked state, iss and nonce and redeemed the code with `fetch`.
    let status = wait_for_text(&c, "status", "the SPA to be signed in", |t| {
        t.starts_with("signed in as ")
    })
    .await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/callback.html");
    assert_eq!(origin_of(&c).await, s.spa);
    screenshot(&c, &s.screenshots, "signed-in.png").await;
    let first = shown_json(&c, "claims").await;
    let sub = status.trim_start_matches("signed in as ").to_owned();
    assert_eq!(first["sub"], sub.as_str());
    assert_eq!(first["client_id"], s.client_id.as_str());
    assert_eq!(first["aud"], "ocsapi");
    assert_eq!(first["tid"], s.tenant_id.as_str());
    for scope in ["openid", "profile", "ocsapi"] {
        assert!(
            first["scope"]
                .as_str()
                .is_some_and(|v| v.split(' ').any(|x| x == scope)),
            "scope {scope} missing: {first}"
        );
    }
    assert!(first["sid"].is_string(), "sid missing: {first}");
    let id_token = shown_json(&c, "id-claims").await;
    assert_eq!(id_token["aud"], s.client_id.as_str());
    assert_eq!(id_token["sub"], sub.as_str());
    // The access token the browser holds opens the management API (the user is a tenant member).
    let token = c
        .execute("return sessionStorage.getItem('access_token')", vec![])
        .await
        .unwrap();
    let res = http()
        .get(&s.tenant_url)
        .bearer_auth(token.as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the SPA's access token on the API");
    // ...and the SPA itself reads the tenant and its client list cross-origin with `fetch`.
    click_button(&c, "Read tenant").await;
    let api = wait_for_text(&c, "api", "the SPA's management API calls", |t| {
        t.starts_with("tenant ")
    })
    .await;
    assert_eq!(
        api,
        format!(
            "tenant {}: 1 authorization code client(s) of 1",
            s.tenant_id
        ),
        "what the SPA read"
    );
    screenshot(&c, &s.screenshots, "api.png").await;

    // Silent renewal: a hidden iframe, no page shown, a new token for the same session.
    click_button(&c, "Renew").await;
    wait_for_text(&c, "renew", "silent renewal", |t| t == "renewed").await;
    assert_eq!(
        c.current_url().await.unwrap(),
        url,
        "renewal navigated away"
    );
    assert_eq!(
        c.windows().await.unwrap().len(),
        1,
        "renewal opened a window"
    );
    let frame_visible = c
        .find(Locator::Id("renew"))
        .await
        .unwrap()
        .attr("data-frame-visible")
        .await
        .unwrap();
    assert_eq!(frame_visible.as_deref(), Some("false"), "the iframe showed");
    let renewed = shown_json(&c, "claims").await;
    assert_ne!(
        renewed["jti"], first["jti"],
        "renewal returned the old token"
    );
    for same in ["sub", "sid", "auth_time", "client_id"] {
        assert_eq!(renewed[same], first[same], "{same} changed on renewal");
    }

    // Sign out: a valid id_token_hint for the current session ends it and redirects at once to
    // the registered post-logout URI with the SPA's state (no confirmation page, SPEC §4.5).
    click_button(&c, "Sign out").await;
    wait_for_text(&c, "status", "the SPA after sign-out", |t| {
        t == "signed out"
    })
    .await;
    let url = c.current_url().await.unwrap();
    assert_eq!(origin_of(&c).await, s.spa, "sign-out redirected elsewhere");
    assert_eq!(url.path(), "/app");

    // Without a session, prompt=none gets login_required, still without a page.
    click_button(&c, "Renew").await;
    wait_for_text(&c, "renew", "renewal after sign-out", |t| {
        t == "renew failed: login_required"
    })
    .await;
    assert_eq!(c.current_url().await.unwrap(), url);

    // A page on an origin no client registered: the server is reachable from it (discovery
    // allows any origin), but the browser blocks its token request.
    c.goto(&format!("{}/", s.stranger)).await.unwrap();
    wait_for_text(&c, "control", "the stranger's discovery fetch", |t| {
        t == "reachable"
    })
    .await;
    wait_for_text(&c, "result", "the stranger's token fetch", |t| {
        t == "blocked"
    })
    .await;
    wait_for_text(&c, "api", "the stranger's management API fetch", |t| {
        t == "blocked"
    })
    .await;
}

fn bogus_code_exchange(s: &Scenario) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "authorization_code".to_owned()),
        ("client_id", s.client_id.clone()),
        ("code", "bogus".to_owned()),
        ("redirect_uri", format!("{}/callback.html", s.spa)),
        ("code_verifier", "x".repeat(43)),
    ]
}

/// Creates the SPA's authorization-code client; returns its Id.
async fn create_spa_client(server: &TestServer, spa: &str) -> String {
    let res = http()
        .post(server.api("/AuthorizationCodeClients"))
        .bearer_auth(server.admin_token().await)
        .json(&json!({
            "Name": CLIENT_NAME,
            "RedirectUris": [format!("{spa}/callback.html"), format!("{spa}/silent.html")],
            "PostLogoutRedirectUris": [format!("{spa}/app")],
            "AllowedCorsOrigins": [spa],
            "ClientUri": format!("{spa}/app"),
        }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "creating the SPA client: {body}");
    body["Id"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Finding things as a person would, and waiting for them (every wait bounded by `STEP`).

/// Waits until the element with `id` has a text that satisfies `done`; returns that text. A text
/// starting with `error:` or `renew failed:` that does not satisfy `done` fails at once.
async fn wait_for_text(c: &Client, id: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let text = text_of(c, id).await;
        if done(&text) {
            return text;
        }
        let failed = text.starts_with("error:") || text.starts_with("renew failed:");
        if failed || Instant::now() >= deadline {
            panic!(
                "waiting for {what}: #{id} says {text:?}; {}",
                where_we_are(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(c: &Client, id: &str) -> String {
    match c.find(Locator::Id(id)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn origin_of(c: &Client) -> String {
    c.current_url()
        .await
        .unwrap()
        .origin()
        .ascii_serialization()
}

async fn assert_page_mentions(c: &Client, needle: &str, what: &str) {
    let text = text_of_body(c).await;
    assert!(
        text.contains(needle),
        "the {what} does not show {needle:?}: {text:?}"
    );
}

/// The JSON the SPA shows in the element `id` (read whole, whatever the layout clips).
async fn shown_json(c: &Client, id: &str) -> Value {
    let text = c
        .execute(
            "return document.getElementById(arguments[0]).textContent",
            vec![json!(id)],
        )
        .await
        .unwrap();
    serde_json::from_str(text.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("#{id} does not hold JSON ({e}): {text}"))
}

// ---------------------------------------------------------------------------------------------
// A tiny static web server for the SPA and the stranger's page.

/// Serves fixed pages by path (query ignored) over HTTP/1.1, one thread per connection, until
/// dropped.
struct StaticSite {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StaticSite {
    fn start(listener: TcpListener, pages: HashMap<String, String>) -> StaticSite {
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let pages = Arc::new(pages);
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let pages = pages.clone();
                    std::thread::spawn(move || serve_one(stream, &pages));
                }
            }
        });
        StaticSite {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, pages: &HashMap<String, String>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let target = request.split(' ').nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let (status, body) = match pages.get(path) {
        Some(page) => ("200 OK", page.as_str()),
        None => ("404 Not Found", "not found"),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

// ---------------------------------------------------------------------------------------------
// The pages. `__CONFIG__` is replaced by a JSON object of endpoints, client id and SPA origin.

/// The SPA, served at `/app` and `/callback.html`.
const SPA_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test SPA</title>
<style>pre { white-space: pre-wrap; word-break: break-all; }</style></head>
<body>
<h1>Test SPA</h1>
<p id="status">loading</p>
<p id="renew" data-frame-visible=""></p>
<p>Access token: <span id="token">none</span> <code id="jti"></code></p>
<p><button type="button" id="sign-in">Sign in</button>
   <button type="button" id="renew-button">Renew</button>
   <button type="button" id="read-tenant">Read tenant</button>
   <button type="button" id="sign-out">Sign out</button></p>
<p id="api"></p>
<pre id="claims"></pre>
<pre id="id-claims"></pre>
<script>
const CFG = __CONFIG__;
const $ = (id) => document.getElementById(id);

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function randomString(n) {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return b64url(a);
}
function claimsOf(jwt) {
  const p = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(p + '==='.slice((p.length + 3) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0))));
}

// Authorization request with PKCE S256, state and nonce (RFC 7636, OIDC Core 3.1.2.1).
async function authorizeUrl(redirectUri, extra) {
  const verifier = randomString(32), state = randomString(16), nonce = randomString(16);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem('request:' + state, JSON.stringify({ verifier, nonce, redirectUri }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: CFG.clientId, redirect_uri: redirectUri,
    scope: 'openid profile ocsapi', state, nonce,
    code_challenge: b64url(digest), code_challenge_method: 'S256', ...extra,
  });
  return CFG.authorizeEndpoint + '?' + q.toString();
}

// Checks an authorization response (state, RFC 9207 iss, error) and redeems its code.
async function redeem(params) {
  const state = params.get('state');
  const saved = state && JSON.parse(sessionStorage.getItem('request:' + state) || 'null');
  if (!saved) throw new Error('unknown state');
  sessionStorage.removeItem('request:' + state);
  if (params.get('iss') !== CFG.issuer) throw new Error('wrong iss: ' + params.get('iss'));
  if (params.get('error')) throw new Error(params.get('error'));
  const res = await fetch(CFG.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: CFG.clientId, code: params.get('code'),
      redirect_uri: saved.redirectUri, code_verifier: saved.verifier,
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error('token endpoint: ' + (body.error || res.status));
  if (!body.access_token || !body.id_token) throw new Error('token response lacks tokens');
  if (body.refresh_token) throw new Error('a public client got a refresh token');
  const id = claimsOf(body.id_token);
  if (id.nonce !== saved.nonce) throw new Error('nonce mismatch');
  if (id.iss !== CFG.issuer) throw new Error('id token iss mismatch');
  sessionStorage.setItem('access_token', body.access_token);
  sessionStorage.setItem('id_token', body.id_token);
}

function show() {
  const at = sessionStorage.getItem('access_token');
  if (!at) {
    $('status').textContent = 'signed out';
    $('token').textContent = 'none';
    $('jti').textContent = $('claims').textContent = $('id-claims').textContent = '';
    return;
  }
  const c = claimsOf(at);
  $('status').textContent = 'signed in as ' + c.sub;
  $('token').textContent = 'present';
  $('jti').textContent = c.jti;
  $('claims').textContent = JSON.stringify(c);
  $('id-claims').textContent = JSON.stringify(claimsOf(sessionStorage.getItem('id_token')));
}

// Runs the authorize request in a hidden iframe; resolves with the response parameters that
// /silent.html posts back.
function silently(url) {
  return new Promise((resolve, reject) => {
    const frame = document.createElement('iframe');
    frame.title = 'silent renewal';
    frame.style.display = 'none';
    const timer = setTimeout(() => { done(); reject(new Error('timeout')); }, 10000);
    function done() {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      $('renew').dataset.frameVisible = String(frame.offsetWidth > 0 || frame.offsetHeight > 0);
      frame.remove();
    }
    function onMessage(ev) {
      if (ev.origin !== CFG.origin || ev.source !== frame.contentWindow) return;
      done();
      resolve(new URLSearchParams(ev.data));
    }
    window.addEventListener('message', onMessage);
    frame.src = url;
    document.body.appendChild(frame);
  });
}

$('sign-in').addEventListener('click', async () => {
  location.assign(await authorizeUrl(CFG.origin + '/callback.html', {}));
});
$('renew-button').addEventListener('click', async () => {
  $('renew').textContent = 'renewing';
  try {
    await redeem(await silently(await authorizeUrl(CFG.origin + '/silent.html', { prompt: 'none' })));
    show();
    $('renew').textContent = 'renewed';
  } catch (e) {
    $('renew').textContent = 'renew failed: ' + e.message;
  }
});
// The management API from the browser (CORS, SPEC §7): the tenant, then the client list, whose
// Total-Count header the server exposes.
async function api(path) {
  const res = await fetch(CFG.tenantUrl + path, {
    headers: { Authorization: 'Bearer ' + sessionStorage.getItem('access_token') },
  });
  if (!res.ok) throw new Error('management API: status ' + res.status);
  return { body: await res.json(), total: res.headers.get('Total-Count') };
}
$('read-tenant').addEventListener('click', async () => {
  $('api').textContent = 'reading';
  try {
    const tenant = (await api('')).body;
    const clients = await api('/AuthorizationCodeClients');
    $('api').textContent = 'tenant ' + tenant.Id + ': ' + clients.body.length +
      ' authorization code client(s) of ' + clients.total;
  } catch (e) {
    $('api').textContent = 'error: ' + e.message;
  }
});
$('sign-out').addEventListener('click', () => {
  const state = randomString(16);
  sessionStorage.setItem('logout_state', state);
  const q = new URLSearchParams({
    id_token_hint: sessionStorage.getItem('id_token') || '',
    post_logout_redirect_uri: CFG.origin + '/app', state,
  });
  location.assign(CFG.endSessionEndpoint + '?' + q.toString());
});

(async () => {
  try {
    const params = new URLSearchParams(location.search);
    if (location.pathname === '/callback.html') {
      await redeem(params);
    } else if (params.has('state')) {
      if (params.get('state') !== sessionStorage.getItem('logout_state')) {
        throw new Error('logout state mismatch');
      }
      for (const k of ['logout_state', 'access_token', 'id_token']) sessionStorage.removeItem(k);
    }
    show();
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
  }
})();
</script>
</body>
</html>
"#;

/// The silent-renewal redirect target: hands the authorization response to the parent.
const SILENT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>silent</title></head>
<body><script>
parent.postMessage(location.search.slice(1) || location.hash.slice(1), location.origin);
</script></body></html>
"#;

/// A page on an unregistered origin: discovery answers any origin, the token endpoint must not.
const STRANGER_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stranger</title></head>
<body>
<p>Discovery: <span id="control">pending</span></p>
<p>Token request: <span id="result">pending</span></p>
<p>Management API: <span id="api">pending</span></p>
<script>
const CFG = __CONFIG__;
const $ = (id) => document.getElementById(id);
(async () => {
  try {
    const r = await fetch(CFG.discovery);
    $('control').textContent = r.ok ? 'reachable' : 'error: status ' + r.status;
  } catch (e) {
    $('control').textContent = 'error: unreachable: ' + e;
  }
  try {
    const r = await fetch(CFG.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', client_id: CFG.clientId, code: 'bogus',
        redirect_uri: CFG.origin + '/callback.html', code_verifier: 'x'.repeat(43),
      }),
    });
    $('result').textContent = 'error: not blocked, status ' + r.status;
  } catch (e) {
    $('result').textContent = e instanceof TypeError ? 'blocked' : 'error: ' + e;
  }
  try {
    const r = await fetch(CFG.tenantUrl, { headers: { Authorization: 'Bearer stolen' } });
    $('api').textContent = 'error: not blocked, status ' + r.status;
  } catch (e) {
    $('api').textContent = e instanceof TypeError ? 'blocked' : 'error: ' + e;
  }
})();
</script>
</body></html>
"#;
