//! Several nodes behave as one server (SPEC §9): two real `portcullis serve` processes on one
//! database (the PostgreSQL test database when given, else one SQLite file) and one key directory.
//! A sign-in hops between them: authorize on A, login and consent on B, token on B, refresh on A,
//! revoke on B; a client disabled on A is refused on B; both publish the same keys and sign with
//! the same active key.

use crate::harness::{call, drop_database, fresh_database, http};
use crate::signin::{browser, get, post};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const REDIRECT: &str = "https://web.example/signin-oidc";

/// A running `portcullis serve`, killed on drop.
struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(dir: &std::path::Path, db: &str, public_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    c.current_dir(dir)
        .env("RUST_LOG", "warn")
        .args(["--database-url", db, "--public-url", public_url])
        .arg("--keys-dir")
        .arg(dir.join("keys"));
    c
}

async fn start(dir: &std::path::Path, db: &str, public_url: &str, port: u16) -> Node {
    let log = std::fs::File::create(dir.join(format!("node-{port}.log"))).unwrap();
    let child = command(dir, db, public_url)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start a node");
    let node = Node {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..150 {
        if let Ok(r) = http().get(format!("{}/healthz", node.base)).send().await {
            if r.status() == 200 {
                return node;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node on {port} did not become healthy in 15 s");
}

#[tokio::test]
async fn two_nodes_on_one_database_behave_as_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let (db, pg_schema) = fresh_database(dir.path());
    let (port_a, port_b) = (free_port(), free_port());
    // Behind a load balancer both nodes have one public URL, so one issuer.
    let public = format!("http://127.0.0.1:{port_a}");
    let issuer = format!("{public}/identity");

    let out = command(dir.path(), &db, &public)
        .args(["bootstrap", "--tenant-name", "Nodes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let admin: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |k: &str| admin[k].as_str().unwrap().to_owned();
    let (tenant, admin_id, admin_secret) =
        (s("TenantId"), s("AdminClientId"), s("AdminClientSecret"));

    let a = start(dir.path(), &db, &public, port_a).await;
    let b = start(dir.path(), &db, &public, port_b).await;
    let api = |node: &Node, path: &str| format!("{}/api/v1/Tenants/{tenant}{path}", node.base);

    // Exactly one active key: both nodes publish the same JWKS, and tokens from either verify on
    // the other.
    let jwks = |n: &Node| {
        http().get(format!(
            "{}/identity/.well-known/openid-configuration/jwks",
            n.base
        ))
    };
    let jwks_a = call(jwks(&a)).await.body;
    let jwks_b = call(jwks(&b)).await.body;
    assert_eq!(jwks_a, jwks_b);
    let token_on = |n: &Node| {
        http()
            .post(format!("{}/identity/connect/token", n.base))
            .basic_auth(&admin_id, Some(&admin_secret))
            .form(&[("grant_type", "client_credentials")])
    };
    let t = call(token_on(&b)).await;
    assert_eq!(t.status, 200, "{}", t.text);
    let admin_token = t.body["access_token"].as_str().unwrap().to_owned();

    // A client created on A, a user created on B.
    let created = call(
        http()
            .post(api(&a, "/HybridClients"))
            .bearer_auth(&admin_token)
            .json(&json!({"Name": "web", "RedirectUris": [REDIRECT], "AllowOfflineAccess": true})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let client = created.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = created.body["Secret"].as_str().unwrap().to_owned();
    let user = call(
        http()
            .post(api(&b, "/Users"))
            .bearer_auth(&admin_token)
            .json(&json!({"Email": "hop@example.com", "Password": "correct horse battery"})),
    )
    .await;
    assert_eq!(user.status, 201, "{}", user.text);

    // Authorize on A; log in and consent on B (cookies are per host, so the browser shares them).
    let browser = browser();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &client)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid ocsapi offline_access")
        .append_pair("state", "hop")
        .finish();
    let login = get(
        &browser,
        &format!("{}/identity/connect/authorize?{query}", a.base),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let signed_in = post(
        &browser,
        &format!("{}/identity/account/login", b.base),
        &[
            ("username", "hop@example.com"),
            ("password", "correct horse battery"),
            ("request", &login.hidden("request")),
            ("csrf", &login.hidden("csrf")),
        ],
    )
    .await;
    assert_eq!(signed_in.status, 302, "{}", signed_in.text);
    let back = signed_in.location().to_owned();
    assert!(back.starts_with(&issuer), "{back}");
    // The session made on B is honoured by A.
    let consent = get(&browser, &back.replace(&public, &a.base)).await;
    assert_eq!(consent.status, 200, "{}", consent.text);
    let answered = post(
        &browser,
        &format!("{}/identity/account/consent", b.base),
        &[
            ("request", &consent.hidden("request")),
            ("csrf", &consent.hidden("csrf")),
            ("decision", "allow"),
            ("remember", "on"),
        ],
    )
    .await;
    assert_eq!(answered.status, 302, "{}", answered.text);
    let location = url::Url::parse(answered.location()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");

    // Token on B, refresh on A, revoke on B, refresh on A refused.
    let token_form = |n: &Node, form: Vec<(&'static str, String)>| {
        http()
            .post(format!("{}/identity/connect/token", n.base))
            .basic_auth(&client, Some(&secret))
            .form(&form)
    };
    let tokens = call(token_form(
        &b,
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
        ],
    ))
    .await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let refresh = tokens.body["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = call(token_form(
        &a,
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh),
        ],
    ))
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let next = refreshed.body["refresh_token"].as_str().unwrap().to_owned();
    let revoked = call(
        http()
            .post(format!("{}/identity/connect/revocation", b.base))
            .basic_auth(&client, Some(&secret))
            .form(&[("token", next.as_str())]),
    )
    .await;
    assert_eq!(revoked.status, 200);
    let refused = call(token_form(
        &a,
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", next),
        ],
    ))
    .await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        refused.text
    );

    // The code is single-use across nodes too.
    let replay = call(token_form(
        &a,
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_owned()),
        ],
    ))
    .await;
    assert_eq!(
        (replay.status, replay.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        replay.text
    );

    // A client disabled on A is refused on B at once.
    let disabled = call(
        http()
            .put(api(&a, &format!("/HybridClients/{client}")))
            .bearer_auth(&admin_token)
            .json(&json!({"Enabled": false})),
    )
    .await;
    assert_eq!(disabled.status, 200);
    let refused = call(token_form(
        &b,
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", "anything".to_owned()),
        ],
    ))
    .await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (401, Some("invalid_client")),
        "{}",
        refused.text
    );

    drop(a);
    drop(b);
    drop_database(&pg_schema);
}
