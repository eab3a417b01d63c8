//! A person signs in through the tenant's identity provider in a real browser (SPEC §12.2):
//! Chromium, driven by `fantoccini` through the `webdriver` kit, clicks "Sign in with …" on the
//! login page, signs in at the upstream (a second Portcullis server) and allows it, allows the
//! application at Portcullis, and lands back at the application with a code, signed in.

use crate::federation::{Fed, Rogue, Upstream, IDP_NAME};
use crate::harness::post as api_post;
use crate::webdriver::{
    browser_available, click_named, fill_named, run_flow, wait_named, wait_url_starts_with,
    where_we_are, Driver, Role, STEP,
};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_person_signs_in_through_the_upstream_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let fed = Fed::new().await;
    let op = Upstream::new(&fed.rp).await;
    fed.add_upstream(&op, true).await;
    // The application's landing page: any loopback server that answers.
    let landing = Rogue::start(0).await;
    let cb = format!("{}/cb", landing.base);
    let r = api_post(
        &fed.rp.api("/AuthorizationCodeClients"),
        &fed.admin,
        json!({"Name": "Browser app", "RedirectUris": [cb]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client_id = r.body["Id"].as_str().unwrap().to_owned();
    let mut url = url::Url::parse(&fed.rp.url("/identity/connect/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &cb)
        .append_pair("scope", "openid profile")
        .append_pair("state", "s1")
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256");
    let (start, email, password) = (url.to_string(), op.email.clone(), op.password.clone());
    let rp_base = fed.rp.base.clone();

    let mut driver = Driver::start();
    let browser = driver.connect().await;
    let c = browser.clone();
    run_flow(&mut driver, browser, Duration::from_secs(120), async move {
        c.goto(&start).await.unwrap();
        click_named(&c, None, Role::Button, &format!("Sign in with {IDP_NAME}")).await;
        fill_named(&c, None, Role::Field, "Email", &email).await;
        fill_named(&c, None, Role::Field, "Password", &password).await;
        click_named(&c, None, Role::Button, "Sign in").await;
        // The upstream asks whether Portcullis may have the sign-in.
        click_named(&c, None, Role::Button, "Allow").await;
        // Back at Portcullis, signed in: the application's own consent (also an "Allow", so
        // first wait to have left the upstream's page).
        wait_url_starts_with(&c, &rp_base).await;
        wait_named(&c, None, Role::Button, "Allow").await;
        click_named(&c, None, Role::Button, "Allow").await;
        let deadline = Instant::now() + STEP;
        loop {
            let here = c.current_url().await.unwrap().to_string();
            if here.starts_with(&cb) {
                assert!(here.contains("code="), "{here}");
                assert!(here.contains("state=s1"), "{here}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "never back at the application; {}",
                where_we_are(&c).await
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    })
    .await;
    let users = crate::harness::get(&fed.rp.api("/Users"), &fed.admin).await;
    assert!(
        users.text.contains(&op.email),
        "the person was provisioned: {}",
        users.text
    );
}
