//! Invitations (SPEC §12.3) over the management API, the "Accept invitation" page and
//! `accept_upstream`: every endpoint and rule (21 days by default, at most two months ahead,
//! one per user, list with and without expired ones, a PUT renews the code, Tenant Administrator
//! only, HEAD), the link's code (256 bits, stored only as its SHA-256), accepting with a password
//! (signed in, on the portal, and the password works at the login page), unusable codes (the
//! error page, nothing changes), the purge two weeks after expiry, and binding an upstream
//! identity through the store.

use crate::harness::{delete, get, head, keys, post, put, TestServer};
use crate::portal;
use crate::signin::{browser, get as browse, post as submit, Page};
use base64::Engine;
use portcullis::domain::time::{format_time, parse_time};
use portcullis::domain::{Invitation, InvitationId, TenantId, UserId};
use portcullis::service::invitations::{accept_upstream, code_hash};
use portcullis::service::ServiceError;
use serde_json::{json, Value};

const LOCAL_IDP: &str = "00000000-0000-0000-0000-00000000000a";
const UPSTREAM_IDP: &str = "e2398938-bf8f-40fa-b380-d538ece2bfc2";
const PASSWORD: &str = "a long enough passphrase";
const DAY: i64 = 86_400;

const INVITATION_KEYS: [&str; 9] = [
    "Id",
    "Issued",
    "Expires",
    "Accepted",
    "State",
    "TenantId",
    "UserId",
    "IdentityProviderId",
    "InvitationUrl",
];

/// Creates a user (Local unless `idp` is given); returns its id.
async fn new_user(server: &TestServer, token: &str, email: &str, idp: Option<&str>) -> String {
    let mut body = json!({ "Email": email, "Name": email });
    if let Some(idp) = idp {
        body["IdentityProviderId"] = json!(idp);
    }
    let r = post(&server.api("/Users"), token, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

fn invitation_path(user: &str) -> String {
    format!("/Users/{user}/Invitation")
}

/// POSTs an invitation for `user`; returns the answer's body.
async fn invite(server: &TestServer, token: &str, user: &str, body: Value) -> Value {
    let r = post(&server.api(&invitation_path(user)), token, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// The code of an invitation link (checked to be a link of this server).
fn code_of(server: &TestServer, url: &str) -> String {
    let prefix = format!("{}/account/invitation?code=", server.issuer());
    url.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} is not an invitation link"))
        .to_owned()
}

/// The stored row of an invitation.
async fn stored(server: &TestServer, id: &str) -> Option<Invitation> {
    let (store, tenant) = (server.ctx.store.clone(), server.admin.tenant_id.clone());
    let id = InvitationId::parse(id).unwrap();
    tokio::task::spawn_blocking(move || {
        store.read(|c| {
            portcullis::store::invitations::get(c, &TenantId::parse(&tenant).unwrap(), &id)
        })
    })
    .await
    .unwrap()
    .unwrap()
}

fn time(v: &Value) -> i64 {
    parse_time(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap()
}

#[tokio::test]
async fn an_invitation_is_created_read_renewed_and_deleted() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let now = server.clock().now();
    let user = new_user(&server, &token, "ann@example.com", None).await;

    let r = post(&server.api(&invitation_path(&user)), &token, json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(keys(&r.body), INVITATION_KEYS, "OCS order");
    let created = r.body.clone();
    let id = created["Id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(server.api(&format!("/Invitations/{id}")).as_str())
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(time(&created["Issued"]), now);
    assert_eq!(
        time(&created["Expires"]),
        now + 21 * DAY,
        "21 days by default"
    );
    assert_eq!(created["Accepted"], Value::Null);
    assert_eq!(created["State"], 0);
    assert_eq!(created["TenantId"], server.admin.tenant_id.as_str());
    assert_eq!(created["UserId"], user.as_str());
    assert_eq!(
        created["IdentityProviderId"], LOCAL_IDP,
        "the user's provider"
    );

    // The code: 256 random bits, URL-safe, stored only as its SHA-256.
    let code = code_of(&server, created["InvitationUrl"].as_str().unwrap());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&code)
        .unwrap();
    assert!(bytes.len() * 8 >= 256, "{code}");
    let row = stored(&server, &id).await.unwrap();
    assert_ne!(row.code_hash, code);
    assert!(!row.code_hash.contains(&code));
    assert_eq!(row.code_hash, code_hash(&code));

    // One per user.
    let again = post(&server.api(&invitation_path(&user)), &token, json!({})).await;
    again.error(409);

    // GET and HEAD by user and by id: no link any more.
    for path in [invitation_path(&user), format!("/Invitations/{id}")] {
        let g = get(&server.api(&path), &token).await;
        assert_eq!(g.status, 200, "{}", g.text);
        assert_eq!(keys(&g.body), INVITATION_KEYS);
        assert_eq!(
            g.body["InvitationUrl"],
            Value::Null,
            "the link is shown once"
        );
        assert_eq!(g.body["Id"], id.as_str());
        let h = head(&server.api(&path), &token).await;
        assert_eq!((h.status, h.text.as_str()), (200, ""));
    }

    // PUT issues a new code; the old link stops working; a PUT without ExpiresDateTime keeps
    // the expiry, one with it sets it.
    server.clock().advance(60);
    let renewed = put(
        &server.api(&format!("/Invitations/{id}")),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_eq!(renewed.header("cache-control"), Some("no-store"));
    let new_code = code_of(&server, renewed.body["InvitationUrl"].as_str().unwrap());
    assert_ne!(new_code, code);
    assert_eq!(time(&renewed.body["Expires"]), now + 21 * DAY);
    assert_eq!(time(&renewed.body["Issued"]), now + 60);
    let b = browser();
    let old = browse(&b, &accept_url(&server, &code)).await;
    assert_unusable(&old);
    let new = browse(&b, &accept_url(&server, &new_code)).await;
    assert_eq!(new.status, 200, "{}", new.text);
    let later = format_time(now + 30 * DAY);
    let by_user = put(
        &server.api(&invitation_path(&user)),
        &token,
        json!({"ExpiresDateTime": later, "SendInvitation": false}),
    )
    .await;
    assert_eq!(by_user.status, 200, "{}", by_user.text);
    assert_eq!(by_user.body["Expires"], later.as_str());
    assert_unusable(&browse(&b, &accept_url(&server, &new_code)).await);

    // DELETE by user, then by id: gone.
    assert_eq!(
        delete(&server.api(&invitation_path(&user)), &token)
            .await
            .status,
        204
    );
    get(&server.api(&invitation_path(&user)), &token)
        .await
        .not_found();
    delete(&server.api(&format!("/Invitations/{id}")), &token)
        .await
        .not_found();
    assert!(stored(&server, &id).await.is_none());
    // No body at all is `{}` (every property has a default).
    let no_body = crate::harness::call(
        crate::harness::http()
            .post(server.api(&invitation_path(&user)))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(no_body.status, 201, "{}", no_body.text);
    let second = no_body.body;
    let second_id = second["Id"].as_str().unwrap();
    assert_eq!(
        delete(&server.api(&format!("/Invitations/{second_id}")), &token)
            .await
            .status,
        204
    );
    get(&server.api(&invitation_path(&user)), &token)
        .await
        .not_found();
    // Not an object: 400.
    put(&server.api(&invitation_path(&user)), &token, json!([]))
        .await
        .bad_request();

    // Deleting the user deletes the invitation.
    let third = invite(&server, &token, &user, json!({})).await;
    let user_url = server.api(&format!("/Users/{user}"));
    assert_eq!(delete(&user_url, &token).await.status, 204);
    assert!(stored(&server, third["Id"].as_str().unwrap())
        .await
        .is_none());
}

#[tokio::test]
async fn expiry_must_be_in_the_future_and_at_most_two_months_ahead() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let now = server.clock().now();
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let url = server.api(&invitation_path(&user));
    for bad in [
        format_time(now - 1),
        format_time(now),
        format_time(now + 63 * DAY),
        "not a date".to_owned(),
    ] {
        let r = post(&url, &token, json!({ "ExpiresDateTime": bad })).await;
        r.bad_request();
        assert!(
            r.body["Reason"]
                .as_str()
                .unwrap()
                .contains("ExpiresDateTime"),
            "{}",
            r.text
        );
    }
    let wrong_type = post(&url, &token, json!({ "ExpiresDateTime": 5 })).await;
    wrong_type.bad_request();
    let other_idp = post(&url, &token, json!({ "IdentityProviderId": UPSTREAM_IDP })).await;
    other_idp.bad_request();
    let not_guid = post(&url, &token, json!({ "IdentityProviderId": "x" })).await;
    not_guid.bad_request();
    get(&url, &token).await.not_found();

    let at = format_time(now + 59 * DAY);
    let ok = invite(&server, &token, &user, json!({ "ExpiresDateTime": at })).await;
    assert_eq!(ok["Expires"], at.as_str());
    // The same rules on PUT.
    let too_far = put(
        &url,
        &token,
        json!({ "ExpiresDateTime": format_time(now + 63 * DAY) }),
    );
    too_far.await.bad_request();
    put(
        &url,
        &token,
        json!({ "ExpiresDateTime": format_time(now - 5) }),
    )
    .await
    .bad_request();
}

#[tokio::test]
async fn the_list_hides_expired_invitations_unless_asked_and_pages() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let now = server.clock().now();
    let soon = new_user(&server, &token, "soon@example.com", None).await;
    let later = new_user(&server, &token, "later@example.com", None).await;
    let short = json!({ "ExpiresDateTime": format_time(now + DAY) });
    let soon_id = invite(&server, &token, &soon, short).await["Id"].clone();
    server.clock().advance(1);
    let later_id = invite(&server, &token, &later, json!({})).await["Id"].clone();

    let all = get(&server.api("/Invitations"), &token).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.total_count(), 2);
    let listed: Vec<&Value> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["Id"])
        .collect();
    assert_eq!(listed, [&soon_id, &later_id], "by creation");
    assert!(all.body[0]["InvitationUrl"].is_null());
    let page = get(&server.api("/Invitations?skip=1&count=1"), &token).await;
    assert_eq!(page.total_count(), 2);
    assert_eq!(page.body.as_array().unwrap().len(), 1);
    assert_eq!(page.body[0]["Id"], later_id);
    get(&server.api("/Invitations?count=0"), &token)
        .await
        .bad_request();

    server.clock().advance(DAY);
    let token = server.admin_token().await;
    let current = get(&server.api("/Invitations"), &token).await;
    assert_eq!(current.total_count(), 1);
    assert_eq!(current.body[0]["Id"], later_id);
    let with = get(
        &server.api("/Invitations?includeExpiredInvitations=true"),
        &token,
    )
    .await;
    assert_eq!(with.total_count(), 2);
    let h = head(
        &server.api("/Invitations?IncludeExpiredInvitations=TRUE"),
        &token,
    )
    .await;
    assert_eq!((h.status, h.total_count(), h.text.as_str()), (200, 2, ""));
    get(
        &server.api("/Invitations?includeExpiredInvitations=maybe"),
        &token,
    )
    .await
    .bad_request();
    // An expired invitation can still be read, renewed and deleted.
    let expired = get(&server.api(&invitation_path(&soon)), &token).await;
    assert_eq!(expired.status, 200);
}

#[tokio::test]
async fn only_tenant_administrators_manage_invitations() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let id = invite(&server, &token, &user, json!({})).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = server.member_token().await;
    let (_, other) = server.other_tenant().await;
    let paths = [
        invitation_path(&user),
        format!("/Invitations/{id}"),
        "/Invitations".to_owned(),
    ];
    for caller in [&member, &other] {
        for p in &paths {
            let url = server.api(p);
            get(&url, caller).await.forbidden();
            assert_eq!(head(&url, caller).await.status, 403);
        }
        for p in &paths[..2] {
            let url = server.api(p);
            put(&url, caller, json!({})).await.forbidden();
            delete(&url, caller).await.forbidden();
        }
        post(&server.api(&invitation_path(&user)), caller, json!({}))
            .await
            .forbidden();
    }
    let no_token =
        crate::harness::call(crate::harness::http().get(server.api("/Invitations"))).await;
    no_token.error(401);
    // Nothing changed: the link was never reissued.
    let after = get(&server.api(&format!("/Invitations/{id}")), &token).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.body["State"], 0);
    // Unknown ids.
    let nobody = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    get(&server.api(&invitation_path(nobody)), &token)
        .await
        .not_found();
    post(&server.api(&invitation_path(nobody)), &token, json!({}))
        .await
        .not_found();
    get(&server.api(&format!("/Invitations/{nobody}")), &token)
        .await
        .not_found();
    get(&server.api("/Invitations/not-a-guid"), &token)
        .await
        .bad_request();
    // Methods OCS does not have: 405 with an ErrorResponse.
    for url in [
        server.api("/Invitations"),
        server.api(&format!("/Invitations/{id}")),
    ] {
        let r = crate::harness::call(crate::harness::http().post(url).bearer_auth(&token)).await;
        r.error(405);
    }
}

fn accept_url(server: &TestServer, code: &str) -> String {
    server.url(&format!("/identity/account/invitation?code={code}"))
}

/// The error page for an unusable link: 400, the sentence, no form.
#[track_caller]
fn assert_unusable(page: &Page) {
    assert_eq!(page.status, 400, "{}", page.text);
    assert!(
        page.text.contains("This invitation link cannot be used"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("Set password"));
}

/// Opens the link, fills in the Set password form and sends it.
async fn set_password(
    server: &TestServer,
    b: &reqwest::Client,
    code: &str,
    password: &str,
    confirm: &str,
) -> Page {
    let form = browse(b, &accept_url(server, code)).await;
    assert_eq!(form.status, 200, "{}", form.text);
    submit(
        b,
        &server.url("/identity/account/invitation"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("code", &form.hidden("code")),
            ("password", password),
            ("confirm_password", confirm),
        ],
    )
    .await
}

/// Signs in at the normal login page (for the portal) in a new browser: the answer's status
/// (302 signed in, 200 the form again).
async fn login_status(server: &TestServer, email: &str, password: &str) -> u16 {
    portal::sign_in(server, &browser(), email, password)
        .await
        .status
}

#[tokio::test]
async fn accepting_with_a_password_signs_in_and_lands_on_the_portal() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let created = invite(&server, &token, &user, json!({})).await;
    let code = code_of(&server, created["InvitationUrl"].as_str().unwrap());
    let id = created["Id"].as_str().unwrap().to_owned();
    let b = browser();

    let form = browse(&b, &accept_url(&server, &code)).await;
    assert_eq!(form.status, 200, "{}", form.text);
    for text in [
        "<h1>Accept invitation</h1>",
        "<strong>Default</strong>",
        "<label for=\"password\">Password</label>",
        "<label for=\"confirm_password\">Confirm Password</label>",
        "<button type=\"submit\">Set password</button>",
    ] {
        assert!(form.text.contains(text), "{text}: {}", form.text);
    }
    assert!(form
        .header("content-security-policy")
        .contains("form-action 'self'"));
    assert_eq!(form.header("referrer-policy"), "no-referrer");

    // Mismatch and a short password: the form again with a message; nothing changes.
    let mismatch = set_password(&server, &b, &code, PASSWORD, "another passphrase!").await;
    assert_eq!(mismatch.status, 200, "{}", mismatch.text);
    assert!(
        mismatch.text.contains("The passwords do not match."),
        "{}",
        mismatch.text
    );
    assert!(mismatch.text.contains("Confirm Password"));
    let short = set_password(&server, &b, &code, "short", "short").await;
    assert!(short
        .text
        .contains("Password must have at least 12 characters."));
    assert_eq!(stored(&server, &id).await.unwrap().accepted, None);
    assert_eq!(
        login_status(&server, "ann@example.com", PASSWORD).await,
        200
    );

    // No CSRF token: refused.
    let forged = submit(
        &browser(),
        &server.url("/identity/account/invitation"),
        &[
            ("code", code.as_str()),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(forged.status, 400);
    assert_eq!(stored(&server, &id).await.unwrap().accepted, None);

    let done = set_password(&server, &b, &code, PASSWORD, PASSWORD).await;
    assert_eq!(done.status, 302, "{}", done.text);
    assert_eq!(done.location(), "/portal");
    assert!(done.header("set-cookie").starts_with("portcullis.session="));
    let portal = browse(&b, &server.url("/portal")).await;
    assert_eq!(portal.status, 302);
    assert_eq!(portal.location(), "/portal/clients", "signed in");
    let clients = browse(&b, &server.url("/portal/clients")).await;
    assert_eq!(clients.status, 200);
    assert!(clients.text.contains("ann@example.com"), "{}", clients.text);

    let row = stored(&server, &id).await.unwrap();
    assert_eq!(row.accepted, Some(server.clock().now()));
    assert_eq!(row.state, 2);
    let read = get(&server.api(&format!("/Invitations/{id}")), &token).await;
    assert_eq!(read.body["State"], 2);
    assert_eq!(time(&read.body["Accepted"]), server.clock().now());

    // The link is used up; the password works at the normal login page.
    assert_unusable(&browse(&browser(), &accept_url(&server, &code)).await);
    let again = set_password_unchecked(&server, &code, "yet another passphrase").await;
    assert_unusable(&again);
    assert_eq!(
        login_status(&server, "ann@example.com", PASSWORD).await,
        302
    );
    assert_eq!(
        login_status(&server, "ann@example.com", "yet another passphrase").await,
        200
    );
}

/// Posts the Set password form from a new browser with the CSRF token of another page of ours
/// (the link itself no longer opens).
async fn set_password_unchecked(server: &TestServer, code: &str, password: &str) -> Page {
    let b = browser();
    let login = browse(
        &b,
        &server.url("/identity/account/login?return_url=/portal"),
    )
    .await;
    assert_eq!(login.status, 200);
    let csrf = login.hidden("csrf");
    submit(
        &b,
        &server.url("/identity/account/invitation"),
        &[
            ("csrf", &csrf),
            ("code", code),
            ("password", password),
            ("confirm_password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn expired_and_unknown_codes_get_the_error_page_and_change_nothing() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let created = invite(&server, &token, &user, json!({})).await;
    let code = code_of(&server, created["InvitationUrl"].as_str().unwrap());
    let id = created["Id"].as_str().unwrap().to_owned();
    let b = browser();
    // The form was opened in time, but is sent after the expiry.
    let form = browse(&b, &accept_url(&server, &code)).await;
    assert_eq!(form.status, 200);
    server.clock().advance(21 * DAY);
    let late = submit(
        &b,
        &server.url("/identity/account/invitation"),
        &[
            ("csrf", &form.hidden("csrf")),
            ("code", &code),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
        ],
    )
    .await;
    assert_unusable(&late);
    assert!(late
        .headers
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("portcullis.session")));
    assert_unusable(&browse(&b, &accept_url(&server, &code)).await);
    assert_eq!(stored(&server, &id).await.unwrap().accepted, None);
    assert_eq!(
        login_status(&server, "ann@example.com", PASSWORD).await,
        200
    );

    for unknown in [
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        String::new(),
        code_hash(&code),
    ] {
        assert_unusable(&browse(&b, &accept_url(&server, &unknown)).await);
    }
    assert_unusable(&browse(&b, &server.url("/identity/account/invitation")).await);
}

#[tokio::test]
async fn invitations_are_purged_two_weeks_after_expiry() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let now = server.clock().now();
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let body = json!({ "ExpiresDateTime": format_time(now + DAY) });
    let id = invite(&server, &token, &user, body).await["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let purge = |server: &TestServer| {
        let ctx = server.ctx.clone();
        tokio::task::spawn_blocking(move || portcullis::service::upkeep::purge_expired(&ctx))
    };
    server.clock().set(now + DAY + 14 * DAY);
    purge(&server).await.unwrap().unwrap();
    assert!(
        stored(&server, &id).await.is_some(),
        "exactly two weeks: kept"
    );
    server.clock().advance(1);
    purge(&server).await.unwrap().unwrap();
    assert!(stored(&server, &id).await.is_none(), "purged");
    let token = server.admin_token().await;
    get(&server.api(&invitation_path(&user)), &token)
        .await
        .not_found();
    // The user stays.
    assert_eq!(
        get(&server.api(&format!("/Users/{user}")), &token)
            .await
            .status,
        200
    );
}

/// Runs `accept_upstream` in one unit of work of the server's store.
async fn bind(
    server: &TestServer,
    code: &str,
    provider: &str,
    subject: &str,
) -> Result<portcullis::domain::User, ServiceError> {
    let (store, now) = (server.ctx.store.clone(), server.clock().now());
    let tenant = portcullis::domain::TenantId::parse(&server.admin.tenant_id).unwrap();
    let (hash, provider, subject) = (code_hash(code), provider.to_owned(), subject.to_owned());
    tokio::task::spawn_blocking(move || {
        store.write(|conn| accept_upstream(conn, &tenant, &hash, &provider, &subject, now))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn accept_upstream_binds_the_external_user_id_once() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = new_user(&server, &token, "bob@example.com", Some(UPSTREAM_IDP)).await;
    let created = invite(&server, &token, &user, json!({})).await;
    assert_eq!(
        created["IdentityProviderId"], UPSTREAM_IDP,
        "the user's provider"
    );
    let code = code_of(&server, created["InvitationUrl"].as_str().unwrap());
    let id = created["Id"].as_str().unwrap().to_owned();

    // The page offers the upstream sign-in, not a password.
    let page = browse(&browser(), &accept_url(&server, &code)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(!page.text.contains("Set password"));
    assert!(page.text.contains("Sign in with "), "{}", page.text);
    // A link (not a form: the hop upstream must not fall under the page's form-action).
    let start = format!(
        "href=\"/identity/federation/start?provider={UPSTREAM_IDP}&#38;invitation={code}\""
    );
    assert!(page.text.contains(&start), "{}", page.text);

    // Wrong provider, or unknown code: refused, nothing bound.
    assert!(matches!(
        bind(&server, &code, LOCAL_IDP, "sub-1").await,
        Err(ServiceError::BadRequest { .. })
    ));
    assert!(bind(&server, "unknown", UPSTREAM_IDP, "sub-1")
        .await
        .is_err());
    assert!(bind(&server, &code, UPSTREAM_IDP, " ").await.is_err());
    assert_eq!(stored(&server, &id).await.unwrap().accepted, None);

    let bound = bind(&server, &code, &UPSTREAM_IDP.to_uppercase(), "sub-1")
        .await
        .unwrap();
    assert_eq!(bound.id, UserId::parse(&user).unwrap());
    assert_eq!(bound.external_user_id.as_deref(), Some("sub-1"));
    let read = get(&server.api(&format!("/Users/{user}")), &token).await;
    assert_eq!(read.body["ExternalUserId"], "sub-1");
    let row = stored(&server, &id).await.unwrap();
    assert_eq!((row.state, row.accepted), (2, Some(server.clock().now())));

    // Single use; and one upstream identity binds one user.
    assert!(bind(&server, &code, UPSTREAM_IDP, "sub-2").await.is_err());
    let other = new_user(&server, &token, "carol@example.com", Some(UPSTREAM_IDP)).await;
    let second = invite(&server, &token, &other, json!({})).await;
    let second_code = code_of(&server, second["InvitationUrl"].as_str().unwrap());
    assert!(matches!(
        bind(&server, &second_code, UPSTREAM_IDP, "sub-1").await,
        Err(ServiceError::Conflict(_))
    ));
    // Expired: refused.
    server.clock().advance(21 * DAY);
    let token = server.admin_token().await;
    assert!(bind(&server, &second_code, UPSTREAM_IDP, "sub-3")
        .await
        .is_err());
    let carol = get(&server.api(&format!("/Users/{other}")), &token).await;
    assert_eq!(carol.body["ExternalUserId"], Value::Null);
    // A Local invitation is never accepted upstream.
    let local = new_user(&server, &token, "dan@example.com", None).await;
    let local_inv = invite(&server, &token, &local, json!({})).await;
    let local_code = code_of(&server, local_inv["InvitationUrl"].as_str().unwrap());
    assert!(bind(&server, &local_code, LOCAL_IDP, "sub-4")
        .await
        .is_err());
}

/// A new browser signed in as `email`.
async fn signed_in(server: &TestServer, email: &str, password: &str) -> reqwest::Client {
    let b = browser();
    let res = portal::sign_in(server, &b, email, password).await;
    assert_eq!(res.status, 302, "{}", res.text);
    b
}

/// The Invite result: the read-only link with its Copy button; returns the link.
#[track_caller]
fn invitation_link(server: &TestServer, page: &Page) -> String {
    assert_eq!(page.status, 200, "{}", page.text);
    for needle in [
        "<label for=\"invitation-link\">Invitation Link</label>",
        "data-copy=\"invitation-link\">Copy Invitation Link</button>",
        "readonly",
    ] {
        assert!(page.text.contains(needle), "{needle}: {}", page.text);
    }
    assert_eq!(page.header("cache-control"), "no-store");
    let link = portal::field_value(&page.text, "invitation-link");
    code_of(server, &link);
    link
}

#[tokio::test]
async fn the_portal_invites_users_and_add_user_without_a_password_invites() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let now = server.clock().now();
    let user = new_user(&server, &token, "ann@example.com", None).await;
    let b = portal::admin(&server).await;
    let details = portal::page(&server, &b, &format!("/portal/users?id={user}")).await;
    assert!(
        details.text.contains(">Invite</button>"),
        "{}",
        details.text
    );
    let invite_path = "/portal/users/invite";
    let first = portal::submit(&server, &b, &details, invite_path, &[("id", &user)]).await;
    let link = invitation_link(&server, &first);
    let read = get(&server.api(&invitation_path(&user)), &token).await;
    assert_eq!(read.status, 200);
    assert_eq!(time(&read.body["Expires"]), now + 21 * DAY);

    // Invite again renews for 21 days from now: a new link, the old one stops working.
    server.clock().advance(60);
    let second = portal::submit(&server, &b, &details, invite_path, &[("id", &user)]).await;
    let renewed = invitation_link(&server, &second);
    assert_ne!(renewed, link);
    assert_unusable(&browse(&browser(), &link).await);
    let token = server.admin_token().await;
    let read = get(&server.api(&invitation_path(&user)), &token).await;
    assert_eq!(time(&read.body["Expires"]), now + 60 + 21 * DAY);
    // The invitee sets a password through the link.
    let code = code_of(&server, &renewed);
    let done = set_password(&server, &browser(), &code, PASSWORD, PASSWORD).await;
    assert_eq!(done.status, 302, "{}", done.text);

    // Add User without a password: created, and the link is the result.
    let form = portal::page(&server, &b, "/portal/users/add").await;
    let member_role = server.role_id(crate::harness::TENANT_MEMBER).await;
    let added = portal::submit(
        &server,
        &b,
        &form,
        "/portal/users/add",
        &[
            ("email", "bob@example.com"),
            ("name", "Bob"),
            ("password", ""),
            ("role", &member_role),
        ],
    )
    .await;
    let bob_link = invitation_link(&server, &added);
    assert!(added.text.contains("bob@example.com"));
    let listed = get(&server.api("/Invitations"), &token).await;
    assert_eq!(listed.total_count(), 2, "{}", listed.text);
    let bob_code = code_of(&server, &bob_link);
    let bob = set_password(&server, &browser(), &bob_code, PASSWORD, PASSWORD).await;
    assert_eq!(bob.status, 302, "{}", bob.text);
    assert_eq!(
        login_status(&server, "bob@example.com", PASSWORD).await,
        302
    );

    // A member without Tenant Administrator sees no Invite and cannot invite.
    let member = json!({ "Email": "viewer@example.com", "Password": PASSWORD });
    assert_eq!(
        post(&server.api("/Users"), &token, member).await.status,
        201
    );
    let carol = new_user(&server, &token, "carol@example.com", None).await;
    let m = signed_in(&server, "viewer@example.com", PASSWORD).await;
    let read_only = portal::page(&server, &m, &format!("/portal/users?id={carol}")).await;
    assert!(!read_only.text.contains(">Invite</button>"));
    let refused = portal::submit(&server, &m, &read_only, invite_path, &[("id", &carol)]).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    get(&server.api(&invitation_path(&carol)), &token)
        .await
        .not_found();
    // Without the CSRF token: refused, nothing issued.
    let forged = submit(&b, &server.url(invite_path), &[("id", carol.as_str())]).await;
    assert_eq!(forged.status, 400);
    get(&server.api(&invitation_path(&carol)), &token)
        .await
        .not_found();
}

/// A Local invitation in a tenant that turned password sign-in off: the link says so instead of
/// offering a form that could only fail, a form sent anyway is refused the same way, and nothing
/// changes; once password sign-in is back on, the same link works.
#[tokio::test]
async fn a_local_invitation_says_so_when_password_sign_in_is_off() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = new_user(&server, &token, "pat@example.com", None).await;
    let created = invite(&server, &token, &user, json!({})).await;
    let code = code_of(&server, created["InvitationUrl"].as_str().unwrap());
    let id = created["Id"].as_str().unwrap().to_owned();
    let local = server.api(&format!("/IdentityProviders/{LOCAL_IDP}"));
    let r = put(&local, &token, json!({"Enabled": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let b = browser();
    let off = |page: &Page| {
        assert_eq!(page.status, 400, "{}", page.text);
        assert!(
            page.text
                .contains("Password sign-in is turned off for this organization"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("Set password"), "{}", page.text);
    };
    off(&browse(&b, &accept_url(&server, &code)).await);
    off(&set_password_unchecked(&server, &code, PASSWORD).await);
    assert_eq!(stored(&server, &id).await.unwrap().accepted, None);

    let r = put(&local, &token, json!({"Enabled": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = set_password(&server, &b, &code, PASSWORD, PASSWORD).await;
    assert_eq!(done.status, 302, "{}", done.text);
    assert!(stored(&server, &id).await.unwrap().accepted.is_some());
}
