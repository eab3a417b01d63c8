//! Refresh tokens (SPEC §4.4): only for hybrid clients with AllowOfflineAccess and a granted
//! offline_access; rotation on every use; the same successor pair for a retry within 10 s; family
//! revocation on later reuse; narrowing but never widening; absolute lifetime; ended by revocation,
//! client disable or delete, and user delete; and a race of 20 concurrent refreshes.

use crate::harness::{
    call, delete, http, jwt_claims, plant_code, post, Reply, TestServer, TENANT_MEMBER,
};
use serde_json::json;

const REDIRECT: &str = "https://web.example/signin-oidc";

struct Hybrid {
    id: String,
    secret: String,
}

async fn hybrid(server: &TestServer, offline: bool) -> Hybrid {
    let r = post(
        &server.api("/HybridClients"),
        &server.admin_token().await,
        json!({"Name": "web", "RedirectUris": [REDIRECT], "AllowOfflineAccess": offline}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    Hybrid {
        id: r.body["Client"]["Id"].as_str().unwrap().to_owned(),
        secret: r.body["Secret"].as_str().unwrap().to_owned(),
    }
}

async fn user(server: &TestServer) -> String {
    let member = server.role_id(TENANT_MEMBER).await;
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let r = post(
        &server.api("/Users"),
        &server.admin_token().await,
        json!({"Email": email, "Password": "correct horse battery", "RoleIds": [member]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

/// Signs `user` in to `c` with `scope` and redeems the code.
async fn sign_in(server: &TestServer, c: &Hybrid, user: &str, scope: &str) -> Reply {
    let code = plant_code(server, &c.id, REDIRECT, user, scope).await;
    server
        .token_request(
            &c.id,
            &c.secret,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await
}

async fn refresh(server: &TestServer, c: &Hybrid, token: &str, scope: Option<&str>) -> Reply {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    server.token_request(&c.id, &c.secret, &form).await
}

fn rt(r: &Reply) -> String {
    r.body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {}", r.text))
        .to_owned()
}

fn grant_error(r: &Reply, error: &str) {
    assert_eq!(
        (r.status, r.body["error"].as_str().unwrap_or("")),
        (400, error),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn refresh_tokens_go_only_to_hybrid_clients_that_allow_them_and_asked_for_them() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let allowed = hybrid(&server, true).await;
    let r = sign_in(&server, &allowed, &u, "openid ocsapi offline_access").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = rt(&r);
    assert!(token.len() >= 43, "≥ 256 bits");
    assert_eq!(r.body["scope"], "openid ocsapi offline_access");

    // Without offline_access in the grant: no refresh token.
    let r = sign_in(&server, &allowed, &u, "openid ocsapi").await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("refresh_token").is_none(), "{}", r.text);

    // A client without AllowOfflineAccess never gets one.
    let denied = hybrid(&server, false).await;
    let r = sign_in(&server, &denied, &u, "openid ocsapi offline_access").await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("refresh_token").is_none(), "{}", r.text);
}

#[tokio::test]
async fn every_refresh_rotates_and_a_retry_within_ten_seconds_gets_the_same_pair() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let c = hybrid(&server, true).await;
    let first = rt(&sign_in(&server, &c, &u, "openid ocsapi offline_access").await);

    let a = refresh(&server, &c, &first, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let second = rt(&a);
    assert_ne!(second, first);
    assert!(a.body["id_token"].is_string());
    assert_eq!(
        jwt_claims(a.body["access_token"].as_str().unwrap())["sub"],
        u.as_str()
    );

    // A retry of the old token (lost response) within the window: the very same pair.
    server.clock().advance(9);
    let retry = refresh(&server, &c, &first, None).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body["refresh_token"], a.body["refresh_token"]);
    assert_eq!(retry.body["access_token"], a.body["access_token"]);

    // The successor works and rotates in turn.
    let b = refresh(&server, &c, &second, None).await;
    assert_eq!(b.status, 200, "{}", b.text);
    let third = rt(&b);

    // After the window, reusing the first token revokes the whole family, the newest included.
    server.clock().advance(2);
    grant_error(&refresh(&server, &c, &first, None).await, "invalid_grant");
    grant_error(&refresh(&server, &c, &third, None).await, "invalid_grant");
}

#[tokio::test]
async fn scope_may_narrow_but_never_widen_and_the_family_keeps_its_grant() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let c = hybrid(&server, true).await;
    let t = rt(&sign_in(&server, &c, &u, "openid ocsapi offline_access").await);

    let wider = refresh(&server, &c, &t, Some("openid ocsapi offline_access email")).await;
    assert_eq!(wider.body["error"], "invalid_scope", "{}", wider.text);

    let narrow = refresh(&server, &c, &t, Some("ocsapi")).await;
    assert_eq!(narrow.status, 200, "{}", narrow.text);
    assert_eq!(narrow.body["scope"], "ocsapi");
    assert_eq!(
        jwt_claims(narrow.body["access_token"].as_str().unwrap())["scope"],
        "ocsapi"
    );
    assert!(
        narrow.body.get("id_token").is_none(),
        "no openid, no ID token"
    );

    // The successor still carries the original grant.
    let full = refresh(&server, &c, &rt(&narrow), None).await;
    assert_eq!(
        full.body["scope"], "openid ocsapi offline_access",
        "{}",
        full.text
    );
}

#[tokio::test]
async fn refresh_tokens_have_an_absolute_lifetime() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let c = hybrid(&server, true).await;
    let mut t = rt(&sign_in(&server, &c, &u, "openid offline_access").await);
    let lifetime = server.ctx.config.refresh_token_lifetime;
    // Rotating does not extend the family.
    server.clock().advance(lifetime - 100);
    t = rt(&refresh(&server, &c, &t, None).await);
    server.clock().advance(101);
    grant_error(&refresh(&server, &c, &t, None).await, "invalid_grant");
}

#[tokio::test]
async fn refresh_tokens_are_bound_to_their_client() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let a = hybrid(&server, true).await;
    let b = hybrid(&server, true).await;
    let t = rt(&sign_in(&server, &a, &u, "openid offline_access").await);
    grant_error(&refresh(&server, &b, &t, None).await, "invalid_grant");
    grant_error(
        &refresh(&server, &a, "not-a-token", None).await,
        "invalid_grant",
    );
    // A missing parameter is malformed, not a bad grant.
    let r = server
        .token_request(&a.id, &a.secret, &[("grant_type", "refresh_token")])
        .await;
    assert_eq!(r.body["error"], "invalid_request");
    // The token still works for its own client.
    assert_eq!(refresh(&server, &a, &t, None).await.status, 200);
}

#[tokio::test]
async fn revocation_client_disable_client_delete_and_user_delete_end_refresh_tokens() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let u = user(&server).await;
    let c = hybrid(&server, true).await;

    // Revocation (RFC 7009) of a refresh token ends its family.
    let t = rt(&sign_in(&server, &c, &u, "openid offline_access").await);
    let r = call(
        http()
            .post(server.url("/identity/connect/revocation"))
            .basic_auth(&c.id, Some(&c.secret))
            .form(&[("token", t.as_str()), ("token_type_hint", "refresh_token")]),
    )
    .await;
    assert_eq!(r.status, 200);
    grant_error(&refresh(&server, &c, &t, None).await, "invalid_grant");

    // Disabling the client ends its tokens for good, even once it is enabled again.
    let t = rt(&sign_in(&server, &c, &u, "openid offline_access").await);
    let put = |enabled: bool| {
        http()
            .put(server.api(&format!("/HybridClients/{}", c.id)))
            .bearer_auth(&admin)
            .json(&json!({ "Enabled": enabled }))
    };
    assert_eq!(call(put(false)).await.status, 200);
    assert_eq!(call(put(true)).await.status, 200);
    grant_error(&refresh(&server, &c, &t, None).await, "invalid_grant");

    // Deleting the user ends them.
    let t = rt(&sign_in(&server, &c, &u, "openid offline_access").await);
    let r = delete(&server.api(&format!("/Users/{u}")), &admin).await;
    assert_eq!(r.status, 204);
    grant_error(&refresh(&server, &c, &t, None).await, "invalid_grant");

    // Deleting the client ends them (the client can no longer even authenticate).
    let u2 = user(&server).await;
    let t = rt(&sign_in(&server, &c, &u2, "openid offline_access").await);
    let r = delete(&server.api(&format!("/HybridClients/{}", c.id)), &admin).await;
    assert_eq!(r.status, 204);
    let r = refresh(&server, &c, &t, None).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let hash = portcullis::crypto::secrets::sha256_b64url(&t);
    let ctx = server.ctx.clone();
    let gone = tokio::task::spawn_blocking(move || {
        ctx.store
            .read(|conn| portcullis::store::refresh::get(conn, &hash))
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        gone.is_none(),
        "the client's refresh tokens are deleted with it"
    );
}

#[tokio::test]
async fn twenty_concurrent_refreshes_of_one_token_create_exactly_one_successor() {
    let server = TestServer::spawn().await;
    let u = user(&server).await;
    let c = hybrid(&server, true).await;
    let t = rt(&sign_in(&server, &c, &u, "openid ocsapi offline_access").await);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let url = server.token_url();
            let (id, secret, t) = (c.id.clone(), c.secret.clone(), t.clone());
            tokio::spawn(async move {
                call(http().post(url).basic_auth(id, Some(secret)).form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", t.as_str()),
                ]))
                .await
            })
        })
        .collect();
    let mut successors = std::collections::HashSet::new();
    let mut refused = 0;
    for task in tasks {
        let r = task.await.unwrap();
        assert!(r.status < 500, "never a 5xx: {} {}", r.status, r.text);
        if r.status == 200 {
            successors.insert((
                r.body["refresh_token"].as_str().unwrap().to_owned(),
                r.body["access_token"].as_str().unwrap().to_owned(),
            ));
        } else {
            grant_error(&r, "invalid_grant");
            refused += 1;
        }
    }
    assert_eq!(
        successors.len(),
        1,
        "every success is the same successor pair ({refused} refused)"
    );
    let hash = portcullis::crypto::secrets::sha256_b64url(&t);
    let ctx = server.ctx.clone();
    let size = tokio::task::spawn_blocking(move || {
        ctx.store
            .read(|conn| -> Result<i64, portcullis::store::StoreError> {
                let family = portcullis::store::refresh::get(conn, &hash)?
                    .unwrap()
                    .family_id;
                portcullis::store::refresh::family_size(conn, &family)
            })
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(size, 2, "the original and exactly one successor");
}
