//! Userinfo (OIDC Core §5.3, SPEC §4.6), revocation (RFC 7009), introspection (RFC 7662) and CORS
//! per client (SPEC §7), against the real server.
//!
//! User access tokens come from the real token endpoint: [`user_tokens`] plants a login session and
//! an authorization code through the service and store layers (what the sign-in pages would do)
//! and redeems the code with `grant_type=authorization_code`. This tests these endpoints in
//! isolation from the browser flow, which the sign-in tests cover end to end.

use crate::harness::{
    call, delete, get, http, plant_code, post, signed_token, Reply, TestServer, TENANT_MEMBER,
};
use serde_json::json;

/// The AllowedCorsOrigins entry of the SPA client.
const SPA_ORIGIN: &str = "https://spa.example.com";
/// The SPA client's redirect URI: its origin is a CORS origin too (authorization-code client).
const SPA_CALLBACK: &str = "https://app.example.com/callback";
/// Another authorization-code client's origin.
const OTHER_ORIGIN: &str = "https://other.example.com";

fn userinfo_url(server: &TestServer) -> String {
    server.url("/identity/connect/userinfo")
}

fn revocation_url(server: &TestServer) -> String {
    server.url("/identity/connect/revocation")
}

fn introspect_url(server: &TestServer) -> String {
    server.url("/identity/connect/introspect")
}

/// Creates a local user with a full profile in the bootstrap tenant; returns its Id.
async fn create_user(server: &TestServer) -> String {
    let r = post(
        &server.api("/Users"),
        &server.admin_token().await,
        json!({
            "Email": "ada@example.com",
            "GivenName": "Ada",
            "Surname": "Lovelace",
            "Name": "Ada Lovelace",
            "Password": "correct horse battery staple",
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

/// Creates an authorization-code (public) client; returns its Id.
async fn create_spa(server: &TestServer, redirect: &str, origins: &[&str]) -> String {
    let r = post(
        &server.api("/AuthorizationCodeClients"),
        &server.admin_token().await,
        json!({
            "Name": "spa",
            "RedirectUris": [redirect],
            "AllowedCorsOrigins": origins,
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

/// A token request of the public client `client` redeeming `code`, optionally from a browser
/// origin.
async fn redeem(
    server: &TestServer,
    client: &str,
    redirect: &str,
    code: &str,
    origin: Option<&str>,
) -> Reply {
    let mut req = http().post(server.token_url()).form(&[
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", redirect),
    ]);
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    call(req).await
}

/// A user access token of `client` for `user` with `scope`, from the token endpoint.
async fn user_tokens(
    server: &TestServer,
    client: &str,
    redirect: &str,
    user: &str,
    scope: &str,
) -> String {
    let code = plant_code(server, client, redirect, user, scope).await;
    let r = redeem(server, client, redirect, &code, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_owned()
}

/// A signed-in user, an authorization-code client and that user's token with `scope`.
struct Fixture {
    server: TestServer,
    user: String,
    spa: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::spawn().await;
        let user = create_user(&server).await;
        let spa = create_spa(&server, SPA_CALLBACK, &[SPA_ORIGIN]).await;
        Fixture { server, user, spa }
    }

    async fn token(&self, scope: &str) -> String {
        user_tokens(&self.server, &self.spa, SPA_CALLBACK, &self.user, scope).await
    }
}

async fn userinfo_get(server: &TestServer, token: &str) -> Reply {
    get(&userinfo_url(server), token).await
}

/// Asserts a bearer error (RFC 6750 §3): status, JSON body and the challenge naming the error.
fn bearer_error(r: &Reply, status: u16, error: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["error"], error, "{}", r.text);
    let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains(&format!("error=\"{error}\"")),
        "{challenge}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

async fn introspect(server: &TestServer, token: &str) -> Reply {
    call(
        http()
            .post(introspect_url(server))
            .basic_auth(
                &server.admin.admin_client_id,
                Some(&server.admin.admin_client_secret),
            )
            .form(&[("token", token)]),
    )
    .await
}

async fn assert_inactive(server: &TestServer, token: &str) {
    let r = introspect(server, token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"active": false}));
}

// ---------------------------------------------------------------------------------------------
// Userinfo

/// `Authorization: Basic base64(id:secret)`, both parts form-urlencoded (RFC 6749 §2.3.1).
fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    let raw = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[tokio::test]
async fn basic_with_an_empty_password_is_no_authentication_for_a_public_client_only() {
    // Some client libraries send a public client's id as Basic with an empty password.
    let fx = Fixture::new().await;
    let server = &fx.server;
    let code = plant_code(server, &fx.spa, SPA_CALLBACK, &fx.user, "openid").await;
    let r = call(
        http()
            .post(server.token_url())
            .header("Authorization", basic(&fx.spa, ""))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", SPA_CALLBACK),
            ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["access_token"].is_string());
    assert!(r.body["id_token"].is_string());

    // A confidential client with an empty password has still not authenticated.
    let r = call(
        http()
            .post(server.token_url())
            .header("Authorization", basic(&server.admin.admin_client_id, ""))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_client");
    assert!(r
        .header("www-authenticate")
        .is_some_and(|c| c.starts_with("Basic")));
}

#[tokio::test]
async fn userinfo_answers_get_and_post_with_the_claims_of_the_granted_scopes() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let tid = server.admin.tenant_id.as_str();
    let full = fx.token("openid profile email").await;
    let expected = json!({
        "sub": fx.user,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "email_verified": false,
        "tid": tid,
        "role_type": [TENANT_MEMBER.role_type_id()],
    });

    let get = userinfo_get(server, &full).await;
    assert_eq!(get.status, 200, "{}", get.text);
    assert_eq!(get.body, expected);
    assert_eq!(get.header("cache-control"), Some("no-store"));
    assert!(get.header("access-control-allow-origin").is_none());

    let post_header = call(http().post(userinfo_url(server)).bearer_auth(&full)).await;
    assert_eq!(post_header.status, 200, "{}", post_header.text);
    assert_eq!(post_header.body, expected);

    let post_form = call(
        http()
            .post(userinfo_url(server))
            .form(&[("access_token", full.as_str())]),
    )
    .await;
    assert_eq!(post_form.status, 200, "{}", post_form.text);
    assert_eq!(post_form.body, expected);

    // Scope by scope: openid alone gives sub, tid and role_type only.
    let openid = userinfo_get(server, &fx.token("openid").await).await;
    assert_eq!(
        openid.body,
        json!({"sub": fx.user, "tid": tid, "role_type": [TENANT_MEMBER.role_type_id()]})
    );
    let profile = userinfo_get(server, &fx.token("openid profile").await).await;
    assert_eq!(profile.body["family_name"], "Lovelace");
    assert!(profile.body.get("email").is_none(), "{}", profile.text);
    let email = userinfo_get(server, &fx.token("openid email").await).await;
    assert_eq!(email.body["email"], "ada@example.com");
    assert_eq!(email.body["email_verified"], false);
    assert!(email.body.get("name").is_none(), "{}", email.text);
}

#[tokio::test]
async fn userinfo_refuses_tokens_it_cannot_serve() {
    let fx = Fixture::new().await;
    let server = &fx.server;

    // No token at all: a bare challenge without an error code (RFC 6750 §3.1).
    let none = call(http().get(userinfo_url(server))).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"portcullis\"")
    );

    // Without openid: 403 insufficient_scope, naming the scope needed.
    let no_openid = userinfo_get(server, &fx.token("profile email").await).await;
    bearer_error(&no_openid, 403, "insufficient_scope");
    assert!(no_openid
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"openid\""));
    insta::assert_json_snapshot!("userinfo_insufficient_scope", no_openid.body);

    // A client-credentials token stands for no user.
    let cc = userinfo_get(server, &server.admin_token().await).await;
    bearer_error(&cc, 401, "invalid_token");

    // Not a token of ours.
    bearer_error(
        &userinfo_get(server, "not-a-token").await,
        401,
        "invalid_token",
    );
    let bad_signature = {
        let mut parts: Vec<String> = fx
            .token("openid")
            .await
            .split('.')
            .map(str::to_owned)
            .collect();
        parts[2] = "AAAA".to_owned();
        parts.join(".")
    };
    bearer_error(
        &userinfo_get(server, &bad_signature).await,
        401,
        "invalid_token",
    );

    // Header and form at once: 400 invalid_request (RFC 6750 §2).
    let token = fx.token("openid").await;
    let both = call(
        http()
            .post(userinfo_url(server))
            .bearer_auth(&token)
            .form(&[("access_token", token.as_str())]),
    )
    .await;
    bearer_error(&both, 400, "invalid_request");
    insta::assert_json_snapshot!("userinfo_two_token_methods", both.body);

    // The form is read on POST only.
    let get_form = call(
        http()
            .get(userinfo_url(server))
            .form(&[("access_token", token.as_str())]),
    )
    .await;
    assert_eq!(get_form.status, 401);

    // Expired.
    assert_eq!(userinfo_get(server, &token).await.status, 200);
    server.clock().advance(3600);
    bearer_error(&userinfo_get(server, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn userinfo_refuses_the_token_of_a_deleted_user() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let token = fx.token("openid profile").await;
    assert_eq!(userinfo_get(server, &token).await.status, 200);
    let deleted = delete(
        &server.api(&format!("/Users/{}", fx.user)),
        &server.admin_token().await,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let r = userinfo_get(server, &token).await;
    bearer_error(&r, 401, "invalid_token");
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("no longer exists"),
        "{}",
        r.text
    );
}

// ---------------------------------------------------------------------------------------------
// Revocation

#[tokio::test]
async fn a_client_revokes_its_own_access_tokens() {
    let fx = Fixture::new().await;
    let server = &fx.server;

    // A confidential client's token, revoked with client_secret_basic.
    let (id, secret) = server.member_client().await;
    let cc_token = server.token_for(&id, &secret).await;
    assert_eq!(introspect(server, &cc_token).await.body["active"], true);
    let r = call(
        http()
            .post(revocation_url(server))
            .basic_auth(&id, Some(&secret))
            .form(&[
                ("token", cc_token.as_str()),
                ("token_type_hint", "access_token"),
            ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.text, "");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_inactive(server, &cc_token).await;
    // Revoking again is still a success.
    let again = call(http().post(revocation_url(server)).form(&[
        ("token", cc_token.as_str()),
        ("client_id", &id),
        ("client_secret", &secret),
    ]))
    .await;
    assert_eq!(again.status, 200, "{}", again.text);

    // A public client's user token, revoked with client_id only.
    let user_token = fx.token("openid profile").await;
    assert_eq!(userinfo_get(server, &user_token).await.status, 200);
    let r = call(
        http()
            .post(revocation_url(server))
            .form(&[("token", user_token.as_str()), ("client_id", &fx.spa)]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    bearer_error(
        &userinfo_get(server, &user_token).await,
        401,
        "invalid_token",
    );
    assert_inactive(server, &user_token).await;
}

#[tokio::test]
async fn revocation_ignores_other_clients_tokens_and_unknown_tokens() {
    let server = TestServer::spawn().await;
    let (id, secret) = server.member_client().await;
    let member_token = server.token_for(&id, &secret).await;
    let admin = (
        server.admin.admin_client_id.clone(),
        server.admin.admin_client_secret.clone(),
    );
    for token in [
        member_token.as_str(),
        "not-a-token",
        "a.b.c",
        &signed_token(&server, &server.admin.tenant_id, &[], None),
    ] {
        for hint in [None, Some("access_token"), Some("refresh_token"), Some("x")] {
            let mut form = vec![("token", token)];
            if let Some(h) = hint {
                form.push(("token_type_hint", h));
            }
            let r = call(
                http()
                    .post(revocation_url(&server))
                    .basic_auth(&admin.0, Some(&admin.1))
                    .form(&form),
            )
            .await;
            assert_eq!(r.status, 200, "{hint:?}: {}", r.text);
            assert_eq!(r.text, "");
        }
    }
    // The member's token was not revoked by another client.
    let r = introspect(&server, &member_token).await;
    assert_eq!(r.body["active"], true, "{}", r.text);
}

#[tokio::test]
async fn revocation_requests_are_checked_like_token_requests() {
    let server = TestServer::spawn().await;
    let (id, secret) = (
        server.admin.admin_client_id.clone(),
        server.admin.admin_client_secret.clone(),
    );

    let missing = call(
        http()
            .post(revocation_url(&server))
            .basic_auth(&id, Some(&secret))
            .form(&[("token_type_hint", "access_token")]),
    )
    .await;
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    insta::assert_json_snapshot!("revocation_missing_token", missing.body);

    let bad_secret = call(
        http()
            .post(revocation_url(&server))
            .basic_auth(&id, Some("wrong"))
            .form(&[("token", "x")]),
    )
    .await;
    assert_eq!(bad_secret.status, 401, "{}", bad_secret.text);
    assert_eq!(bad_secret.body["error"], "invalid_client");
    assert!(bad_secret
        .header("www-authenticate")
        .unwrap()
        .starts_with("Basic"));

    let unknown_client = call(http().post(revocation_url(&server)).form(&[
        ("token", "x"),
        ("client_id", &uuid::Uuid::new_v4().to_string()),
        ("client_secret", "s"),
    ]))
    .await;
    assert_eq!(unknown_client.status, 401);
    assert_eq!(unknown_client.body["error"], "invalid_client");

    let anonymous = call(http().post(revocation_url(&server)).form(&[("token", "x")])).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"], "invalid_client");

    // A confidential client cannot pass as a public one.
    let no_secret = call(
        http()
            .post(revocation_url(&server))
            .form(&[("token", "x"), ("client_id", &id)]),
    )
    .await;
    assert_eq!(no_secret.status, 401);

    let json_body = call(
        http()
            .post(revocation_url(&server))
            .basic_auth(&id, Some(&secret))
            .json(&json!({"token": "x"})),
    )
    .await;
    assert_eq!(json_body.status, 400);
    assert_eq!(json_body.body["error"], "invalid_request");
}

// ---------------------------------------------------------------------------------------------
// Introspection

#[tokio::test]
async fn introspection_describes_active_tokens() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let tid = server.admin.tenant_id.clone();
    let (id, secret) = server.member_client().await;
    let cc_token = server.token_for(&id, &secret).await;
    let r = introspect(server, &cc_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let b = &r.body;
    let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "active",
            "scope",
            "client_id",
            "sub",
            "aud",
            "iss",
            "exp",
            "iat",
            "nbf",
            "jti",
            "token_type",
            "tid"
        ]
    );
    assert_eq!(b["active"], true);
    assert_eq!(b["scope"], "ocsapi");
    assert_eq!(b["client_id"], id.as_str());
    assert_eq!(b["sub"], id.as_str());
    assert_eq!(b["aud"], "ocsapi");
    assert_eq!(b["iss"], server.issuer());
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["tid"], tid.as_str());
    let iat = b["iat"].as_i64().unwrap();
    assert_eq!(iat, server.ctx.now());
    assert_eq!(b["nbf"].as_i64().unwrap(), iat);
    assert_eq!(b["exp"].as_i64().unwrap(), iat + 3600);
    assert_eq!(b["jti"].as_str().unwrap().len(), 32);

    // A user token adds sid and auth_time; client_secret_post works too.
    let user_token = fx.token("openid profile").await;
    let r = call(http().post(introspect_url(server)).form(&[
        ("token", user_token.as_str()),
        ("token_type_hint", "access_token"),
        ("client_id", &id),
        ("client_secret", &secret),
    ]))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["sub"], fx.user.as_str());
    assert_eq!(r.body["client_id"], fx.spa.as_str());
    assert_eq!(r.body["scope"], "openid profile");
    assert!(r.body["sid"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(r.body["auth_time"].as_i64().unwrap(), iat);

    // A hybrid client (confidential, with a secret) may introspect.
    let hybrid = post(
        &server.api("/HybridClients"),
        &server.admin_token().await,
        json!({"Name": "web", "RedirectUris": ["https://web.example.com/cb"]}),
    )
    .await;
    assert_eq!(hybrid.status, 201, "{}", hybrid.text);
    let r = call(
        http()
            .post(introspect_url(server))
            .basic_auth(
                hybrid.body["Client"]["Id"].as_str().unwrap(),
                hybrid.body["Secret"].as_str(),
            )
            .form(&[("token", cc_token.as_str())]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], true);
}

#[tokio::test]
async fn introspection_says_inactive_for_every_token_that_is_not_live_here() {
    let server = TestServer::spawn().await;
    let (id, secret) = server.member_client().await;
    for junk in ["not-a-token", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        assert_inactive(&server, junk).await;
    }
    // Signed by us but for another tenant.
    let other_tenant = uuid::Uuid::new_v4().to_string();
    assert_inactive(&server, &signed_token(&server, &other_tenant, &[], None)).await;
    // Same tenant: active (the check above is about the tenant, not the signature).
    let same = signed_token(&server, &server.admin.tenant_id, &[], None);
    assert_eq!(introspect(&server, &same).await.body["active"], true);

    // Revoked.
    let revoked = server.token_for(&id, &secret).await;
    let r = call(
        http()
            .post(revocation_url(&server))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", revoked.as_str())]),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_inactive(&server, &revoked).await;

    // Expired (the member client's lifetime is 3600 s; no leeway on exp).
    let expiring = server.token_for(&id, &secret).await;
    assert_eq!(introspect(&server, &expiring).await.body["active"], true);
    server.clock().advance(3600);
    assert_inactive(&server, &expiring).await;

    // `token` is required.
    let missing = call(
        http()
            .post(introspect_url(&server))
            .basic_auth(&id, Some(&secret))
            .form(&[("token_type_hint", "access_token")]),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"], "invalid_request");
}

#[tokio::test]
async fn introspection_is_for_confidential_clients_only() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let token = server.admin_token().await;

    let public = call(
        http()
            .post(introspect_url(server))
            .form(&[("token", token.as_str()), ("client_id", &fx.spa)]),
    )
    .await;
    assert_eq!(public.status, 401, "{}", public.text);
    assert_eq!(public.headers["cache-control"], "no-store");
    insta::assert_json_snapshot!("introspection_public_client", public.body);

    let bad_secret = call(
        http()
            .post(introspect_url(server))
            .basic_auth(&server.admin.admin_client_id, Some("nope"))
            .form(&[("token", token.as_str())]),
    )
    .await;
    assert_eq!(bad_secret.status, 401);
    assert_eq!(bad_secret.body["error"], "invalid_client");
    assert!(bad_secret.header("www-authenticate").is_some());

    let anonymous = call(
        http()
            .post(introspect_url(server))
            .form(&[("token", token.as_str())]),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

// ---------------------------------------------------------------------------------------------
// CORS (SPEC §7)

async fn preflight(server: &TestServer, path: &str, origin: &str) -> Reply {
    call(
        http()
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
    )
    .await
}

const CORS_PATHS: [&str; 4] = [
    "/identity/connect/token",
    "/identity/connect/userinfo",
    "/identity/connect/revocation",
    "/identity/connect/introspect",
];

#[tokio::test]
async fn preflights_from_registered_origins_are_granted_and_others_refused() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    for path in CORS_PATHS {
        // AllowedCorsOrigins entry, and the origin of a RedirectUri (authorization-code client).
        for origin in [SPA_ORIGIN, "https://app.example.com"] {
            let r = preflight(server, path, origin).await;
            assert_eq!(r.status, 204, "{path} {origin}: {}", r.text);
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
            assert_eq!(r.header("vary"), Some("Origin"));
            assert_eq!(
                r.header("access-control-allow-methods"),
                Some("POST, GET, OPTIONS")
            );
            assert_eq!(
                r.header("access-control-allow-headers"),
                Some("Authorization, Content-Type")
            );
            assert_eq!(r.header("access-control-max-age"), Some("600"));
        }
        // Compared case-insensitively, default port dropped.
        let r = preflight(server, path, "HTTPS://SPA.Example.com:443").await;
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some(SPA_ORIGIN));

        // Unknown origins (including another scheme or port of a known host) are refused.
        for origin in [
            "https://evil.example.com",
            "http://spa.example.com",
            "https://spa.example.com:8443",
            "null",
        ] {
            let r = preflight(server, path, origin).await;
            assert_eq!(r.status, 403, "{path} {origin}");
            assert!(r.header("access-control-allow-origin").is_none());
        }

        // An OPTIONS that is no preflight gets no CORS headers.
        let plain = call(http().request(reqwest::Method::OPTIONS, server.url(path))).await;
        assert_eq!(plain.status, 204);
        assert!(plain.header("access-control-allow-origin").is_none());
    }

    // An origin added by an update is known at once.
    let r = preflight(server, "/identity/connect/token", OTHER_ORIGIN).await;
    assert_eq!(r.status, 403);
    create_spa(server, "https://third.example.com/cb", &[OTHER_ORIGIN]).await;
    let r = preflight(server, "/identity/connect/token", OTHER_ORIGIN).await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn actual_requests_get_cors_headers_only_for_the_origins_of_their_own_client() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let other = create_spa(server, "https://other.example.com/cb", &[]).await;
    assert_eq!(
        preflight(server, "/identity/connect/token", OTHER_ORIGIN)
            .await
            .status,
        204,
        "the other client's origin is registered"
    );

    // Token endpoint: the authenticated client's origin gets ACAO, another client's does not.
    let code = plant_code(server, &fx.spa, SPA_CALLBACK, &fx.user, "openid").await;
    let own = redeem(server, &fx.spa, SPA_CALLBACK, &code, Some(SPA_ORIGIN)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.header("access-control-allow-origin"), Some(SPA_ORIGIN));
    assert_eq!(own.header("vary"), Some("Origin"));
    let code = plant_code(server, &fx.spa, SPA_CALLBACK, &fx.user, "openid").await;
    let foreign = redeem(server, &fx.spa, SPA_CALLBACK, &code, Some(OTHER_ORIGIN)).await;
    assert_eq!(foreign.status, 200, "{}", foreign.text);
    assert!(foreign.header("access-control-allow-origin").is_none());
    assert!(foreign.header("vary").is_none());
    // The redirect-URI origin of the other client is its own.
    let code = plant_code(
        server,
        &other,
        "https://other.example.com/cb",
        &fx.user,
        "openid",
    )
    .await;
    let r = redeem(
        server,
        &other,
        "https://other.example.com/cb",
        &code,
        Some(OTHER_ORIGIN),
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some(OTHER_ORIGIN));
    // A refused grant of the authenticated client is still readable by its own page...
    let replay = redeem(
        server,
        &fx.spa,
        SPA_CALLBACK,
        "no-such-code",
        Some(SPA_ORIGIN),
    )
    .await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.body["error"], "invalid_grant");
    assert_eq!(
        replay.header("access-control-allow-origin"),
        Some(SPA_ORIGIN)
    );
    // ...but a failed client authentication gets no CORS headers.
    let unknown = call(
        http()
            .post(server.token_url())
            .header("Origin", SPA_ORIGIN)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &uuid::Uuid::new_v4().to_string()),
                ("code", "x"),
                ("redirect_uri", SPA_CALLBACK),
            ]),
    )
    .await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.header("access-control-allow-origin").is_none());
    // A client-credentials client has no origins.
    let cc = call(
        http()
            .post(server.token_url())
            .header("Origin", SPA_ORIGIN)
            .basic_auth(
                &server.admin.admin_client_id,
                Some(&server.admin.admin_client_secret),
            )
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!(cc.status, 200);
    assert!(cc.header("access-control-allow-origin").is_none());

    // Userinfo: the origins of the token's client.
    let token = fx.token("openid").await;
    for (origin, allowed) in [
        (SPA_ORIGIN, true),
        ("https://app.example.com", true),
        (OTHER_ORIGIN, false),
    ] {
        let r = call(
            http()
                .get(userinfo_url(server))
                .header("Origin", origin)
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let expected = allowed.then_some(origin);
        assert_eq!(
            r.header("access-control-allow-origin"),
            expected,
            "{origin}"
        );
    }
    let refused = call(
        http()
            .get(userinfo_url(server))
            .header("Origin", SPA_ORIGIN)
            .bearer_auth("not-a-token"),
    )
    .await;
    assert_eq!(refused.status, 401);
    assert!(refused.header("access-control-allow-origin").is_none());

    // Revocation by the public client from its own origin.
    let r = call(
        http()
            .post(revocation_url(server))
            .header("Origin", SPA_ORIGIN)
            .form(&[("token", token.as_str()), ("client_id", &fx.spa)]),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(SPA_ORIGIN));
    let r = call(
        http()
            .post(revocation_url(server))
            .header("Origin", OTHER_ORIGIN)
            .form(&[("token", token.as_str()), ("client_id", &fx.spa)]),
    )
    .await;
    assert!(r.header("access-control-allow-origin").is_none());

    // Discovery and JWKS answer any origin.
    for path in [
        "/identity/.well-known/openid-configuration",
        "/identity/.well-known/openid-configuration/jwks",
    ] {
        let r = call(
            http()
                .get(server.url(path))
                .header("Origin", "https://anyone.example.net"),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
}

#[tokio::test]
async fn a_user_token_opens_the_management_api_only_with_the_api_scope() {
    let f = Fixture::new().await;
    // The user holds only Tenant Member, which may read the client list.
    let with_api = f.token("openid ocsapi").await;
    let r = get(&f.server.api("/ClientCredentialClients"), &with_api).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let without_api = f.token("openid profile").await;
    let r = get(&f.server.api("/ClientCredentialClients"), &without_api).await;
    assert!(r.error(403)["Reason"].as_str().unwrap().contains("ocsapi"));
}
