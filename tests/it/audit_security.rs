//! The audit trail's security events (SPEC §13.2): sign-in success, failure and throttling,
//! consent, a replayed code and a reused refresh token, each in the transaction that counts or
//! revokes; the command line's changes (actor `cli`; signing keys server-wide); the retention
//! purge.

use crate::audit::{
    admin_user_id, all_events, assert_no_secret_in_any_event, assert_security, events, str_of,
    Trail,
};
use crate::harness::{post, TestServer};
use serde_json::{json, Value};

#[tokio::test]
async fn sign_ins_consent_and_a_replayed_code_are_security_events() {
    use crate::signin::{browser, get as page, pkce, post_login, Fixture};
    let f = Fixture::new().await;
    let server = &f.server;
    let token = server.admin_token().await;
    let user = admin_user_id(server, &token).await;
    let mut seen = vec![
        f.password.clone(),
        token.clone(),
        server.admin.admin_client_secret.clone(),
    ];
    let before = events(server, &token).await.len();
    let b = browser();
    let p = pkce();
    seen.push(p.verifier.clone());
    let login = page(&b, &f.authorize_url(&p, &[])).await;

    // A password typed into the e-mail field: an unknown account, never written down.
    let r = post_login(server, &b, &login, &f.password, "x").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = events(server, &token).await;
    assert_eq!(list.len(), before + 1);
    assert_security(&list[0], "signin.failed", "anonymous", None, "failure");
    // A wrong password for a known account: the account is named, the password is not.
    let wrong = "not the right password at all".to_owned();
    seen.push(wrong.clone());
    let r = post_login(server, &b, &login, f.email(), &wrong).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = events(server, &token).await;
    assert_eq!(list.len(), before + 2);
    assert_security(&list[0], "signin.failed", &user, Some(&user), "failure");

    // Signing in and allowing: two events; the code, once redeemed, once replayed.
    let code = f.code_after_consent(&b, &p).await;
    seen.push(code.clone());
    let list = events(server, &token).await;
    assert_eq!(list.len(), before + 4, "{list:#?}");
    assert_security(
        &list[0],
        "consent.given",
        &user,
        Some(&f.client_id),
        "success",
    );
    assert_security(&list[1], "signin.succeeded", &user, Some(&user), "success");
    let (status, tokens) = f.exchange(&code, &p.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    for k in ["access_token", "id_token"] {
        seen.push(str_of(&tokens, k));
    }
    assert_eq!(events(server, &token).await.len(), before + 4);
    let (status, replay) = f.exchange(&code, &p.verifier).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let list = events(server, &token).await;
    assert_eq!(list.len(), before + 5);
    assert_security(
        &list[0],
        "code.replayed",
        &f.client_id,
        Some(&user),
        "failure",
    );

    // Deny is recorded too.
    let b2 = browser();
    let p2 = pkce();
    let login = page(&b2, &f.authorize_url(&p2, &[("prompt", "consent")])).await;
    let after = post_login(server, &b2, &login, f.email(), &f.password).await;
    assert_eq!(after.status, 302, "{}", after.text);
    let consent = page(&b2, after.location()).await;
    let denied = crate::signin::post_consent(server, &b2, &consent, "deny", false).await;
    assert_eq!(denied.status, 302, "{}", denied.text);
    let list = events(server, &token).await;
    assert_security(
        &list[0],
        "consent.denied",
        &user,
        Some(&f.client_id),
        "failure",
    );
    assert_no_secret_in_any_event(server, &seen).await;
}

#[tokio::test]
async fn throttled_sign_ins_are_recorded_instead_of_failures() {
    use crate::signin::{browser, get as page, post};
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let b = browser();
    let login = page(
        &b,
        &server.url("/identity/account/login?return_url=/portal"),
    )
    .await;
    let (mut invalid, mut throttled) = (0, 0);
    let guess = "guessing the password".to_owned();
    for _ in 0..8 {
        let r = post(
            &b,
            &server.url("/identity/account/login"),
            &[
                ("username", server.admin.admin_email.as_str()),
                ("password", &guess),
                ("return_url", "/portal"),
                ("csrf", &login.hidden("csrf")),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        if r.text.contains("Too many failed attempts") {
            throttled += 1;
        } else {
            assert!(r.text.contains("Invalid email or password."), "{}", r.text);
            invalid += 1;
        }
    }
    assert!(
        throttled > 0 && invalid > 0,
        "{invalid} invalid, {throttled} throttled"
    );
    let list = events(&server, &token).await;
    let count = |action: &str| list.iter().filter(|e| e["Action"] == action).count();
    assert_eq!(count("signin.failed"), invalid);
    assert_eq!(count("signin.throttled"), throttled);
    let e = list
        .iter()
        .find(|e| e["Action"] == "signin.throttled")
        .unwrap();
    assert_security(e, "signin.throttled", "anonymous", None, "failure");
    assert_no_secret_in_any_event(&server, &[guess, token]).await;
}

#[tokio::test]
async fn a_reused_refresh_token_is_a_security_event_in_the_revoking_transaction() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let redirect = "https://web.example/signin-oidc";
    let r = post(
        &server.api("/HybridClients"),
        &token,
        json!({"Name": "web", "RedirectUris": [redirect], "AllowOfflineAccess": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client = r.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = str_of(&r.body, "Secret");
    let user = admin_user_id(&server, &token).await;
    let code =
        crate::harness::plant_code(&server, &client, redirect, &user, "openid offline_access")
            .await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    let first = server.token_request(&client, &secret, &form).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let old = str_of(&first.body, "refresh_token");
    let refresh = |rt: String| {
        let (server, client, secret) = (&server, client.clone(), secret.clone());
        async move {
            server
                .token_request(
                    &client,
                    &secret,
                    &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
                )
                .await
        }
    };
    let second = refresh(old.clone()).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let before = events(&server, &token).await.len();
    // A retry within the grace window is no reuse.
    assert_eq!(refresh(old.clone()).await.status, 200);
    assert_eq!(events(&server, &token).await.len(), before);
    server.clock().advance(11);
    let reused = refresh(old.clone()).await;
    assert_eq!(reused.status, 400, "{}", reused.text);
    let list = events(&server, &token).await;
    assert_eq!(list.len(), before + 1);
    assert_security(
        &list[0],
        "refresh.reuse_detected",
        &client,
        Some(&user),
        "failure",
    );
    let mut seen = vec![
        token,
        secret,
        code,
        old,
        str_of(&second.body, "refresh_token"),
    ];
    seen.push(str_of(&first.body, "access_token"));
    seen.push(str_of(&second.body, "access_token"));
    assert_no_secret_in_any_event(&server, &seen).await;
}

/// Runs the built binary against the test server's database and key directory; returns
/// (exit code, stdout, stderr).
async fn cli(server: &TestServer, args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let config = &server.ctx.config;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    cmd.current_dir(std::env::temp_dir())
        .env_remove("PORTCULLIS_CONFIG")
        .env("RUST_LOG", "warn")
        .arg("--database-url")
        .arg(&config.database_url)
        .arg("--keys-dir")
        .arg(&config.keys_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("run portcullis");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn command_line_changes_are_recorded_with_the_cli_actor() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let tenant = server.admin.tenant_id.clone();
    let mut t = Trail::new(&server, &token, "cli").await;

    // `user add`: one event in the tenant, by `cli`, with no address or request.
    let password = "the operator's chosen password";
    let (code, out, err) = cli(
        &server,
        &[
            "user",
            "add",
            "--tenant",
            &tenant,
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        password,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let user: Value = serde_json::from_str(&out).unwrap();
    let list = events(&server, &token).await;
    assert_eq!(list.len(), t.seen + 1, "{list:#?}");
    t.seen += 1;
    let e = &list[0];
    assert_eq!(
        (&e["Action"], &e["Actor"]),
        (&json!("user.created"), &json!("cli"))
    );
    assert_eq!(e["TargetId"], user["Id"]);
    assert_eq!(
        (&e["ClientAddress"], &e["RequestId"]),
        (&Value::Null, &Value::Null)
    );
    // A refused command writes nothing.
    let (code, _, _) = cli(
        &server,
        &[
            "user",
            "add",
            "--tenant",
            &tenant,
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        password,
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(events(&server, &token).await.len(), t.seen);

    // `tenant create`: the new tenant's event, not this tenant's.
    let (code, out, err) = cli(&server, &["tenant", "create", "--name", "Second"], "").await;
    assert_eq!(code, 0, "{err}");
    let second: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(events(&server, &token).await.len(), t.seen);
    let all = all_events(&server).await;
    let created = all.last().unwrap();
    assert_eq!(created.event.action.as_str(), "tenant.created");
    assert_eq!(created.event.actor, "cli");
    assert_eq!(
        created.event.tenant_id.as_ref().map(|t| t.as_str()),
        second["Id"].as_str()
    );

    // `keys rotate` / `keys retire`: server-wide events (no tenant), shown by no tenant's API.
    let (code, out, err) = cli(&server, &["keys", "rotate", "--alg", "ES256"], "").await;
    assert_eq!(code, 0, "{err}");
    let rotated: Value = serde_json::from_str(&out).unwrap();
    let kid = rotated[0]["kid"].as_str().unwrap().to_owned();
    let (code, _, err) = cli(&server, &["keys", "retire", &kid], "").await;
    assert_eq!(code, 0, "{err}");
    let all = all_events(&server).await;
    let keys: Vec<(&str, Option<&str>, &str)> = all
        .iter()
        .filter(|r| r.event.tenant_id.is_none())
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.target_id.as_deref(),
                r.event.actor.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("key.rotated", Some(kid.as_str()), "cli"),
            ("key.retired", Some(kid.as_str()), "cli")
        ]
    );
    assert_eq!(events(&server, &token).await.len(), t.seen);
    assert_no_secret_in_any_event(&server, &[token, password.to_owned()]).await;
}

#[tokio::test]
async fn events_past_the_retention_are_purged_in_batches() {
    use portcullis::domain::audit::{AuditAction, AuditEvent};
    use portcullis::domain::TenantId;
    let server = TestServer::spawn().await;
    let ctx = server.ctx.clone();
    let days = ctx.config.audit_retention_days;
    let now = ctx.now();
    let tenant = TenantId::parse(&server.admin.tenant_id).unwrap();
    let batch = portcullis::service::upkeep::PURGE_BATCH;
    let old = batch as usize + 3;
    let purged = tokio::task::spawn_blocking(move || {
        ctx.store
            .write(|c| -> Result<(), portcullis::store::StoreError> {
                for i in 0..old {
                    let at = now - days * 86_400 - 1 - i as i64;
                    let e = AuditEvent::cli(Some(&tenant), AuditAction::RoleCreated, "old", at);
                    portcullis::store::audit::record(c, &e)?;
                }
                let edge = now - days * 86_400;
                let e = AuditEvent::cli(Some(&tenant), AuditAction::RoleCreated, "edge", edge);
                portcullis::store::audit::record(c, &e)
            })
            .unwrap();
        let first = portcullis::service::upkeep::purge_expired(&ctx).unwrap();
        let second = portcullis::service::upkeep::purge_expired(&ctx).unwrap();
        let third = portcullis::service::upkeep::purge_expired(&ctx).unwrap();
        (first, second, third)
    })
    .await
    .unwrap();
    assert_eq!(purged, (batch as usize, 3, 0));
    let left: Vec<String> = all_events(&server)
        .await
        .into_iter()
        .filter_map(|r| r.event.target_id)
        .collect();
    assert_eq!(left, [server.admin.tenant_id.clone(), "edge".to_owned()]);
    // A day later the edge event goes too.
    server.clock().advance(86_400);
    let ctx = server.ctx.clone();
    let n = tokio::task::spawn_blocking(move || portcullis::service::upkeep::purge_expired(&ctx))
        .await
        .unwrap()
        .unwrap();
    assert!(n >= 1);
    let left = all_events(&server).await;
    assert!(left
        .iter()
        .all(|r| r.event.target_id.as_deref() != Some("edge")));
}
