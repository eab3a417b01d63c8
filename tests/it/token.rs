//! The token endpoint: client authentication (SPEC §4.1) and the client_credentials grant (§4.2),
//! positive and negative, with the wire shape of every error.

use crate::harness::{http, Options, TestServer};
use base64::Engine;
use serde_json::{json, Value};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn header(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

async fn post_form(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(server.token_url())
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    assert_eq!(res.headers()["cache-control"], "no-store");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn client_secret_basic_and_post_both_issue_an_rfc9068_access_token() {
    let server = TestServer::spawn().await;
    let (id, secret) = (
        &server.admin.admin_client_id,
        &server.admin.admin_client_secret,
    );
    let basic = http()
        .post(server.token_url())
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    assert_eq!(basic.headers()["cache-control"], "no-store");
    assert_eq!(basic.headers()["pragma"], "no-cache");
    let body: Value = basic.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "ocsapi");
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("id_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    let h = header(token);
    assert_eq!(h["typ"], "at+jwt");
    assert_eq!(h["alg"], "RS256");
    assert!(h["kid"].is_string());
    let c = claims(token);
    assert_eq!(c["iss"], server.issuer());
    assert_eq!(c["aud"], "ocsapi");
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["tid"], server.admin.tenant_id.as_str());
    assert_eq!(c["scope"], "ocsapi");
    assert_eq!(c["role"].as_array().unwrap().len(), 2);
    let types = c["role_type"].as_array().unwrap();
    assert!(types.contains(&json!(crate::harness::TENANT_ADMINISTRATOR)));
    assert!(types.contains(&json!(crate::harness::TENANT_MEMBER)));
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!(c["nbf"].as_i64().unwrap(), iat);
    assert_eq!(c["exp"].as_i64().unwrap(), iat + 3600);
    assert!(c["jti"].as_str().unwrap().len() >= 32);

    let post = post_form(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "ocsapi"),
        ],
    )
    .await;
    assert_eq!(post.status(), 200);
    let body: Value = post.json().await.unwrap();
    assert_ne!(
        claims(body["access_token"].as_str().unwrap())["jti"],
        c["jti"]
    );
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded_inside_the_header() {
    let server = TestServer::spawn().await;
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64. Ours are URL-safe, so
    // encoding changes nothing, but an upper-case id must still be found (ids are GUIDs).
    let id = server.admin.admin_client_id.to_uppercase();
    let raw = format!("{id}:{}", server.admin.admin_client_secret);
    let res = http()
        .post(server.token_url())
        .header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn every_client_authentication_failure_is_the_same_invalid_client() {
    let server = TestServer::spawn().await;
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();

    // Wrong secret over Basic: 401 with WWW-Authenticate: Basic.
    let res = http()
        .post(server.token_url())
        .basic_auth(&id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let (_, body) = error_of(res).await;
    insta::assert_json_snapshot!("invalid_client", body);

    // Wrong secret, unknown client, non-GUID client, missing credentials: 401, no Basic challenge.
    for form in [
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", "nope"),
        ],
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
            ("client_secret", secret.as_str()),
        ],
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", "not-a-guid"),
            ("client_secret", secret.as_str()),
        ],
        vec![("grant_type", "client_credentials")],
        // A confidential client may not act as a public one.
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
        ],
    ] {
        let res = post_form(&server, &form).await;
        assert!(res.headers().get("www-authenticate").is_none());
        let (status, body) = error_of(res).await;
        assert_eq!(
            (status, body["error"].as_str().unwrap()),
            (401, "invalid_client"),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn malformed_token_requests_get_invalid_request() {
    let server = TestServer::spawn().await;
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();
    // Two authentication methods at once.
    let res = http()
        .post(server.token_url())
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(status, 400);
    insta::assert_json_snapshot!("two_auth_methods", body);

    // Missing grant_type, repeated parameter, wrong content type, oversized body.
    let (status, body) =
        error_of(post_form(&server, &[("client_id", &id), ("client_secret", &secret)]).await).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
    insta::assert_json_snapshot!("missing_grant_type", body);

    let res = http()
        .post(server.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );

    let res = http()
        .post(server.token_url())
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );

    let big = "x".repeat(64 * 1024);
    let res = post_form(
        &server,
        &[("grant_type", "client_credentials"), ("pad", &big)],
    )
    .await;
    let (status, body) = error_of(res).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
}

#[tokio::test]
async fn unsupported_grants_and_scopes_are_refused() {
    let server = TestServer::spawn().await;
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();
    let (status, body) = error_of(
        post_form(
            &server,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    insta::assert_json_snapshot!("unsupported_grant_type", body);

    let (status, body) = error_of(
        post_form(
            &server,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", "ocsapi openid"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    insta::assert_json_snapshot!("invalid_scope", body);
}

#[tokio::test]
async fn a_disabled_client_or_deleted_or_expired_secret_stops_working_at_once() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (id, secret) = server.member_client().await;
    server.token_for(&id, &secret).await;

    // Disable → invalid_client on the very next request; enable → works again.
    let put = |enabled: bool| {
        http()
            .put(server.api(&format!("/ClientCredentialClients/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"Enabled": enabled}))
            .send()
    };
    assert_eq!(put(false).await.unwrap().status(), 200);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(post_form(&server, &form).await.status(), 401);
    assert_eq!(put(true).await.unwrap().status(), 200);
    assert_eq!(post_form(&server, &form).await.status(), 200);

    // A second secret that expires in 120 s works until then.
    let exp = portcullis::domain::time::format_time(server.clock().now() + 120);
    let res = http()
        .post(server.api(&format!("/ClientCredentialClients/{id}/Secrets")))
        .bearer_auth(&admin)
        .json(&json!({"Description": "short", "Expiration": exp}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let short = created["Secret"].as_str().unwrap().to_owned();
    let short_form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", short.as_str()),
    ];
    assert_eq!(post_form(&server, &short_form).await.status(), 200);
    server.clock().advance(121);
    assert_eq!(post_form(&server, &short_form).await.status(), 401);

    // Deleting the first secret (id 1) ends it at once.
    let res = http()
        .delete(server.api(&format!("/ClientCredentialClients/{id}/Secrets/1")))
        .bearer_auth(server.admin_token().await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(post_form(&server, &form).await.status(), 401);
}

#[tokio::test]
async fn access_tokens_follow_the_client_lifetime_and_roles() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.role_id(crate::harness::TENANT_MEMBER).await;
    let res = http()
        .post(server.api("/ClientCredentialClients"))
        .bearer_auth(&admin)
        .json(&json!({"Name": "short-lived", "RoleIds": [member], "AccessTokenLifetime": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let (id, secret) = (
        body["Client"]["Id"].as_str().unwrap(),
        body["Secret"].as_str().unwrap(),
    );
    let res = post_form(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 60);
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    assert_eq!(c["role"], json!([member]));
    assert_eq!(c["role_type"], json!([crate::harness::TENANT_MEMBER]));
}

#[tokio::test]
async fn es256_and_eddsa_access_tokens_are_signed_with_their_algorithm() {
    for alg in ["ES256", "EdDSA"] {
        let server = TestServer::spawn_with(Options {
            access_token_alg: Some(alg.to_owned()),
        })
        .await;
        let token = server.admin_token().await;
        assert_eq!(header(&token)["alg"], alg);
        // The management API accepts it (verified against our own keys).
        let res = http()
            .get(server.api("/ClientCredentialClients"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{alg}");
    }
}
