//! Discovery and JWKS as a relying party sees them (the `openidconnect` crate), and the signing
//! key life cycle seen from outside: a rotated key is published before it signs; a retired one
//! still verifies.

use crate::harness::{call, http, jwt_header, TestServer};
use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{IssuerUrl, JsonWebKey, JsonWebKeyId};
use portcullis::crypto::keys::{KeyStore, SigningAlg};
use portcullis::service::keys::ROTATION_DELAY;

fn rp_http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn provider(server: &TestServer) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(IssuerUrl::new(server.issuer()).unwrap(), &rp_http())
        .await
        .expect("discovery as a relying party")
}

/// The `kid` in a JWT's header.
fn kid_of(jwt: &str) -> String {
    jwt_header(jwt)["kid"].as_str().unwrap().to_owned()
}

/// Verifies a JWT's signature with the JWKS key of its `kid`, as a relying party would.
fn verifies_with(jwks: &CoreJsonWebKeySet, jwt: &str) -> bool {
    use base64::Engine;
    let kid = JsonWebKeyId::new(kid_of(jwt));
    let Some(key) = jwks.keys().iter().find(|k| k.key_id() == Some(&kid)) else {
        return false;
    };
    let (message, sig) = jwt.rsplit_once('.').unwrap();
    let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let alg = match key.signing_alg() {
        openidconnect::JsonWebKeyAlgorithm::Algorithm(a) => a.clone(),
        other => panic!("JWKS key without a signing alg: {other:?}"),
    };
    key.verify_signature(&alg, message.as_bytes(), &sig).is_ok()
}

#[tokio::test]
async fn a_relying_party_reads_discovery_and_verifies_tokens_with_the_jwks() {
    let server = TestServer::spawn().await;
    let meta = provider(&server).await;
    assert_eq!(meta.issuer().as_str(), server.issuer());
    // OIDC Discovery §3 defaults the server does not honour are stated, not left implied
    // (`request_uri_parameter_supported` defaults to true).
    assert_eq!(meta.request_parameter_supported(), Some(false));
    assert_eq!(meta.request_uri_parameter_supported(), Some(false));
    assert_eq!(meta.claims_parameter_supported(), Some(false));
    assert_eq!(
        meta.token_endpoint().unwrap().as_str(),
        server.url("/identity/connect/token")
    );
    let jwks = CoreJsonWebKeySet::fetch_async(meta.jwks_uri(), &rp_http())
        .await
        .unwrap();
    let token = server.admin_token().await;
    assert!(
        verifies_with(&jwks, &token),
        "access token must verify against the JWKS"
    );
    // A changed signature character (in the middle, so the base64 stays well-formed) must not verify.
    let sig_start = token.rfind('.').unwrap() + 1;
    let at = sig_start + 10;
    let mut tampered = token.clone();
    let c = if &token[at..at + 1] == "A" { "B" } else { "A" };
    tampered.replace_range(at..at + 1, c);
    assert!(!verifies_with(&jwks, &tampered));
}

#[tokio::test]
async fn discovery_advertises_what_works_and_is_public_and_cacheable() {
    let server = TestServer::spawn().await;
    for path in [
        "/identity/.well-known/openid-configuration",
        "/identity/.well-known/oauth-authorization-server",
        "/identity/.well-known/openid-configuration/jwks",
    ] {
        let res = call(
            http()
                .get(server.url(path))
                .header("Origin", "https://anywhere.example"),
        )
        .await;
        assert_eq!(res.status, 200, "{path}");
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        let cc = res.header("cache-control").unwrap();
        assert!(cc.starts_with("public, max-age="), "{path}: {cc}");
    }
    let doc = call(http().get(server.url("/identity/.well-known/openid-configuration")))
        .await
        .body;
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!(["authorization_code", "client_credentials", "refresh_token"])
    );
    assert_eq!(
        doc["response_types_supported"],
        serde_json::json!(["code", "code id_token", "code token", "code id_token token"])
    );
    assert!(doc["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("offline_access")));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(doc["issuer"], server.issuer());
    for (member, path) in [
        ("userinfo_endpoint", "/connect/userinfo"),
        ("revocation_endpoint", "/connect/revocation"),
        ("introspection_endpoint", "/connect/introspect"),
        ("end_session_endpoint", "/connect/endsession"),
        ("authorization_endpoint", "/connect/authorize"),
    ] {
        assert_eq!(
            doc[member],
            format!("{}{path}", server.issuer()),
            "{member}"
        );
    }
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
}

#[tokio::test]
async fn a_rotated_key_is_published_before_it_signs_and_a_retired_key_still_verifies() {
    let server = TestServer::spawn().await;
    let old_token = server.admin_token().await;
    let old_kid = kid_of(&old_token);
    let now = server.clock().now();
    let store = KeyStore::new(&server.ctx.config.keys_dir);
    let next = store
        .rotate(SigningAlg::RS256, now, ROTATION_DELAY)
        .unwrap();
    server.ctx.keys.refresh(now).unwrap();

    let fetch_jwks = || async {
        CoreJsonWebKeySet::fetch_async(
            &openidconnect::JsonWebKeySetUrl::new(
                server.url("/identity/.well-known/openid-configuration/jwks"),
            )
            .unwrap(),
            &rp_http(),
        )
        .await
        .unwrap()
    };
    // Published at once...
    let jwks = fetch_jwks().await;
    let kids: Vec<String> = jwks
        .keys()
        .iter()
        .filter_map(|k| k.key_id().map(|k| k.as_str().to_owned()))
        .collect();
    assert!(
        kids.contains(&next.kid),
        "next key must be in the JWKS: {kids:?}"
    );
    // ...but not signing yet.
    assert_eq!(kid_of(&server.admin_token().await), old_kid);

    // After the JWKS cache lifetime the next key signs, and the old key's tokens still verify.
    server.clock().advance(ROTATION_DELAY + 1);
    server.ctx.keys.refresh(server.clock().now()).unwrap();
    let new_token = server.admin_token().await;
    assert_eq!(kid_of(&new_token), next.kid);
    let jwks = fetch_jwks().await;
    assert!(verifies_with(&jwks, &new_token));
    assert!(
        verifies_with(&jwks, &old_token),
        "a retired key must still verify"
    );
}
