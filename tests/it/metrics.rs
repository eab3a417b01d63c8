//! `/metrics` (SPEC §13.1) as a Prometheus server reads it: a few real requests of every kind, then
//! a scrape, checking each series by its labels and by how much it grew — route templates, never
//! raw paths; tokens by grant type and client kind; refusals by OAuth error code; sign-ins by
//! provider and outcome; throttling; code replays and refresh-token reuse; the pool; the keys and
//! the next rotation; client secrets expiring within 30 days per tenant; build info.

use crate::harness::{call, get, http, plant_code, post, Options, TestServer, TENANT_MEMBER};

const ROTATION_DAYS: i64 = 20_000;
use crate::signin::{browser, Page};
use serde_json::json;
use std::collections::BTreeMap;

const REDIRECT: &str = "https://web.example/signin-oidc";
const TOKEN_ROUTE: &str = "/identity/connect/token";
const LOGIN_ROUTE: &str = "/identity/account/login";

/// One scrape: every sample as (name, labels, value).
struct Scrape {
    text: String,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let samples = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(parse_sample)
            .collect();
        Scrape { text, samples }
    }

    /// The sample with exactly these labels.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == want)
            .map(|(_, _, v)| *v)
    }

    /// A counter's value (absent = 0, as Prometheus reads a series that has not started).
    fn count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }

    /// Every value of the `label` of samples called `name`.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .filter_map(|(_, l, _)| l.get(label).cloned())
            .collect()
    }

    /// Requests counted for a route and method, over every status class.
    fn requests(&self, route: &str, method: &str) -> f64 {
        self.samples
            .iter()
            .filter(|(n, l, _)| {
                n == "portcullis_http_request_duration_seconds_count"
                    && l["route"] == route
                    && l["method"] == method
            })
            .map(|(_, _, v)| v)
            .sum()
    }
}

/// `name{a="x",b="y"} value` (the label values written here need no unescaping).
fn parse_sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let (series, value) = line.rsplit_once(' ').unwrap();
    let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
    let Some((name, labels)) = series.split_once('{') else {
        return (series.to_owned(), BTreeMap::new(), value);
    };
    let mut map = BTreeMap::new();
    let mut rest = labels.strip_suffix('}').unwrap();
    while !rest.is_empty() {
        let (key, tail) = rest.split_once("=\"").unwrap();
        let end = tail.find('"').unwrap();
        map.insert(key.to_owned(), tail[..end].to_owned());
        rest = tail[end + 1..].trim_start_matches(',');
    }
    (name.to_owned(), map, value)
}

async fn scrape(server: &TestServer) -> Scrape {
    let res = http().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    Scrape::parse(res.text().await.unwrap())
}

/// A secret expiry `days` from the server's now, as the API takes it.
fn in_days(server: &TestServer, days: i64) -> String {
    chrono::DateTime::from_timestamp(server.clock().now() + days * 86_400, 0)
        .unwrap()
        .to_rfc3339()
}

/// The login page (portal return URL) in browser `b`.
async fn login_page(server: &TestServer, b: &reqwest::Client) -> Page {
    let page =
        crate::signin::get(b, &server.url("/identity/account/login?return_url=/portal")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    page
}

/// One sign-in attempt; the status and whether the page says the attempt was throttled.
async fn attempt(
    server: &TestServer,
    b: &reqwest::Client,
    page: &Page,
    password: &str,
) -> (u16, bool) {
    let res = b
        .post(server.url(LOGIN_ROUTE))
        .form(&[
            ("username", server.admin.admin_email.as_str()),
            ("password", password),
            ("return_url", "/portal"),
            ("csrf", &page.hidden("csrf")),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, text.contains("Too many failed attempts."))
}

/// A hybrid client allowed refresh tokens, a user, and a planted code for them.
async fn hybrid_code(server: &TestServer, admin: &str) -> (String, String, String) {
    let r = post(
        &server.api("/HybridClients"),
        admin,
        json!({"Name": "web", "RedirectUris": [REDIRECT], "AllowOfflineAccess": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = r.body["Secret"].as_str().unwrap().to_owned();
    let member = server.role_id(TENANT_MEMBER).await;
    let u = post(
        &server.api("/Users"),
        admin,
        json!({"Email": "m@example.com", "Password": "correct horse battery", "RoleIds": [member]}),
    )
    .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let user = u.body["Id"].as_str().unwrap();
    let code = plant_code(server, &id, REDIRECT, user, "openid ocsapi offline_access").await;
    (id, secret, code)
}

#[tokio::test]
async fn a_scrape_counts_each_kind_of_request_by_template_and_outcome() {
    // A period long enough that the template keys (active since 2001) are not due yet.
    let server = TestServer::spawn_with(Options {
        key_rotation_days: Some(ROTATION_DAYS),
        ..Options::default()
    })
    .await;
    let tenant = server.admin.tenant_id.clone();
    let admin = server.admin_token().await;
    let cc = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "reporting", "RoleIds": [server.role_id(TENANT_MEMBER).await],
               "SecretExpirationDate": in_days(&server, 10)}),
    )
    .await;
    assert_eq!(cc.status, 201, "{}", cc.text);
    let cc_id = cc.body["Client"]["Id"].as_str().unwrap().to_owned();
    let cc_secret = cc.body["Secret"].as_str().unwrap().to_owned();
    let (web_id, web_secret, code) = hybrid_code(&server, &admin).await;
    let (a, b) = (browser(), browser());
    let (page_a, page_b) = (login_page(&server, &a).await, login_page(&server, &b).await);

    let before = scrape(&server).await;
    let tenant_secrets = [("tenant", tenant.as_str())];
    assert_eq!(
        before.get("portcullis_client_secrets_expiring", &tenant_secrets),
        Some(1.0),
        "{}",
        before.text
    );

    // Tokens: client_credentials, a wrong secret, a code, a refresh.
    assert_eq!(
        server.client_credentials(&cc_id, &cc_secret).await.status,
        200
    );
    let refused = server.client_credentials(&cc_id, "not-the-secret").await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Refused before the service runs: the body is not a form.
    let not_a_form = call(
        http()
            .post(server.token_url())
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (not_a_form.status, not_a_form.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let tokens = server.token_request(&web_id, &web_secret, &redeem).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let first_rt = tokens.body["refresh_token"].as_str().unwrap().to_owned();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first_rt.as_str()),
    ];
    assert_eq!(
        server
            .token_request(&web_id, &web_secret, &refresh)
            .await
            .status,
        200
    );

    // Sign-ins at the login page: a failure, a success, then failures from the same address until
    // it backs off (the fixed clock never lets the back-off run out).
    assert_eq!(attempt(&server, &a, &page_a, "wrong").await, (200, false));
    assert_eq!(
        attempt(&server, &b, &page_b, &server.admin.admin_password)
            .await
            .0,
        302
    );
    for _ in 0..4 {
        assert_eq!(attempt(&server, &a, &page_a, "wrong").await, (200, false));
    }
    assert!(attempt(&server, &a, &page_a, "wrong").await.1, "throttled");

    // A management API call, a 404 outside any route and one inside the API's scope.
    let list = get(&server.api("/ClientCredentialClients"), &admin).await;
    assert_eq!(list.status, 200);
    let nowhere = http()
        .get(server.url("/nowhere/at/all"))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    assert_eq!(get(&server.api("/NoSuchThing"), &admin).await.status, 404);

    // Past the retry grace: the old refresh token is reused, then the code is replayed.
    server.clock().advance(11);
    let reuse = server.token_request(&web_id, &web_secret, &refresh).await;
    assert_eq!(reuse.body["error"], "invalid_grant", "{}", reuse.text);
    let replay = server.token_request(&web_id, &web_secret, &redeem).await;
    assert_eq!(replay.body["error"], "invalid_grant", "{}", replay.text);
    let second = post(
        &server.api(&format!("/ClientCredentialClients/{cc_id}/Secrets")),
        &admin,
        json!({"Expiration": in_days(&server, 20)}),
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.text);

    let after = scrape(&server).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        after.count(name, labels) - before.count(name, labels)
    };
    let issued = "portcullis_tokens_issued_total";
    let kinds = |g: &'static str, k: &'static str| [("grant_type", g), ("client_kind", k)];
    assert_eq!(
        grew(issued, &kinds("client_credentials", "client_credentials")),
        1.0
    );
    assert_eq!(grew(issued, &kinds("authorization_code", "hybrid")), 1.0);
    assert_eq!(grew(issued, &kinds("refresh_token", "hybrid")), 1.0);
    assert_eq!(
        after.get(issued, &kinds("refresh_token", "authorization_code")),
        Some(0.0)
    );
    let refusals = "portcullis_token_requests_refused_total";
    assert_eq!(grew(refusals, &[("error", "invalid_client")]), 1.0);
    assert_eq!(grew(refusals, &[("error", "invalid_grant")]), 2.0);
    assert_eq!(grew(refusals, &[("error", "invalid_request")]), 1.0);
    assert_eq!(grew("portcullis_refresh_token_reuse_total", &[]), 1.0);
    assert_eq!(grew("portcullis_code_replays_total", &[]), 1.0);

    let sign_ins = "portcullis_sign_ins_total";
    let outcome = |o: &'static str| [("provider", "local"), ("outcome", o)];
    assert_eq!(grew(sign_ins, &outcome("failure")), 5.0);
    assert_eq!(grew(sign_ins, &outcome("success")), 1.0);
    assert_eq!(grew(sign_ins, &outcome("throttled")), 1.0);
    let throttled = "portcullis_sign_in_throttled_total";
    assert_eq!(grew(throttled, &[("throttle", "backoff")]), 1.0);
    assert_eq!(grew(throttled, &[("throttle", "slow_down")]), 0.0);

    // HTTP requests by template, method and status class.
    let http_count = "portcullis_http_request_duration_seconds_count";
    let req = |route: &'static str, method: &'static str, status: &'static str| {
        [("route", route), ("method", method), ("status", status)]
    };
    assert_eq!(grew(http_count, &req(TOKEN_ROUTE, "POST", "2xx")), 3.0);
    assert_eq!(grew(http_count, &req(TOKEN_ROUTE, "POST", "4xx")), 4.0);
    let list_route = "/api/v1/Tenants/{tenantId}/ClientCredentialClients";
    assert_eq!(grew(http_count, &req(list_route, "GET", "2xx")), 1.0);
    assert_eq!(
        grew(
            http_count,
            &req(
                "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets",
                "POST",
                "2xx"
            )
        ),
        1.0
    );
    assert_eq!(
        after.requests(LOGIN_ROUTE, "POST") - before.requests(LOGIN_ROUTE, "POST"),
        7.0
    );
    // Both 404s: the one under the API's scope is not taken for a route of that scope.
    assert_eq!(
        grew(http_count, &req("unmatched", "GET", "4xx")),
        2.0,
        "{}",
        after.text
    );
    // The scrape is counted once it is answered: the first one shows in the second.
    assert_eq!(
        after.requests("/metrics", "GET") - before.requests("/metrics", "GET"),
        1.0
    );
    let routes = after.label_values(http_count, "route");
    assert!(
        routes
            .iter()
            .all(|r| !r.contains(&tenant) && !r.contains(&cc_id) && !r.contains("nowhere")),
        "raw paths in labels: {routes:?}"
    );
    // The histogram's buckets add up to its count.
    let token_2xx = req(TOKEN_ROUTE, "POST", "2xx");
    let mut inf = token_2xx.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        after.get("portcullis_http_request_duration_seconds_bucket", &inf),
        after.get(http_count, &token_2xx)
    );
    assert!(after.count("portcullis_http_request_duration_seconds_sum", &token_2xx) > 0.0);

    // The pool, its waits, the keys, the build.
    assert!(
        grew("portcullis_db_pool_wait_seconds_count", &[]) >= 10.0,
        "{}",
        after.text
    );
    let idle = after
        .get("portcullis_db_pool_connections", &[("state", "idle")])
        .unwrap();
    let in_use = after
        .get("portcullis_db_pool_connections", &[("state", "in_use")])
        .unwrap();
    assert!(
        idle >= 1.0 && in_use >= 0.0 && idle + in_use <= 16.0,
        "{idle} {in_use}"
    );
    assert_eq!(
        after.get("portcullis_signing_keys", &[("state", "active")]),
        Some(3.0)
    );
    assert_eq!(
        after.get("portcullis_signing_keys", &[("state", "next")]),
        Some(0.0)
    );
    // The harness's keys are active since 1_000_000_000.
    let due = 1_000_000_000 + ROTATION_DAYS * 86_400 - server.clock().now();
    assert_eq!(
        after.get("portcullis_signing_key_next_rotation_seconds", &[]),
        Some(due as f64)
    );
    assert_eq!(
        after.get(
            "portcullis_build_info",
            &[
                ("version", env!("CARGO_PKG_VERSION")),
                ("commit", "unknown")
            ]
        ),
        Some(1.0)
    );

    // Expiring secrets are recounted at most once a minute: the second secret shows only then.
    assert_eq!(
        after.get("portcullis_client_secrets_expiring", &tenant_secrets),
        Some(1.0)
    );
    server.clock().advance(60);
    let later = scrape(&server).await;
    assert_eq!(
        later.get("portcullis_client_secrets_expiring", &tenant_secrets),
        Some(2.0)
    );
}
