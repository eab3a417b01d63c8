//! CORS on the management API (SPEC §7, management API part): a preflight from an origin that a
//! client of the tenant in the path registered is granted; an actual request gets
//! `Access-Control-Allow-Origin` only for the origins of the client whose token it carries, with
//! `Total-Count` and `Location` exposed; every other origin gets no CORS header.

use crate::harness::{call, http, plant_code, post, Reply, TestServer};
use reqwest::Method;
use serde_json::json;

/// The AllowedCorsOrigins entry of the SPA client.
const SPA_ORIGIN: &str = "https://spa.example.com";
const SPA_CALLBACK: &str = "https://spa.example.com/callback";
/// An origin registered by another client of the same tenant.
const OTHER_ORIGIN: &str = "https://other.example.com";
/// An origin no client registered.
const STRANGER: &str = "https://stranger.example.com";

/// The tenant, an SPA client, a second client with another origin, and a user token of the SPA
/// with the API scope, redeemed at the real token endpoint.
struct Fixture {
    server: TestServer,
    spa_token: String,
}

async fn create_spa(server: &TestServer, name: &str, redirect: &str, origin: &str) -> String {
    let r = post(
        &server.api("/AuthorizationCodeClients"),
        &server.admin_token().await,
        json!({"Name": name, "RedirectUris": [redirect], "AllowedCorsOrigins": [origin]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::spawn().await;
        let admin = server.admin_token().await;
        let user = post(
            &server.api("/Users"),
            &admin,
            json!({"Email": "ada@example.com", "Name": "Ada", "Password": "correct horse battery staple"}),
        )
        .await;
        assert_eq!(user.status, 201, "{}", user.text);
        let user = user.body["Id"].as_str().unwrap().to_owned();
        let spa = create_spa(&server, "spa", SPA_CALLBACK, SPA_ORIGIN).await;
        create_spa(
            &server,
            "other",
            "https://other.example.com/cb",
            OTHER_ORIGIN,
        )
        .await;
        let scope = format!("openid {}", server.ctx.config.api_scope);
        let code = plant_code(&server, &spa, SPA_CALLBACK, &user, &scope).await;
        let r = call(http().post(server.token_url()).form(&[
            ("grant_type", "authorization_code"),
            ("client_id", spa.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", SPA_CALLBACK),
        ]))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let spa_token = r.body["access_token"].as_str().unwrap().to_owned();
        Fixture { server, spa_token }
    }
}

async fn preflight(url: &str, origin: &str, method: &str) -> Reply {
    call(
        http()
            .request(Method::OPTIONS, url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "authorization"),
    )
    .await
}

async fn from_origin(method: Method, url: &str, token: Option<&str>, origin: &str) -> Reply {
    let mut req = http().request(method, url).header("Origin", origin);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    call(req).await
}

fn assert_no_cors(r: &Reply, what: &str) {
    for h in [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-expose-headers",
    ] {
        assert!(r.header(h).is_none(), "{what}: {h} = {:?}", r.header(h));
    }
}

#[tokio::test]
async fn a_preflight_is_granted_to_origins_registered_in_the_tenant_of_the_path() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let tenant_path = format!("/api/v1/Tenants/{}", server.admin.tenant_id);
    let upper = format!(
        "/API/v1/tenants/{}/ClientCredentialClients",
        server.admin.tenant_id.to_uppercase()
    );
    for path in [
        tenant_path.clone(),
        format!("{tenant_path}/AuthorizationCodeClients"),
        format!("{tenant_path}/Users/{}", uuid::Uuid::new_v4()),
        upper,
    ] {
        for origin in [SPA_ORIGIN, OTHER_ORIGIN] {
            let r = preflight(&server.url(&path), origin, "PUT").await;
            assert_eq!(r.status, 204, "{path} from {origin}: {}", r.text);
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
            assert_eq!(r.header("vary"), Some("Origin"));
            let methods = r.header("access-control-allow-methods").unwrap();
            for m in ["GET", "HEAD", "POST", "PUT", "DELETE"] {
                assert!(methods.contains(m), "{methods}");
            }
            let headers = r.header("access-control-allow-headers").unwrap();
            assert!(headers.contains("Authorization") && headers.contains("Content-Type"));
            assert!(r.header("access-control-max-age").is_some());
        }
        let r = preflight(&server.url(&path), STRANGER, "GET").await;
        assert_eq!(r.status, 403, "{path}");
        assert_no_cors(&r, "an unregistered origin");
    }
    // Registered in this tenant, not in the other one.
    let (other_tenant, _) = server.other_tenant().await;
    let r = preflight(
        &server.url(&format!("/api/v1/Tenants/{other_tenant}/Users")),
        SPA_ORIGIN,
        "GET",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_no_cors(&r, "another tenant's path");
    // An OPTIONS that is no preflight is no longer a 405.
    let r = call(http().request(Method::OPTIONS, server.url(&tenant_path))).await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn actual_requests_are_readable_only_by_the_origins_of_the_tokens_client() {
    let fx = Fixture::new().await;
    let server = &fx.server;
    let tenant = server.url(&format!("/api/v1/Tenants/{}", server.admin.tenant_id));
    let list = server.api("/AuthorizationCodeClients");

    let r = from_origin(Method::GET, &tenant, Some(&fx.spa_token), SPA_ORIGIN).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some(SPA_ORIGIN));
    assert_eq!(r.header("vary"), Some("Origin"));
    let r = from_origin(Method::GET, &list, Some(&fx.spa_token), SPA_ORIGIN).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 2);
    assert_eq!(r.header("access-control-allow-origin"), Some(SPA_ORIGIN));
    let exposed = r.header("access-control-expose-headers").unwrap();
    assert!(
        exposed.contains("Total-Count") && exposed.contains("Location"),
        "{exposed}"
    );
    // A refusal of the token's own client is readable too (a Tenant Member may not create).
    let r = call(
        http()
            .post(&list)
            .header("Origin", SPA_ORIGIN)
            .bearer_auth(&fx.spa_token)
            .json(&json!({"Name": "x", "RedirectUris": ["https://x.example.com/cb"]})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some(SPA_ORIGIN));

    // Another client's origin, an unregistered one, a token of a client without origins, and no
    // token at all: no CORS header.
    let r = from_origin(Method::GET, &tenant, Some(&fx.spa_token), OTHER_ORIGIN).await;
    assert_eq!(r.status, 200);
    assert_no_cors(&r, "another client's origin");
    let r = from_origin(Method::GET, &tenant, Some(&fx.spa_token), STRANGER).await;
    assert_no_cors(&r, "an unregistered origin");
    let admin = server.admin_token().await;
    let r = from_origin(Method::GET, &tenant, Some(&admin), SPA_ORIGIN).await;
    assert_eq!(r.status, 200);
    assert_no_cors(&r, "a client without origins");
    let r = from_origin(Method::GET, &list, None, SPA_ORIGIN).await;
    assert_eq!(r.status, 401);
    assert_no_cors(&r, "no token");
}
