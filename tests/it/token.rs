//! The token endpoint: client authentication (SPEC §4.1) and the client_credentials grant (§4.2),
//! positive and negative, with the wire shape of every error.

use crate::harness::{
    call, delete, get, http, jwt_claims, jwt_header, post, put, Options, Reply, TestServer,
    TENANT_ADMINISTRATOR, TENANT_MEMBER,
};
use base64::Engine;
use serde_json::{json, Value};

/// A token error's status and body; token responses are never cached (RFC 6749 §5.1).
fn error_of(res: Reply) -> (u16, Value) {
    assert_eq!(res.header("cache-control"), Some("no-store"));
    (res.status, res.body)
}

#[tokio::test]
async fn client_secret_basic_and_post_both_issue_an_rfc9068_access_token() {
    let server = TestServer::spawn().await;
    let (id, secret) = (
        &server.admin.admin_client_id,
        &server.admin.admin_client_secret,
    );
    let basic = server.client_credentials(id, secret).await;
    assert_eq!(basic.status, 200);
    assert_eq!(basic.headers["cache-control"], "no-store");
    assert_eq!(basic.headers["pragma"], "no-cache");
    let body = basic.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "ocsapi");
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("id_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    let h = jwt_header(token);
    assert_eq!(h["typ"], "at+jwt");
    assert_eq!(h["alg"], "RS256");
    assert!(h["kid"].is_string());
    let c = jwt_claims(token);
    assert_eq!(c["iss"], server.issuer());
    assert_eq!(c["aud"], "ocsapi");
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["tid"], server.admin.tenant_id.as_str());
    assert_eq!(c["scope"], "ocsapi");
    assert_eq!(c["role"].as_array().unwrap().len(), 2);
    let types = c["role_type"].as_array().unwrap();
    assert!(types.contains(&json!(TENANT_ADMINISTRATOR.role_type_id())));
    assert!(types.contains(&json!(TENANT_MEMBER.role_type_id())));
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!(c["nbf"].as_i64().unwrap(), iat);
    assert_eq!(c["exp"].as_i64().unwrap(), iat + 3600);
    assert!(c["jti"].as_str().unwrap().len() >= 32);

    let post = server
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "ocsapi"),
        ])
        .await;
    assert_eq!(post.status, 200);
    let body = post.body;
    assert_ne!(
        jwt_claims(body["access_token"].as_str().unwrap())["jti"],
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
    let res = call(
        http()
            .post(server.token_url())
            .header(
                "Authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ),
            )
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn every_client_authentication_failure_is_the_same_invalid_client() {
    let server = TestServer::spawn().await;
    let id = server.admin.admin_client_id.clone();
    let secret = server.admin.admin_client_secret.clone();

    // Wrong secret over Basic: 401 with WWW-Authenticate: Basic.
    let res = server.client_credentials(&id, "wrong").await;
    assert_eq!(res.status, 401);
    assert!(res.header("www-authenticate").unwrap().starts_with("Basic"));
    let (_, body) = error_of(res);
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
        let res = server.token_form(&form).await;
        assert!(res.headers.get("www-authenticate").is_none());
        let (status, body) = error_of(res);
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
    let res = server
        .token_request(
            &id,
            &secret,
            &[
                ("grant_type", "client_credentials"),
                ("client_secret", secret.as_str()),
            ],
        )
        .await;
    let (status, body) = error_of(res);
    assert_eq!(status, 400);
    insta::assert_json_snapshot!("two_auth_methods", body);

    // Missing grant_type, repeated parameter, wrong content type, oversized body.
    let (status, body) = error_of(
        server
            .token_form(&[("client_id", &id), ("client_secret", &secret)])
            .await,
    );
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
    insta::assert_json_snapshot!("missing_grant_type", body);

    let res = call(
        http()
            .post(server.token_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&grant_type=client_credentials"),
    )
    .await;
    let (status, body) = error_of(res);
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );

    let res = call(
        http()
            .post(server.token_url())
            .json(&json!({"grant_type": "client_credentials"})),
    )
    .await;
    let (status, body) = error_of(res);
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );

    let big = "x".repeat(64 * 1024);
    let res = server
        .token_form(&[("grant_type", "client_credentials"), ("pad", &big)])
        .await;
    let (status, body) = error_of(res);
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
        server
            .token_form(&[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
            ])
            .await,
    );
    assert_eq!(status, 400);
    insta::assert_json_snapshot!("unsupported_grant_type", body);

    let (status, body) = error_of(
        server
            .token_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", "ocsapi openid"),
            ])
            .await,
    );
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
    let client_url = server.api(&format!("/ClientCredentialClients/{id}"));
    let set_enabled = |enabled: bool| put(&client_url, &admin, json!({"Enabled": enabled}));
    assert_eq!(set_enabled(false).await.status, 200);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(server.token_form(&form).await.status, 401);
    assert_eq!(set_enabled(true).await.status, 200);
    assert_eq!(server.token_form(&form).await.status, 200);

    // A second secret that expires in 120 s works until then.
    let exp = portcullis::domain::time::format_time(server.clock().now() + 120);
    let res = post(
        &server.api(&format!("/ClientCredentialClients/{id}/Secrets")),
        &admin,
        json!({"Description": "short", "Expiration": exp}),
    )
    .await;
    assert_eq!(res.status, 201);
    let created = res.body;
    let short = created["Secret"].as_str().unwrap().to_owned();
    let short_form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", short.as_str()),
    ];
    assert_eq!(server.token_form(&short_form).await.status, 200);
    server.clock().advance(121);
    assert_eq!(server.token_form(&short_form).await.status, 401);

    // Deleting the first secret (id 1) ends it at once.
    let res = delete(
        &server.api(&format!("/ClientCredentialClients/{id}/Secrets/1")),
        &server.admin_token().await,
    )
    .await;
    assert_eq!(res.status, 204);
    assert_eq!(server.token_form(&form).await.status, 401);
}

#[tokio::test]
async fn access_tokens_follow_the_client_lifetime_and_roles() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let res = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "short-lived", "RoleIds": [member], "AccessTokenLifetime": 60}),
    )
    .await;
    assert_eq!(res.status, 201);
    let body = res.body;
    let (id, secret) = (
        body["Client"]["Id"].as_str().unwrap(),
        body["Secret"].as_str().unwrap(),
    );
    let res = server
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .await;
    let body = res.body;
    assert_eq!(body["expires_in"], 60);
    let c = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    assert_eq!(c["role"], json!([member]));
    assert_eq!(c["role_type"], json!([TENANT_MEMBER.role_type_id()]));
}

/// The token read joins secrets and roles (SQLite: two statements, PostgreSQL: one joined
/// statement, issue 10): with several of each, every secret authenticates and the token holds
/// every role exactly once.
#[tokio::test]
async fn every_secret_works_and_every_role_is_claimed_once_with_several_of_each() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let viewer = server.role_id(crate::harness::TENANT_VIEWER).await;
    let res = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "many", "RoleIds": [member, viewer]}),
    )
    .await;
    assert_eq!(res.status, 201);
    let id = res.body["Client"]["Id"].as_str().unwrap().to_owned();
    let mut secrets = vec![res.body["Secret"].as_str().unwrap().to_owned()];
    let exp = portcullis::domain::time::format_time(server.clock().now() + 86_400);
    for n in 0..3 {
        let res = post(
            &server.api(&format!("/ClientCredentialClients/{id}/Secrets")),
            &admin,
            json!({"Description": format!("extra {n}"), "Expiration": exp}),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.body);
        secrets.push(res.body["Secret"].as_str().unwrap().to_owned());
    }
    let mut roles = vec![member.clone(), viewer.clone()];
    roles.sort();
    let mut role_types = vec![
        TENANT_MEMBER.role_type_id().to_owned(),
        crate::harness::TENANT_VIEWER.role_type_id().to_owned(),
    ];
    role_types.sort();
    for secret in &secrets {
        let res = server
            .token_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let c = jwt_claims(res.body["access_token"].as_str().unwrap());
        assert_eq!(c["role"], json!(roles));
        assert_eq!(c["role_type"], json!(role_types));
    }
    let wrong = server
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", "not-one-of-them"),
        ])
        .await;
    assert_eq!(wrong.status, 401);
}

#[tokio::test]
async fn es256_and_eddsa_access_tokens_are_signed_with_their_algorithm() {
    for alg in ["ES256", "EdDSA"] {
        let server = TestServer::spawn_with(Options {
            access_token_alg: Some(alg.to_owned()),
            ..Options::default()
        })
        .await;
        let token = server.admin_token().await;
        assert_eq!(jwt_header(&token)["alg"], alg);
        // The management API accepts it (verified against our own keys).
        let res = get(&server.api("/ClientCredentialClients"), &token).await;
        assert_eq!(res.status, 200, "{alg}");
    }
}
