//! Property tests through the real server (issue 9, "Trust"; SPEC §8: bad input anywhere gets a
//! 4xx with a clear message, a 500 is a bug). Generated form bodies and `Authorization` headers go
//! to the token endpoint, generated JSON values to the management API's create and update
//! endpoints; every answer must be a success or a 4xx in the endpoint's own error shape.
//!
//! One server per property; proptest's `TestRunner` drives the cases, each sent with `block_on`
//! on one tokio runtime, and shrinks a failing case to a minimal request.

use crate::harness::{call, http, Reply, TestServer, TENANT_MEMBER};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Map, Value};

/// The error codes of RFC 6749 §5.2, the only ones the token endpoint may answer.
const TOKEN_ERRORS: [&str; 6] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A runner of `cases` cases. Failures are reported with the shrunk input rather than persisted:
/// the inputs hold this run's client ids and secrets.
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs `strategy` through `test`, panicking with the minimal failing input.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(cases).run(&strategy, test) {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The token endpoint

/// A token request as sent on the wire.
#[derive(Clone, Debug)]
struct TokenRequest {
    authorization: Vec<Vec<u8>>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

/// Form parameters: names the endpoint reads, values that are sometimes right (the bootstrap
/// administrator's id and secret, real grant types, the API scope), sometimes anything.
fn token_form(id: String, secret: String, scope: String) -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        6 => select(&[
            "grant_type", "client_id", "client_secret", "scope", "code", "redirect_uri",
            "code_verifier", "refresh_token", "token", "audience",
        ][..]).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let value = prop_oneof![
        2 => select(vec![
            "client_credentials".to_owned(), "authorization_code".to_owned(),
            "refresh_token".to_owned(), "password".to_owned(), id, secret, scope,
            "openid offline_access".to_owned(), String::new(),
        ]),
        1 => "[a-zA-Z0-9 +%:&=._~/-]{0,16}",
        1 => any::<String>(),
    ];
    let e = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let encoded = prop_oneof![
        3 => (name.clone(), value.clone()).prop_map(move |(k, v)| format!("{}={}", e(&k), e(&v))),
        1 => "[a-z_%0-9=+&]{0,16}",
    ];
    let grant_type = select(
        &[
            "client_credentials",
            "authorization_code",
            "refresh_token",
            "x",
        ][..],
    );
    prop_oneof![
        // Each name once, often with a grant type: the requests that get past the form rules.
        4 => (grant_type, btree_map(name, value, 0..4)).prop_map(move |(g, params)| {
            let mut body = format!("grant_type={g}");
            for (k, v) in params.iter().filter(|(k, _)| *k != "grant_type") {
                body.push_str(&format!("&{}={}", e(k), e(v)));
            }
            body.into_bytes()
        }),
        // Names repeated, raw pieces.
        2 => vec(encoded, 0..6).prop_map(|p| p.join("&").into_bytes()),
        1 => vec(any::<u8>(), 0..128),
    ]
}

/// `Authorization` values: Basic with the right or wrong credentials (percent-encoded or not),
/// Basic of any bytes, broken base64, Bearer, any bytes a header may carry (obs-text included).
fn authorization_value(id: String, secret: String) -> impl Strategy<Value = Vec<u8>> {
    let scheme = select(&["Basic", "basic", "BASIC", "Bearer", "Digest", ""][..]);
    let user = prop_oneof![
        2 => Just(id.clone()),
        1 => any::<String>(),
        1 => "[a-z0-9%:+-]{0,12}",
    ];
    let password = prop_oneof![
        2 => Just(secret.clone()),
        1 => any::<String>(),
        1 => "[a-z0-9%:+-]{0,12}",
    ];
    let correct = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    prop_oneof![
        3 => Just(correct.into_bytes()),
        3 => (scheme.clone(), user, password).prop_map(|(s, u, p)| {
            format!("{s} {}", STANDARD.encode(format!("{u}:{p}"))).into_bytes()
        }),
        1 => (scheme.clone(), vec(any::<u8>(), 0..48))
            .prop_map(|(s, b)| format!("{s} {}", STANDARD.encode(b)).into_bytes()),
        1 => (scheme, "[A-Za-z0-9+/=!%:._ -]{0,40}")
            .prop_map(|(s, junk)| format!("{s} {junk}").into_bytes()),
        1 => vec(any::<u8>(), 0..64),
    ]
}

fn token_request(server: &TestServer) -> impl Strategy<Value = TokenRequest> {
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();
    let scope = server.ctx.config.api_scope.clone();
    (
        vec(authorization_value(id.clone(), secret.clone()), 0..=1),
        prop_oneof![
            8 => Just(Some("application/x-www-form-urlencoded")),
            1 => Just(Some("application/x-www-form-urlencoded; charset=UTF-8")),
            1 => Just(Some("application/json")),
            1 => Just(None),
        ],
        token_form(id, secret, scope),
    )
        .prop_map(|(authorization, content_type, body)| TokenRequest {
            authorization,
            content_type,
            body,
        })
}

async fn send_token_request(
    server: &TestServer,
    client: &reqwest::Client,
    r: &TokenRequest,
) -> Reply {
    let mut req = client.post(server.token_url()).body(r.body.clone());
    if let Some(t) = r.content_type {
        req = req.header(CONTENT_TYPE, t);
    }
    for value in &r.authorization {
        // Bytes no header may carry (control characters) cannot be sent; such a value is left out.
        if let Ok(v) = HeaderValue::from_bytes(value) {
            req = req.header(AUTHORIZATION, v);
        }
    }
    call(req).await
}

/// RFC 6749 §5.1/§5.2: 200 with a token, or 400/401 with `{"error": <a §5.2 code>, ...}` and
/// `Cache-Control: no-store`; `invalid_client` exactly when 401.
fn check_token_reply(res: &Reply) -> Result<(), TestCaseError> {
    prop_assert!(
        res.status == 200 || (400..500).contains(&res.status),
        "status {}: {}",
        res.status,
        res.text
    );
    if res.status == 200 {
        prop_assert!(res.body["access_token"].is_string(), "{}", res.text);
        return Ok(());
    }
    let error = res.body["error"].as_str().unwrap_or_default();
    prop_assert!(
        TOKEN_ERRORS.contains(&error),
        "{}: {}",
        res.status,
        res.text
    );
    prop_assert_eq!(res.status == 401, error == "invalid_client", "{}", res.text);
    prop_assert!(
        res.body
            .get("error_description")
            .is_none_or(Value::is_string),
        "{}",
        res.text
    );
    prop_assert_eq!(res.header("cache-control"), Some("no-store"));
    Ok(())
}

/// Any form body and `Authorization` header at `POST /identity/connect/token`: a token or an
/// RFC 6749 error, never a 5xx.
#[test]
fn token_endpoint_answers_any_request_with_a_token_or_an_oauth_error() {
    let rt = runtime();
    let server = rt.block_on(TestServer::spawn());
    let client = http();
    check(1_000, token_request(&server), |r| {
        let res = rt.block_on(send_token_request(&server, &client, &r));
        check_token_reply(&res)
    });
}

/// SPEC §8: two `Authorization` headers at the token endpoint are refused with `invalid_request`
/// (400), whatever they hold — even when one is the client's correct Basic credentials.
#[test]
fn token_endpoint_refuses_two_authorization_headers() {
    let rt = runtime();
    let server = rt.block_on(TestServer::spawn());
    let client = http();
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();
    let correct = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))).into_bytes();
    let second = prop_oneof![Just(correct.clone()), authorization_value(id, secret)];
    check(200, (second, any::<bool>()), |(second, correct_first)| {
        let authorization = if correct_first {
            vec![correct.clone(), second]
        } else {
            vec![second, correct.clone()]
        };
        prop_assume!(authorization
            .iter()
            .all(|v| HeaderValue::from_bytes(v).is_ok()));
        let r = TokenRequest {
            authorization,
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"grant_type=client_credentials".to_vec(),
        };
        let res = rt.block_on(send_token_request(&server, &client, &r));
        prop_assert_eq!(res.status, 400, "{}", res.text);
        prop_assert_eq!(&res.body["error"], "invalid_request");
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// The management API

/// Property names of the management API's bodies (SPEC §3), so generated objects hit them often.
const PROPERTIES: [&str; 24] = [
    "Id",
    "Name",
    "Enabled",
    "AccessTokenLifetime",
    "Tags",
    "RoleIds",
    "SecretDescription",
    "SecretExpirationDate",
    "Expiration",
    "Expires",
    "Description",
    "RedirectUris",
    "PostLogoutRedirectUris",
    "ClientUri",
    "LogoUri",
    "AllowedCorsOrigins",
    "AllowOfflineAccess",
    "AllowAccessTokensViaBrowser",
    "Email",
    "Password",
    "FirstName",
    "LastName",
    "IdentityProviderId",
    "RoleTypeId",
];

/// Strings that are sometimes what a property wants, sometimes close, sometimes anything (unicode,
/// NUL, long).
fn json_string(member_role: String) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            member_role,
            "https://app.example/cb".to_owned(),
            "http://127.0.0.1/cb".to_owned(),
            "https://app.example".to_owned(),
            "2099-01-01T00:00:00Z".to_owned(),
            "2000-01-01T00:00:00Z".to_owned(),
            "00000000-0000-0000-0000-000000000000".to_owned(),
            "a long enough password".to_owned(),
            "someone@example.com".to_owned(),
            "not a date".to_owned(),
            String::new(),
            "\0".to_owned(),
        ]),
        2 => "[a-zA-Z0-9@. :/-]{0,20}",
        2 => any::<String>(),
        1 => "[a-z]{300,600}",
    ]
}

/// Any JSON value: nested objects and arrays, strings as above, huge and fractional numbers,
/// booleans, null.
fn json_value(member_role: String) -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        select(&[0i64, -1, 59, 60, 3600, 3601, i32::MAX as i64 + 1][..]).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(&[1e300, -1e300, 0.5, 1e19][..]).prop_map(Value::from),
        json_string(member_role).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(property_name(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn property_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&PROPERTIES[..]).prop_map(str::to_owned),
        1 => select(&["name", "roleIds", "", "Client", "Secret"][..]).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A body: mostly an object of the API's properties (each of any type, or of its own type with
/// bad contents), sometimes any JSON value at all.
fn json_body(member_role: String) -> impl Strategy<Value = Value> {
    let value = json_value(member_role.clone());
    prop_oneof![
        4 => btree_map(property_name(), value.clone(), 0..8).prop_map(move |m| {
            Value::Object(m.into_iter().collect::<Map<_, _>>())
        }),
        // Close to a valid create: the required properties right, one more of any type.
        2 => (property_name(), value.clone(), json_string(member_role.clone())).prop_map({
            let member_role = member_role.clone();
            move |(k, v, name)| {
                let mut o = json!({
                    "Name": name,
                    "RoleIds": [member_role],
                    "RedirectUris": ["https://app.example/cb"],
                    "Email": format!("{}@example.com", uuid::Uuid::new_v4().simple()),
                    "Password": "a long enough password",
                });
                o[k] = v;
                o
            }
        }),
        1 => value,
    ]
}

/// Where a generated body goes.
#[derive(Clone, Debug)]
struct ApiWrite {
    method: reqwest::Method,
    path: String,
    body: Value,
}

/// The create and update endpoints of client-credentials, authorization-code and hybrid clients,
/// users and roles.
fn api_write(
    targets: Vec<(reqwest::Method, String)>,
    member_role: String,
) -> impl Strategy<Value = ApiWrite> {
    (select(targets), json_body(member_role)).prop_map(|((method, path), body)| ApiWrite {
        method,
        path,
        body,
    })
}

/// One item of each kind to update; returns the (method, path) targets.
async fn api_targets(
    server: &TestServer,
    client: &reqwest::Client,
    token: &str,
    member_role: &str,
) -> Vec<(reqwest::Method, String)> {
    let create = |path: &'static str, body: Value| {
        let req = client.post(server.api(path)).bearer_auth(token).json(&body);
        async move {
            let r = call(req).await;
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body.get("Client").unwrap_or(&r.body)["Id"].clone();
            format!("{path}/{}", id.as_str().unwrap())
        }
    };
    let uris = json!(["https://app.example/cb"]);
    let items = [
        create(
            "/ClientCredentialClients",
            json!({"Name": "cc", "RoleIds": [member_role]}),
        )
        .await,
        create(
            "/AuthorizationCodeClients",
            json!({"Name": "ac", "RedirectUris": uris}),
        )
        .await,
        create(
            "/HybridClients",
            json!({"Name": "hy", "RedirectUris": uris}),
        )
        .await,
        create(
            "/Users",
            json!({"Email": "u@example.com", "Password": "a long enough password"}),
        )
        .await,
        create("/Roles", json!({"Name": "Custom"})).await,
    ];
    let mut targets = Vec::new();
    for item in items {
        let collection = item[..item.rfind('/').unwrap()].to_owned();
        targets.push((reqwest::Method::POST, collection));
        targets.push((reqwest::Method::PUT, item));
    }
    targets
}

/// SPEC §3.1: 201 on create, 200 on update, or a 4xx with an `ErrorResponse` whose OperationId is
/// the `request-id` header.
fn check_api_reply(w: &ApiWrite, res: &Reply) -> Result<(), TestCaseError> {
    let expected_success = if w.method == reqwest::Method::POST {
        201
    } else {
        200
    };
    prop_assert!(
        res.status == expected_success || (400..500).contains(&res.status),
        "{} {}: status {}: {}",
        w.method,
        w.path,
        res.status,
        res.text
    );
    if res.status != expected_success {
        // Asserts (panics, which proptest catches and shrinks) on the ErrorResponse shape.
        res.error(res.status);
    }
    Ok(())
}

/// Any JSON value POSTed or PUT to the management API's create and update endpoints: the created
/// or updated item, or a 4xx `ErrorResponse`, never a 5xx.
#[test]
fn management_api_answers_any_json_body_with_success_or_an_error_response() {
    let rt = runtime();
    let server = rt.block_on(TestServer::spawn());
    let client = http();
    let (token, member_role, targets) = rt.block_on(async {
        let token = server.admin_token().await;
        let member_role = server.role_id(TENANT_MEMBER).await;
        let targets = api_targets(&server, &client, &token, &member_role).await;
        (token, member_role, targets)
    });
    check(700, api_write(targets, member_role), |w| {
        let req = client
            .request(w.method.clone(), server.api(&w.path))
            .bearer_auth(&token)
            .json(&w.body);
        let res = rt.block_on(call(req));
        check_api_reply(&w, &res)
    });
}
