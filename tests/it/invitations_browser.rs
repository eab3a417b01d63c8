//! Invitations (SPEC §11, §12.3) in a real browser: an administrator signs in to the portal, opens
//! Users → the user → **Invite**, and copies the link with **Copy Invitation Link** (read back
//! from Chromium's clipboard); then the invitee — the same browser with its cookies cleared, as a
//! fresh profile — opens the copied link, sees "Accept invitation", fills in **Password** and
//! **Confirm Password**, presses **Set password** and lands in the portal signed in. Everything is
//! found by its accessible name. Skipped (passing, saying so) only when chromedriver is missing
//! and `PORTCULLIS_REQUIRE_BROWSER` is not set.

use crate::harness::{http, TestServer};
use crate::portal_browser::{
    allow_clipboard, copy, open_section, read_only_value, sign_in, Scenario,
};
use crate::webdriver::{
    browser_available, click_named, fill_named, run_flow, text_of_body, wait_named, Driver, Role,
};
use fantoccini::Client;
use serde_json::json;
use std::time::Duration;

const FLOW: Duration = Duration::from_secs(180);
const INVITEE: &str = "ann@example.com";
const INVITEE_PASSWORD: &str = "ann chooses her own passphrase";

#[tokio::test]
async fn an_administrator_invites_a_user_who_sets_a_password_and_lands_in_the_portal() {
    if !browser_available() {
        return;
    }
    let server = TestServer::spawn().await;
    let s = Scenario::new(&server, "admin@localhost", &server.admin.admin_password).await;
    // Ann exists without a password: only the invitation lets her in.
    let res = http()
        .post(server.api("/Users"))
        .bearer_auth(server.admin_token().await)
        .json(&json!({ "Email": INVITEE, "Name": "Ann" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "creating Ann");
    let user_id = res.json::<serde_json::Value>().await.unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (origin, issuer) = (server.base.clone(), server.issuer());

    let mut driver = Driver::start();
    let browser = driver.connect().await;
    run_flow(
        &mut driver,
        browser.clone(),
        FLOW,
        invite_and_accept(browser, s.clone(), origin, issuer),
    )
    .await;
    drop(driver);

    let invitation = s.api_get(&format!("/Users/{user_id}/Invitation")).await;
    assert_eq!(invitation["State"], 2, "accepted: {invitation}");
    assert!(invitation["Accepted"].is_string(), "{invitation}");
}

async fn invite_and_accept(c: Client, s: Scenario, origin: String, issuer: String) {
    c.set_window_size(1280, 1000).await.unwrap();
    sign_in(&c, &s).await;
    allow_clipboard(&c, &origin).await;
    open_section(&c, "Users").await;
    click_named(&c, None, Role::Link, "Ann").await;
    let details = wait_named(&c, None, Role::Region, "Details").await;
    click_named(&c, Some(&details), Role::Button, "Invite").await;
    let shown = read_only_value(&c, "Invitation Link").await;
    let link = copy(&c, "Copy Invitation Link").await;
    assert_eq!(link, shown, "Copy Invitation Link copied something else");
    assert!(
        link.starts_with(&format!("{issuer}/account/invitation?code=")),
        "{link}"
    );
    click_named(&c, None, Role::Button, "Close").await;
    wait_named(&c, None, Role::Region, "Details").await;

    // The invitee: a browser without the administrator's session.
    c.delete_all_cookies().await.unwrap();
    c.goto(&link).await.unwrap();
    wait_named(&c, None, Role::Heading, "Accept invitation").await;
    fill_named(&c, None, Role::Field, "Password", INVITEE_PASSWORD).await;
    fill_named(&c, None, Role::Field, "Confirm Password", INVITEE_PASSWORD).await;
    click_named(&c, None, Role::Button, "Set password").await;
    wait_named(&c, None, Role::Button, "Menu").await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.path().starts_with("/portal"),
        "not in the portal: {url}"
    );
    let body = text_of_body(&c).await;
    assert!(body.contains(INVITEE), "not signed in as Ann: {body}");
}
