//! Sign-in throttling and bounded password work (SPEC §8): attempts are counted atomically before
//! the password is checked, keyed per address and per (account, address), an account is slowed but
//! never locked, the client address comes from trusted proxies only, and argon2 runs on a bounded
//! set of threads — beyond it a 503 with `Retry-After`, never a queue.

use crate::harness::{Options, TestServer, TENANT_MEMBER};
use crate::signin::{browser, get, Page};
use serde_json::json;
use std::time::{Duration, Instant};

const INVALID: &str = "Invalid email or password.";
const THROTTLED: &str = "Too many failed attempts.";

/// A test server that believes `X-Forwarded-For` from loopback (as behind a local proxy).
async fn behind_proxy() -> TestServer {
    TestServer::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1/32, ::1".to_owned()),
        ..Options::default()
    })
    .await
}

/// The portal's sign-in page (the identity login with a portal return URL) in browser `b`.
async fn login_page(server: &TestServer, b: &reqwest::Client) -> Page {
    let page = get(b, &server.url("/identity/account/login?return_url=/portal")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    page
}

/// One sign-in attempt, optionally as seen through a proxy from `from`; (status, alert text,
/// Retry-After).
async fn attempt(
    server: &TestServer,
    b: &reqwest::Client,
    page: &Page,
    email: &str,
    password: &str,
    from: Option<&str>,
) -> (u16, String, Option<String>) {
    let mut req = b.post(server.url("/identity/account/login")).form(&[
        ("username", email),
        ("password", password),
        ("return_url", "/portal"),
        ("csrf", &page.hidden("csrf")),
    ]);
    if let Some(addr) = from {
        req = req.header("x-forwarded-for", addr);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    (status, alert_text(&text), retry_after)
}

/// The page's alert message, if any.
fn alert_text(html: &str) -> String {
    html.split_once("role=\"alert\"")
        .and_then(|(_, rest)| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split_once('<'))
        .map(|(text, _)| text.trim().to_owned())
        .unwrap_or_default()
}

fn computations(server: &TestServer) -> u64 {
    server.ctx.passwords.computations()
}

#[tokio::test]
async fn parallel_guesses_are_counted_one_by_one_and_throttled_ones_cost_no_argon2() {
    let server = TestServer::spawn().await;
    let b = browser();
    let page = login_page(&server, &b).await;
    let email = server.admin.admin_email.clone();
    let before = computations(&server);
    let answers = futures_util::future::join_all(
        (0..10).map(|_| attempt(&server, &b, &page, &email, "wrong guess", None)),
    )
    .await;
    let throttled = answers
        .iter()
        .filter(|a| a.1.starts_with(THROTTLED))
        .count();
    // The first five are checked (or turned away as busy: there are only so many password
    // threads); every later one is refused without a check.
    let checked = answers
        .iter()
        .filter(|a| a.1 == INVALID || a.0 == 503)
        .count();
    assert_eq!((checked, throttled), (5, 5), "{answers:?}");
    assert!(
        computations(&server) - before <= 5,
        "throttled attempts ran argon2"
    );

    // While throttled, even the right password costs nothing and does not sign in.
    let before = computations(&server);
    let right = attempt(
        &server,
        &b,
        &page,
        &email,
        &server.admin.admin_password,
        None,
    )
    .await;
    assert!(right.1.starts_with(THROTTLED), "{right:?}");
    assert_eq!(computations(&server), before);
}

#[tokio::test]
async fn one_address_cannot_lock_an_account_out_of_other_addresses() {
    let server = behind_proxy().await;
    let b = browser();
    let page = login_page(&server, &b).await;
    let email = server.admin.admin_email.clone();
    for _ in 0..8 {
        attempt(&server, &b, &page, &email, "wrong", Some("203.0.113.9")).await;
    }
    let attacker = attempt(&server, &b, &page, &email, "wrong", Some("203.0.113.9")).await;
    assert!(attacker.1.starts_with(THROTTLED), "{attacker:?}");
    // The administrator, from their own address, signs in at once.
    let admin = browser();
    let page = login_page(&server, &admin).await;
    let (status, alert, _) = attempt(
        &server,
        &admin,
        &page,
        &email,
        &server.admin.admin_password,
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!((status, alert.as_str()), (302, ""));
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // No trusted proxy: a client naming itself a new address each time is still one address.
    let server = TestServer::spawn().await;
    let b = browser();
    let page = login_page(&server, &b).await;
    let mut last = String::new();
    for n in 0..6 {
        let spoofed = format!("192.0.2.{n}");
        let email = format!("user{n}@example.com");
        last = attempt(&server, &b, &page, &email, "wrong", Some(&spoofed))
            .await
            .1;
    }
    assert!(last.starts_with(THROTTLED), "{last}");
}

#[tokio::test]
async fn an_account_under_attack_is_slowed_but_never_locked() {
    let server = behind_proxy().await;
    let b = browser();
    let page = login_page(&server, &b).await;
    let email = server.admin.admin_email.clone();
    // One guess from each of many addresses: no address is throttled, the account counts them.
    let limit = portcullis::service::credentials::FREE_ACCOUNT_FAILURES;
    for n in 0..limit {
        let from = format!("198.51.100.{n}");
        let (_, alert, _) = attempt(&server, &b, &page, &email, "wrong", Some(&from)).await;
        assert_eq!(alert, INVALID);
    }
    let started = Instant::now();
    let (_, alert, _) = attempt(&server, &b, &page, &email, "wrong", Some("192.0.2.200")).await;
    assert_eq!(alert, INVALID);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "over the account's limit a refusal waits"
    );
    let (status, _, _) = attempt(
        &server,
        &b,
        &page,
        &email,
        &server.admin.admin_password,
        Some("192.0.2.201"),
    )
    .await;
    assert_eq!(status, 302, "the owner still signs in");
}

#[tokio::test]
async fn password_work_is_bounded_and_the_token_endpoint_keeps_answering() {
    let server = behind_proxy().await;
    let b = browser();
    let page = login_page(&server, &b).await;
    // Forty different accounts from forty addresses: nothing is throttled, all need argon2.
    let storm = futures_util::future::join_all((0..40).map(|n| {
        let (email, from) = (format!("u{n}@example.com"), format!("198.51.100.{n}"));
        let (server, b, page) = (&server, &b, &page);
        async move { attempt(server, b, page, &email, "wrong", Some(&from)).await }
    }));
    let token = server.client_credentials(
        &server.admin.admin_client_id,
        &server.admin.admin_client_secret,
    );
    let (answers, token) = tokio::join!(storm, token);
    assert_eq!(token.status, 200, "the token endpoint is not stalled");
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    assert!(
        !busy.is_empty(),
        "some attempts found every password thread busy"
    );
    for a in &answers {
        assert!(a.0 == 200 || a.0 == 503, "{a:?}");
    }
    for a in busy {
        assert_eq!(a.2.as_deref(), Some("1"), "503 carries Retry-After");
    }
}

#[tokio::test]
async fn the_management_api_authorizes_before_it_hashes_a_password() {
    let server = TestServer::spawn().await;
    let member = server.member_token().await;
    let before = computations(&server);
    let r = crate::harness::post(
        &server.api("/Users"),
        &member,
        json!({"Email": "x@example.com", "Password": "a long enough password",
               "RoleIds": [server.role_id(TENANT_MEMBER).await]}),
    )
    .await;
    r.error(403);
    assert_eq!(computations(&server), before, "a 403 costs no hash");
}
