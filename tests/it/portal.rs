//! The administrator portal (SPEC §11) as a browser without JavaScript sees it: sign-in through
//! the identity login page of §5 with a local return URL (and never an open redirect), the Clients pages and the three Add Client procedures end to end (a created
//! client-credentials secret authenticates at the token endpoint; a secret is shown once and never
//! again), validation next to the field with nothing saved, Add Secret / Remove, Edit / Delete,
//! Users and Roles, CSRF on every form, and read-only pages for members without Tenant
//! Administrator. A reqwest client with a cookie jar and no redirects plays the browser.

use crate::harness::{http, TestServer, TENANT_CONTRIBUTOR, TENANT_MEMBER};
use crate::signin::{browser, get, post, Page};
use serde_json::{json, Value};

/// The value of the input with this `id`.
fn field_value(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {id} in {html}"));
    let rest = &html[at..];
    let start = rest.find("value=\"").expect("a value") + "value=\"".len();
    let len = rest[start..].find('"').unwrap();
    rest[start..start + len].to_owned()
}

/// The text of the message next to a field (`{id}-error`).
fn field_error(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-error\" class=\"field-error\">");
    let start = html.find(&marker)? + marker.len();
    let len = html[start..].find('<').unwrap();
    Some(html[start..start + len].to_owned())
}

/// The identity login page for a portal visitor who asked for `return_url`.
fn login_location(return_url: &str) -> String {
    format!(
        "/identity/account/login?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("return_url", return_url)
            .finish()
    )
}

/// Opens `path` without a session, follows the redirect to the identity login page and signs in
/// there; returns the login POST's answer.
async fn sign_in_from(
    server: &TestServer,
    b: &reqwest::Client,
    path: &str,
    email: &str,
    password: &str,
) -> Page {
    let res = get(b, &server.url(path)).await;
    assert_eq!(res.status, 302, "{path}: {}", res.text);
    assert_eq!(res.location(), login_location(path), "{path}");
    let login = get(b, &server.url(res.location())).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.hidden("return_url"), path);
    post(
        b,
        &server.url("/identity/account/login"),
        &[
            ("username", email),
            ("password", password),
            ("return_url", &login.hidden("return_url")),
            ("csrf", &login.hidden("csrf")),
        ],
    )
    .await
}

/// Signs in through the identity login page, starting from the Clients page.
async fn sign_in(server: &TestServer, b: &reqwest::Client, email: &str, password: &str) -> Page {
    sign_in_from(server, b, "/portal/clients", email, password).await
}

/// A browser signed in as the bootstrap administrator.
pub(crate) async fn admin(server: &TestServer) -> reqwest::Client {
    let b = browser();
    let res = sign_in(
        server,
        &b,
        &server.admin.admin_email,
        &server.admin.admin_password,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.location(), "/portal/clients");
    b
}

/// GETs a portal page (200 expected) and returns it.
async fn page(server: &TestServer, b: &reqwest::Client, path: &str) -> Page {
    let p = get(b, &server.url(path)).await;
    assert_eq!(p.status, 200, "{path}: {}", p.text);
    p
}

/// POSTs a portal form with the page's CSRF token.
async fn submit(
    server: &TestServer,
    b: &reqwest::Client,
    from: &Page,
    path: &str,
    form: &[(&str, &str)],
) -> Page {
    let csrf = from.hidden("csrf");
    let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    all.extend_from_slice(form);
    post(b, &server.url(path), &all).await
}

async fn api_list(server: &TestServer, path: &str) -> Vec<Value> {
    http()
        .get(server.api(path))
        .bearer_auth(server.admin_token().await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const GET_PAGES: [&str; 14] = [
    "/portal",
    "/portal/clients",
    "/portal/clients?type=ac",
    "/portal/clients/add?type=cc",
    "/portal/clients/edit?type=cc&id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "/portal/clients/delete?type=cc&id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "/portal/clients/secrets/add?type=cc&id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "/portal/users",
    "/portal/users/add",
    "/portal/roles",
    "/portal/roles/add",
    "/portal/users/edit?id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "/portal/roles/edit?id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "/portal/roles/delete?id=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
];

#[tokio::test]
async fn without_a_session_every_page_sends_the_browser_to_the_sign_in_page() {
    let server = TestServer::spawn().await;
    let b = browser();
    for path in GET_PAGES {
        let res = get(&b, &server.url(path)).await;
        assert_eq!(res.status, 302, "{path}: {}", res.text);
        assert_eq!(res.location(), login_location(path), "{path}");
    }
    let res = get(&b, &server.url("/portal?tenant=abc")).await;
    assert_eq!(res.location(), login_location("/portal?tenant=abc"));

    // The login page is the identity one of SPEC §5, carrying the portal page to come back to.
    let login = get(&b, &server.url(res.location())).await;
    assert_eq!(login.status, 200);
    for needle in [
        "<h1>Sign in</h1>",
        "<label for=\"username\">Email</label>",
        "name=\"username\"",
        "<label for=\"password\">Password</label>",
        "name=\"password\"",
        "<button type=\"submit\">Sign in</button>",
        "action=\"/identity/account/login\"",
        "href=\"/identity/static/site.css\"",
    ] {
        assert!(login.text.contains(needle), "{needle}: {}", login.text);
    }
    assert_eq!(login.hidden("return_url"), "/portal?tenant=abc");
    assert_eq!(login.hidden("csrf").len(), 43);
    assert_eq!(login.header("x-frame-options"), "DENY");
    assert_eq!(login.header("x-content-type-options"), "nosniff");
    assert_eq!(login.header("referrer-policy"), "no-referrer");
    assert!(login
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));
    // The portal has no login page of its own.
    assert_eq!(get(&b, &server.url("/portal/login")).await.status, 404);

    // POSTs without a session (the page's token was bound to the session that ended)
    // also go to sign-in, coming back to the portal's start.
    let res = sign_in(
        &server,
        &b,
        &server.admin.admin_email,
        &server.admin.admin_password,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    let clients = page(&server, &b, "/portal/clients").await;
    let out = submit(&server, &b, &clients, "/portal/logout", &[]).await;
    assert_eq!(out.status, 302);
    for path in [
        "/portal/clients/add",
        "/portal/clients/delete",
        "/portal/users/add",
        "/portal/roles/add",
    ] {
        let res = submit(&server, &b, &clients, path, &[("type", "cc")]).await;
        assert_eq!(res.status, 302, "{path}: {}", res.text);
        assert_eq!(res.location(), login_location("/portal"));
    }
    for asset in [
        "/identity/static/site.css",
        "/portal/static/portal.css",
        "/portal/static/portal.js",
    ] {
        let res = get(&b, &server.url(asset)).await;
        assert_eq!(res.status, 200, "{asset}");
        assert_eq!(
            res.header("cache-control"),
            "public, max-age=3600",
            "{asset}"
        );
    }
}

#[tokio::test]
async fn the_administrator_signs_in_uses_the_menu_and_signs_out() {
    let server = TestServer::spawn().await;
    let b = browser();
    let wrong = sign_in(&server, &b, &server.admin.admin_email, "not the password").await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.text.contains("Invalid email or password."));
    let unknown = sign_in(&server, &b, "nobody@example.com", "whatever-password").await;
    assert!(unknown.text.contains("Invalid email or password."));

    let res = sign_in(
        &server,
        &b,
        &server.admin.admin_email,
        &server.admin.admin_password,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    let session = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portcullis.session="))
        .expect("a session cookie");
    assert!(session.contains("Path=/;"), "{session}");
    assert!(session.contains("HttpOnly"), "{session}");

    let home = get(&b, &server.url("/portal")).await;
    assert_eq!(home.location(), "/portal/clients");
    let clients = page(&server, &b, "/portal/clients").await;
    for needle in [
        ">Menu</button>",
        "role=\"group\" aria-label=\"Security\"",
        ">Clients</a>",
        ">Users</a>",
        ">Roles</a>",
        ">Sign out</button>",
        "<h1>Clients</h1>",
        "<label for=\"client-type\">Client Type</label>",
        "<option value=\"cc\" selected>Client-Credentials</option>",
        "<option value=\"ac\">Authorization Code</option>",
        "<option value=\"hybrid\">Hybrid</option>",
        ">Add Client</button>",
        // The bootstrap administrator client is listed.
        &server.admin.admin_client_id,
    ] {
        assert!(clients.text.contains(needle), "{needle}: {}", clients.text);
    }
    let csp = clients.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("connect-src 'self'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(clients.header("cache-control"), "no-store");

    // One stylesheet for the identity pages and the portal.
    assert!(clients.text.contains("href=\"/identity/static/site.css\""));

    let out = submit(&server, &b, &clients, "/portal/logout", &[]).await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location(), login_location("/portal"));
    let after = get(&b, &server.url("/portal/clients")).await;
    assert_eq!(after.status, 302);
    assert_eq!(after.location(), login_location("/portal/clients"));
}

#[tokio::test]
async fn every_portal_form_needs_the_csrf_pair() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    for path in [
        "/portal/clients/add",
        "/portal/clients/edit",
        "/portal/clients/delete",
        "/portal/clients/secrets/add",
        "/portal/clients/secrets/remove",
        "/portal/users/add",
        "/portal/users/remove",
        "/portal/users/edit",
        "/portal/roles/add",
        "/portal/roles/edit",
        "/portal/roles/delete",
        "/portal/logout",
        "/identity/account/login",
    ] {
        let res = post(&b, &server.url(path), &[("type", "cc"), ("name", "x")]).await;
        assert_eq!(res.status, 400, "{path}: {}", res.text);
        assert!(res.text.contains("The form has expired"), "{path}");
        let res = post(
            &b,
            &server.url(path),
            &[("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
        )
        .await;
        assert_eq!(res.status, 400, "{path}: {}", res.text);
    }
    // Nothing was created.
    assert_eq!(api_list(&server, "/ClientCredentialClients").await.len(), 1);
}

#[tokio::test]
async fn add_a_client_credentials_client_and_its_secret_authenticates_once_shown() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let form = page(&server, &b, "/portal/clients/add?type=cc").await;
    for needle in [
        "<label for=\"name\">Name</label>",
        "<label for=\"lifetime\">Token Lifetime</label>",
        "value=\"3600\"",
        ">Continue</button>",
        ">Tenant Administrator</label>",
    ] {
        assert!(form.text.contains(needle), "{needle}: {}", form.text);
    }
    // Tenant Member: checked, disabled, and still sent.
    let member = server.role_id(TENANT_MEMBER).await;
    assert!(form.text.contains(&format!(
        "value=\"{member}\" checked disabled> <label for=\"role-2\">Tenant Member</label><input type=\"hidden\" name=\"role\" value=\"{member}\">"
    )), "{}", form.text);

    let step2 = submit(
        &server,
        &b,
        &form,
        "/portal/clients/add",
        &[
            ("type", "cc"),
            ("name", "Nightly export"),
            ("role", &member),
            ("lifetime", "1800"),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(step2.status, 200, "{}", step2.text);
    assert!(step2.text.contains("<h1>Add Secret</h1>"), "{}", step2.text);
    assert!(step2
        .text
        .contains("<label for=\"never-expires\">Never Expires</label>"));
    assert_eq!(step2.hidden("name"), "Nightly export");
    let expiration = field_value(&step2.text, "expiration");
    assert_eq!(expiration.len(), 10, "a date: {expiration}");
    // Nothing is created before the final Add.
    assert_eq!(api_list(&server, "/ClientCredentialClients").await.len(), 1);

    let done = submit(
        &server,
        &b,
        &step2,
        "/portal/clients/add",
        &[
            ("type", "cc"),
            ("name", "Nightly export"),
            ("lifetime", "1800"),
            ("role", &member),
            ("description", "first"),
            ("expiration", &expiration),
            ("action", "add"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.header("cache-control"), "no-store");
    for needle in [
        "<label for=\"created-client-id\">Client Id</label>",
        "<label for=\"created-client-secret\">Client Secret</label>",
        ">Copy Client Id</button>",
        ">Copy Client Secret</button>",
        "cannot be shown again",
        ">Close</button>",
    ] {
        assert!(done.text.contains(needle), "{needle}: {}", done.text);
    }
    let client_id = field_value(&done.text, "created-client-id");
    let secret = field_value(&done.text, "created-client-secret");
    assert!(secret.len() >= 43);

    // The shown secret authenticates (client_credentials), with the lifetime chosen.
    let res = http()
        .post(server.token_url())
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 1800);

    // Close returns to the list, which shows the client; no page shows the secret again.
    let list = page(&server, &b, "/portal/clients?type=cc").await;
    assert!(list.text.contains("Nightly export"));
    let details = page(
        &server,
        &b,
        &format!("/portal/clients?type=cc&id={client_id}"),
    )
    .await;
    for needle in [
        "aria-label=\"Details\"",
        ">Edit</button>",
        ">Delete</button>",
        ">Add Secret</button>",
        ">Remove</button>",
        "<td>first</td>",
        "Tenant Member",
    ] {
        assert!(details.text.contains(needle), "{needle}: {}", details.text);
    }
    for p in [&list, &details] {
        assert!(!p.text.contains(&secret));
    }
    for path in GET_PAGES {
        let p = get(&b, &server.url(path)).await;
        assert!(!p.text.contains(&secret), "{path}");
    }
}

#[tokio::test]
async fn add_an_authorization_code_client_with_the_plus_buttons() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let form = page(&server, &b, "/portal/clients/add?type=ac").await;
    for needle in [
        "<label for=\"redirect-new\">Allowed Redirect URL(s)</label>",
        "aria-label=\"Add Redirect URL\"",
        "<label for=\"logout-new\">Allowed Logout Redirect URL(s)</label>",
        "aria-label=\"Add Logout Redirect URL\"",
        "<label for=\"cors-new\">Allowed CORS Origin(s)</label>",
        "aria-label=\"Add CORS Origin\"",
        ">Add</button>",
    ] {
        assert!(form.text.contains(needle), "{needle}: {}", form.text);
    }
    // + without JavaScript: back to the same step with the entry in the list.
    let step = submit(
        &server,
        &b,
        &form,
        "/portal/clients/add",
        &[
            ("type", "ac"),
            ("name", "Trend viewer"),
            ("redirect_new", "https://app.example.com/cb"),
            ("lifetime", "900"),
            ("action", "add_redirect"),
        ],
    )
    .await;
    assert_eq!(step.status, 200, "{}", step.text);
    assert_eq!(step.hidden("redirect"), "https://app.example.com/cb");
    assert!(step
        .text
        .contains("<li><code>https://app.example.com/cb</code>"));
    // A bad entry is refused next to its list and not added.
    let bad = submit(
        &server,
        &b,
        &step,
        "/portal/clients/add",
        &[
            ("type", "ac"),
            ("name", "Trend viewer"),
            ("redirect", "https://app.example.com/cb"),
            ("cors_new", "https://app.example.com/path"),
            ("lifetime", "900"),
            ("action", "add_cors"),
        ],
    )
    .await;
    assert!(
        field_error(&bad.text, "cors").is_some_and(|m| m.contains("is not an origin")),
        "{}",
        bad.text
    );
    assert_eq!(
        api_list(&server, "/AuthorizationCodeClients").await.len(),
        0
    );

    // Add takes the lists, and what is still typed in a box.
    let done = submit(
        &server,
        &b,
        &step,
        "/portal/clients/add",
        &[
            ("type", "ac"),
            ("name", "Trend viewer"),
            ("redirect", "https://app.example.com/cb"),
            ("logout_new", "https://app.example.com/bye"),
            ("cors", "https://app.example.com"),
            ("lifetime", "900"),
            ("action", "add"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("<h1>Client Successfully Created</h1>"));
    assert!(done.text.contains(">Copy Client Id</button>"));
    assert!(!done.text.contains("Client Secret"));
    let id = field_value(&done.text, "created-client-id");
    let clients = api_list(&server, "/AuthorizationCodeClients").await;
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["Id"], id.as_str());
    assert_eq!(
        clients[0]["RedirectUris"],
        json!(["https://app.example.com/cb"])
    );
    assert_eq!(
        clients[0]["PostLogoutRedirectUris"],
        json!(["https://app.example.com/bye"])
    );
    assert_eq!(
        clients[0]["AllowedCorsOrigins"],
        json!(["https://app.example.com"])
    );
    assert_eq!(clients[0]["AccessTokenLifetime"], 900);
    let details = page(&server, &b, &format!("/portal/clients?type=ac&id={id}")).await;
    assert!(details.text.contains("aria-label=\"Details\""));
    assert!(!details.text.contains(">Add Secret</button>"));
}

#[tokio::test]
async fn add_a_hybrid_client_shows_its_secret_once() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let form = page(&server, &b, "/portal/clients/add?type=hybrid").await;
    assert!(form
        .text
        .contains("<label for=\"allow-refresh\">Allow Refresh Token</label>"));
    assert!(!form.text.contains("Add CORS Origin"));
    let done = submit(
        &server,
        &b,
        &form,
        "/portal/clients/add",
        &[
            ("type", "hybrid"),
            ("name", "Web app"),
            ("allow_refresh", "on"),
            ("redirect_new", "https://web.example.com/signin-oidc"),
            ("lifetime", "3600"),
            ("action", "add"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("<h1>Client Successfully Created</h1>"));
    assert!(done.text.contains(">Copy Client Secret</button>"));
    let id = field_value(&done.text, "created-client-id");
    let secret = field_value(&done.text, "created-client-secret");
    let clients = api_list(&server, "/HybridClients").await;
    assert_eq!(clients[0]["Id"], id.as_str());
    assert_eq!(clients[0]["AllowOfflineAccess"], true);
    let details = page(&server, &b, &format!("/portal/clients?type=hybrid&id={id}")).await;
    assert!(details.text.contains("<td>Never</td>"), "{}", details.text);
    assert!(!details.text.contains(&secret));
}

#[tokio::test]
async fn a_token_lifetime_of_30_is_refused_next_to_the_field_and_nothing_is_saved() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let form = page(&server, &b, "/portal/clients/add?type=cc").await;
    let member = server.role_id(TENANT_MEMBER).await;
    let res = submit(
        &server,
        &b,
        &form,
        "/portal/clients/add",
        &[
            ("type", "cc"),
            ("name", "Too short"),
            ("role", &member),
            ("lifetime", "30"),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        field_error(&res.text, "lifetime").as_deref(),
        Some("Token Lifetime must be between 60 and 3600 seconds.")
    );
    assert!(res
        .text
        .contains("aria-describedby=\"lifetime-hint lifetime-error\""));
    assert_eq!(field_value(&res.text, "name"), "Too short");
    // The final Add re-checks the carried fields too (a forged step 2).
    let res = submit(
        &server,
        &b,
        &form,
        "/portal/clients/add",
        &[
            ("type", "cc"),
            ("name", ""),
            ("role", &member),
            ("lifetime", "30"),
            ("never_expires", "on"),
            ("action", "add"),
        ],
    )
    .await;
    assert_eq!(
        field_error(&res.text, "name").as_deref(),
        Some("Name is required.")
    );
    for kind in ["ac", "hybrid"] {
        let res = submit(
            &server,
            &b,
            &form,
            "/portal/clients/add",
            &[
                ("type", kind),
                ("name", "x"),
                ("redirect", "https://a.example/cb"),
                ("lifetime", "30"),
                ("action", "add"),
            ],
        )
        .await;
        assert_eq!(
            field_error(&res.text, "lifetime").as_deref(),
            Some("Token Lifetime must be between 60 and 3600 seconds."),
            "{kind}"
        );
    }
    assert_eq!(api_list(&server, "/ClientCredentialClients").await.len(), 1);
    assert_eq!(
        api_list(&server, "/AuthorizationCodeClients").await.len(),
        0
    );
    assert_eq!(api_list(&server, "/HybridClients").await.len(), 0);
}

#[tokio::test]
async fn add_and_remove_a_secret_edit_and_delete_a_client() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let (id, _first) = server.member_client().await;
    let form = page(
        &server,
        &b,
        &format!("/portal/clients/secrets/add?type=cc&id={id}"),
    )
    .await;
    assert!(form.text.contains("<h1>Add Secret</h1>"));
    // Expiration required unless Never Expires; the message stands next to the field.
    let res = submit(
        &server,
        &b,
        &form,
        "/portal/clients/secrets/add",
        &[
            ("type", "cc"),
            ("id", &id),
            ("description", "x"),
            ("expiration", ""),
        ],
    )
    .await;
    assert!(
        field_error(&res.text, "expiration").is_some(),
        "{}",
        res.text
    );
    let added = submit(
        &server,
        &b,
        &form,
        "/portal/clients/secrets/add",
        &[
            ("type", "cc"),
            ("id", &id),
            ("description", "rotation"),
            ("never_expires", "on"),
        ],
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert!(added.text.contains(">Copy Client Secret</button>"));
    assert!(added.text.contains(">Close</button>"));
    let secret = field_value(&added.text, "created-client-secret");
    server.token_for(&id, &secret).await;
    let details = page(&server, &b, &format!("/portal/clients?type=cc&id={id}")).await;
    assert!(
        details
            .text
            .contains("<td>rotation</td><td>Never</td><td>2</td>"),
        "{}",
        details.text
    );
    assert!(!details.text.contains(&secret));
    // An expiration is a date a person reads, with the full timestamp in its title.
    let dated = submit(
        &server,
        &b,
        &form,
        "/portal/clients/secrets/add",
        &[
            ("type", "cc"),
            ("id", &id),
            ("description", "dated"),
            ("expiration", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(dated.status, 200, "{}", dated.text);
    let details = page(&server, &b, &format!("/portal/clients?type=cc&id={id}")).await;
    assert!(
        details.text.contains(
            "<td>dated</td><td><time datetime=\"2099-12-31T00:00:00Z\" \
             title=\"2099-12-31T00:00:00Z\">31 Dec 2099</time></td><td>3</td>"
        ),
        "{}",
        details.text
    );

    let removed = submit(
        &server,
        &b,
        &details,
        "/portal/clients/secrets/remove",
        &[("type", "cc"), ("id", &id), ("secret", "2")],
    )
    .await;
    assert_eq!(removed.status, 302, "{}", removed.text);
    assert_eq!(
        removed.location(),
        format!("/portal/clients?type=cc&id={id}")
    );
    let res = http()
        .post(server.token_url())
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Edit: the form shows the settings; a bad lifetime is refused, a good one saved.
    let edit = page(
        &server,
        &b,
        &format!("/portal/clients/edit?type=cc&id={id}"),
    )
    .await;
    assert_eq!(field_value(&edit.text, "name"), "member");
    let bad = submit(
        &server,
        &b,
        &edit,
        "/portal/clients/edit",
        &[
            ("type", "cc"),
            ("id", &id),
            ("name", "renamed"),
            ("enabled", "on"),
            ("lifetime", "30"),
        ],
    )
    .await;
    assert_eq!(
        field_error(&bad.text, "lifetime").as_deref(),
        Some("Token Lifetime must be between 60 and 3600 seconds.")
    );
    let ok = submit(
        &server,
        &b,
        &edit,
        "/portal/clients/edit",
        &[
            ("type", "cc"),
            ("id", &id),
            ("name", "renamed"),
            ("lifetime", "120"),
        ],
    )
    .await;
    assert_eq!(ok.status, 302, "{}", ok.text);
    let stored = &api_list(&server, &format!("/ClientCredentialClients?id={id}")).await[0];
    assert_eq!(stored["Name"], "renamed");
    assert_eq!(stored["Enabled"], false);
    assert_eq!(stored["AccessTokenLifetime"], 120);
    // The roles can be changed after creation: the Add checkboxes, Tenant Member locked.
    let member = server.role_id(TENANT_MEMBER).await;
    let contributor = server.role_id(TENANT_CONTRIBUTOR).await;
    let edit = page(
        &server,
        &b,
        &format!("/portal/clients/edit?type=cc&id={id}"),
    )
    .await;
    assert!(
        edit.text.contains("<legend>Roles</legend>"),
        "{}",
        edit.text
    );
    assert!(edit.text.contains(&format!(
        "value=\"{member}\" checked disabled> <label for=\"role-"
    )));
    assert!(edit.text.contains(">Tenant Contributor</label>"));
    let ok = submit(
        &server,
        &b,
        &edit,
        "/portal/clients/edit",
        &[
            ("type", "cc"),
            ("id", &id),
            ("name", "renamed"),
            ("lifetime", "120"),
            ("role", &member),
            ("role", &contributor),
        ],
    )
    .await;
    assert_eq!(ok.status, 302, "{}", ok.text);
    let stored = &api_list(&server, &format!("/ClientCredentialClients?id={id}")).await[0];
    let mut roles: Vec<&str> = stored["RoleIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    roles.sort_unstable();
    let mut wanted = vec![member.as_str(), contributor.as_str()];
    wanted.sort_unstable();
    assert_eq!(roles, wanted);
    let edit = page(
        &server,
        &b,
        &format!("/portal/clients/edit?type=cc&id={id}"),
    )
    .await;
    assert!(edit
        .text
        .contains(&format!("value=\"{contributor}\" checked> <label")));

    // Delete asks first, then deletes.
    let confirm = page(
        &server,
        &b,
        &format!("/portal/clients/delete?type=cc&id={id}"),
    )
    .await;
    assert!(confirm.text.contains("<h1>Delete renamed?</h1>"));
    assert!(confirm.text.contains(">Delete</button>"));
    let gone = submit(
        &server,
        &b,
        &confirm,
        "/portal/clients/delete",
        &[("type", "cc"), ("id", &id)],
    )
    .await;
    assert_eq!(gone.status, 302, "{}", gone.text);
    assert_eq!(api_list(&server, "/ClientCredentialClients").await.len(), 1);
    let missing = get(&b, &server.url(&format!("/portal/clients?type=cc&id={id}"))).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn users_and_roles_pages() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let users = page(&server, &b, "/portal/users").await;
    assert!(users.text.contains("<h1>Users</h1>"));
    assert!(users.text.contains(&server.admin.admin_email));
    assert!(users.text.contains(">Add User</button>"));
    let form = page(&server, &b, "/portal/users/add").await;
    for needle in [
        "<label for=\"email\">Email</label>",
        "<label for=\"name\">Name</label>",
        "<label for=\"password\">Password</label>",
        ">Tenant Member</label>",
    ] {
        assert!(form.text.contains(needle), "{needle}");
    }
    let member = server.role_id(TENANT_MEMBER).await;
    let short = submit(
        &server,
        &b,
        &form,
        "/portal/users/add",
        &[
            ("email", "ann@example.com"),
            ("name", "Ann"),
            ("password", "short"),
            ("role", &member),
        ],
    )
    .await;
    assert_eq!(short.status, 200);
    assert_eq!(
        field_error(&short.text, "password").as_deref(),
        Some("Password must have at least 12 characters."),
        "{}",
        short.text
    );
    assert!(short
        .text
        .contains("aria-describedby=\"password-hint password-error\""));
    assert_eq!(field_value(&short.text, "email"), "ann@example.com");
    // Every field's message stands next to it; a taken e-mail next to Email; nothing is saved.
    let bad = submit(
        &server,
        &b,
        &form,
        "/portal/users/add",
        &[
            ("email", "not-an-address"),
            ("name", "Ann"),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(bad.status, 200);
    assert_eq!(
        field_error(&bad.text, "email").as_deref(),
        Some("Email &#39;not-an-address&#39; is not an e-mail address."),
        "HTML-escaped"
    );
    assert!(field_error(&bad.text, "password").is_some());
    assert!(field_error(&bad.text, "name").is_none());
    let taken = submit(
        &server,
        &b,
        &form,
        "/portal/users/add",
        &[
            ("email", server.admin.admin_email.as_str()),
            ("password", "a long enough passphrase"),
            ("role", &member),
        ],
    )
    .await;
    assert_eq!(taken.status, 200);
    assert!(
        field_error(&taken.text, "email").is_some_and(|m| m.contains("already exists")),
        "{}",
        taken.text
    );
    assert_eq!(api_list(&server, "/Users").await.len(), 1, "nothing saved");
    let added = submit(
        &server,
        &b,
        &form,
        "/portal/users/add",
        &[
            ("email", "ann@example.com"),
            ("name", "Ann"),
            ("password", "a long enough passphrase"),
            ("role", &member),
        ],
    )
    .await;
    assert_eq!(added.status, 302, "{}", added.text);
    let details = page(&server, &b, added.location()).await;
    assert!(details.text.contains("aria-label=\"Details\""));
    assert!(details.text.contains("ann@example.com"));
    assert!(details.text.contains(">Remove</button>"));
    let id = details.hidden("id");
    let removed = submit(
        &server,
        &b,
        &details,
        "/portal/users/remove",
        &[("id", &id)],
    )
    .await;
    assert_eq!(removed.status, 302, "{}", removed.text);
    let users = page(&server, &b, "/portal/users").await;
    assert!(!users.text.contains("ann@example.com"));

    let roles = page(&server, &b, "/portal/roles").await;
    for name in [
        "Tenant Administrator",
        "Tenant Member",
        "Tenant Contributor",
        "Tenant Data Steward",
        "Tenant Viewer",
    ] {
        assert!(roles.text.contains(name), "{name}");
    }
    let form = page(&server, &b, "/portal/roles/add").await;
    assert!(form
        .text
        .contains("<label for=\"description\">Description</label>"));
    let added = submit(
        &server,
        &b,
        &form,
        "/portal/roles/add",
        &[
            ("name", "Auditors"),
            ("description", "Read the audit trail"),
        ],
    )
    .await;
    assert_eq!(added.status, 302, "{}", added.text);
    let roles = page(&server, &b, "/portal/roles").await;
    assert!(roles
        .text
        .contains(">Auditors</a></td><td>Read the audit trail</td><td>Custom</td>"));
    let dup = submit(
        &server,
        &b,
        &form,
        "/portal/roles/add",
        &[("name", "Auditors")],
    )
    .await;
    assert_eq!(dup.status, 200);
    assert!(dup.text.contains("role=\"alert\""));
}

#[tokio::test]
async fn a_member_without_the_administrator_role_sees_read_only_pages() {
    let server = TestServer::spawn().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let res = http()
        .post(server.api("/Users"))
        .bearer_auth(server.admin_token().await)
        .json(&json!({
            "Email": "viewer@example.com",
            "Name": "Viewer",
            "Password": "a long enough passphrase",
            "RoleIds": [member],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let b = browser();
    let res = sign_in(
        &server,
        &b,
        "viewer@example.com",
        "a long enough passphrase",
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);

    let clients = page(&server, &b, "/portal/clients").await;
    assert!(clients.text.contains("<h1>Clients</h1>"));
    assert!(!clients.text.contains("Add Client"));
    let id = &server.admin.admin_client_id;
    let details = page(&server, &b, &format!("/portal/clients?type=cc&id={id}")).await;
    assert!(details.text.contains("aria-label=\"Details\""));
    for absent in [">Edit<", ">Delete<", ">Remove<", ">Add Secret<"] {
        assert!(!details.text.contains(absent), "{absent}");
    }
    let users = page(&server, &b, "/portal/users").await;
    assert!(!users.text.contains("Add User"));
    let roles = page(&server, &b, "/portal/roles").await;
    assert!(!roles.text.contains("Add Role"));

    for (path, form) in [
        (
            "/portal/clients/add",
            vec![
                ("type", "cc"),
                ("name", "x"),
                ("role", member.as_str()),
                ("lifetime", "3600"),
                ("never_expires", "on"),
                ("action", "add"),
            ],
        ),
        (
            "/portal/clients/delete",
            vec![("type", "cc"), ("id", id.as_str())],
        ),
        (
            "/portal/clients/edit",
            vec![
                ("type", "cc"),
                ("id", id.as_str()),
                ("name", "x"),
                ("lifetime", "60"),
            ],
        ),
        (
            "/portal/clients/secrets/add",
            vec![("type", "cc"), ("id", id.as_str()), ("never_expires", "on")],
        ),
        (
            "/portal/clients/secrets/remove",
            vec![("type", "cc"), ("id", id.as_str()), ("secret", "1")],
        ),
        (
            "/portal/users/add",
            vec![
                ("email", "x@example.com"),
                ("password", "a long enough passphrase"),
            ],
        ),
        ("/portal/roles/add", vec![("name", "x")]),
    ] {
        let res = submit(&server, &b, &clients, path, &form).await;
        assert_eq!(res.status, 403, "{path}: {}", res.text);
        assert!(res.text.contains("access_denied"), "{path}");
    }
    for path in [
        "/portal/clients/add?type=cc",
        "/portal/users/add",
        "/portal/roles/add",
    ] {
        assert_eq!(get(&b, &server.url(path)).await.status, 403, "{path}");
    }
    // Nothing changed.
    assert_eq!(api_list(&server, "/ClientCredentialClients").await.len(), 1);

    // A client whose id is the nil GUID (the API refuses that id now; an older database may hold
    // one) is not the portal member's "Self": a portal session acts for no client.
    let nil = "00000000-0000-0000-0000-000000000000";
    let ctx = server.ctx.clone();
    let tenant = server.admin.tenant_id.clone();
    let role = member.clone();
    tokio::task::spawn_blocking(move || {
        use portcullis::domain::{Client, ClientId, ClientKind, RoleId, TenantId};
        let client = Client {
            id: ClientId::from_stored(nil.to_owned()),
            tenant_id: TenantId::from_stored(tenant),
            kind: ClientKind::ClientCredentials,
            name: "nil".to_owned(),
            enabled: true,
            access_token_lifetime: 3600,
            tags: Vec::new(),
            role_ids: vec![RoleId::from_stored(role)],
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            allowed_cors_origins: Vec::new(),
            client_uri: None,
            logo_uri: None,
            allow_offline_access: false,
            allow_access_tokens_via_browser: false,
            created: ctx.now(),
        };
        ctx.store
            .write(|c| portcullis::store::clients::insert(c, &client))
            .unwrap();
    })
    .await
    .unwrap();
    let res = submit(
        &server,
        &b,
        &clients,
        "/portal/clients/secrets/add",
        &[("type", "cc"), ("id", nil), ("never_expires", "on")],
    )
    .await;
    assert_eq!(res.status, 403, "{}", res.text);
}

#[tokio::test]
async fn after_signing_in_the_visitor_lands_on_the_page_asked_for() {
    let server = TestServer::spawn().await;
    let b = browser();
    let id = &server.admin.admin_client_id;
    let asked = format!("/portal/clients?type=cc&id={id}");
    let res = sign_in_from(
        &server,
        &b,
        &asked,
        &server.admin.admin_email,
        &server.admin.admin_password,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.location(), asked);
    let shown = page(&server, &b, &asked).await;
    assert!(
        shown.text.contains("aria-label=\"Details\""),
        "{}",
        shown.text
    );

    // A wrong password keeps the return URL on the page shown again.
    let other = browser();
    let wrong = sign_in_from(
        &server,
        &other,
        "/portal/users",
        &server.admin.admin_email,
        "not the password",
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.text.contains("Invalid email or password."));
    assert_eq!(wrong.hidden("return_url"), "/portal/users");
    let res = post(
        &other,
        &server.url("/identity/account/login"),
        &[
            ("username", server.admin.admin_email.as_str()),
            ("password", server.admin.admin_password.as_str()),
            ("return_url", &wrong.hidden("return_url")),
            ("csrf", &wrong.hidden("csrf")),
        ],
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.location(), "/portal/users");
}

#[tokio::test]
async fn a_return_url_that_is_not_a_local_portal_page_is_refused_and_never_followed() {
    let server = TestServer::spawn().await;
    let b = browser();
    // A good login page, for its CSRF pair.
    let good = get(&b, &server.url(&login_location("/portal"))).await;
    assert_eq!(good.status, 200, "{}", good.text);
    for bad in [
        "https://evil.example/portal",
        "http://127.0.0.1/portal",
        "//evil.example/portal",
        "///evil.example/portal",
        "/\\evil.example/portal",
        "\\\\evil.example\\portal",
        "/\t/evil.example/portal",
        "javascript:alert(1)",
        "portal/clients",
        "/identity/connect/endsession",
        "/portal/../identity/error",
        "",
    ] {
        let shown = get(&b, &server.url(&login_location(bad))).await;
        assert_eq!(shown.status, 400, "GET {bad:?}: {}", shown.text);
        assert!(shown.headers.get("location").is_none(), "{bad:?}");
        assert!(shown.text.contains("invalid_request"), "{bad:?}");

        // Posted with the right password: refused before signing in, no redirect, no session.
        let posted = post(
            &b,
            &server.url("/identity/account/login"),
            &[
                ("username", server.admin.admin_email.as_str()),
                ("password", server.admin.admin_password.as_str()),
                ("return_url", bad),
                ("csrf", &good.hidden("csrf")),
            ],
        )
        .await;
        if bad.is_empty() {
            // No return URL at all: the form is read as an (empty) authorization request.
            assert_eq!(posted.status, 400, "{}", posted.text);
        } else {
            assert_eq!(posted.status, 400, "POST {bad:?}: {}", posted.text);
            assert!(posted.text.contains("return_url"), "{bad:?}");
        }
        assert!(posted.headers.get("location").is_none(), "{bad:?}");
        assert!(
            !posted
                .headers
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("portcullis.session=")),
            "{bad:?} signed in"
        );
    }
    // Still not signed in.
    let res = get(&b, &server.url("/portal/clients")).await;
    assert_eq!(res.status, 302);
}

/// A cookie's value from a response's `Set-Cookie` headers.
fn set_cookie_value(page: &Page, name: &str) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

#[tokio::test]
async fn a_csrf_pair_made_elsewhere_does_not_pass_in_a_signed_in_session() {
    let server = TestServer::spawn().await;
    // The attacker's own browser: a browser id and its token, as any visitor gets them (or as a
    // sibling subdomain could plant the cookie on plain http).
    let attacker = browser();
    let res = get(&attacker, &server.url("/portal/clients")).await;
    let login = get(&attacker, &server.url(res.location())).await;
    let planted_id = set_cookie_value(&login, "portcullis.csrf");
    let planted_token = login.hidden("csrf");

    // The administrator's signed-in session.
    let admin_browser = browser();
    let signed_in = sign_in(
        &server,
        &admin_browser,
        &server.admin.admin_email,
        &server.admin.admin_password,
    )
    .await;
    let session = set_cookie_value(&signed_in, "portcullis.session");
    let clients = page(&server, &admin_browser, "/portal/clients").await;
    let own_token = clients.hidden("csrf");

    let add_role = |csrf: String, browser_id: String| {
        let url = server.url("/portal/roles/add");
        let cookies = format!("portcullis.session={session}; portcullis.csrf={browser_id}");
        async move {
            let res = http()
                .post(url)
                .header("cookie", cookies)
                .form(&[("csrf", csrf.as_str()), ("name", "Planted")])
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    // The planted pair in the administrator's session: refused, nothing added.
    assert_eq!(
        add_role(planted_token.clone(), planted_id.clone()).await,
        400
    );
    // A well-formed token that is not the HMAC of this session: refused.
    assert_eq!(add_role("A".repeat(43), planted_id.clone()).await, 400);
    assert!(!api_list(&server, "/Roles")
        .await
        .iter()
        .any(|r| r["Name"] == "Planted"));
    // The session's own token passes (whatever browser id comes along).
    assert_eq!(add_role(own_token, planted_id).await, 302);
    assert!(api_list(&server, "/Roles")
        .await
        .iter()
        .any(|r| r["Name"] == "Planted"));
}

#[tokio::test]
async fn users_are_edited_and_custom_roles_edited_and_deleted_built_in_ones_read_only() {
    let server = TestServer::spawn().await;
    let b = admin(&server).await;
    let member = server.role_id(TENANT_MEMBER).await;
    let contributor = server.role_id(TENANT_CONTRIBUTOR).await;
    let user = crate::harness::post(
        &server.api("/Users"),
        &server.admin_token().await,
        json!({"Email": "ann@example.com", "Name": "Ann", "Password": "a long enough passphrase"}),
    )
    .await;
    assert_eq!(user.status, 201, "{}", user.text);
    let id = user.body["Id"].as_str().unwrap().to_owned();

    // Users: Details has Edit; Edit shows Name and the role checkboxes and saves both.
    let details = page(&server, &b, &format!("/portal/users?id={id}")).await;
    assert!(details.text.contains(">Edit</button>"), "{}", details.text);
    let edit = page(&server, &b, &format!("/portal/users/edit?id={id}")).await;
    assert!(edit.text.contains("<h1>Edit User</h1>"));
    assert_eq!(field_value(&edit.text, "name"), "Ann");
    assert!(edit.text.contains(&format!(
        "value=\"{member}\" checked disabled> <label for=\"role-"
    )));
    let saved = submit(
        &server,
        &b,
        &edit,
        "/portal/users/edit",
        &[
            ("id", &id),
            ("name", "Ann Bolt"),
            ("role", &member),
            ("role", &contributor),
        ],
    )
    .await;
    assert_eq!(saved.status, 302, "{}", saved.text);
    assert_eq!(saved.location(), format!("/portal/users?id={id}"));
    let stored = &api_list(&server, &format!("/Users?id={id}")).await[0];
    assert_eq!(stored["Name"], "Ann Bolt");
    assert_eq!(stored["RoleIds"].as_array().unwrap().len(), 2, "{stored}");
    let details = page(&server, &b, &format!("/portal/users?id={id}")).await;
    assert!(details.text.contains("Tenant Contributor"));

    // Roles: a built-in role is read-only...
    let builtin = page(&server, &b, &format!("/portal/roles?id={contributor}")).await;
    assert!(builtin.text.contains("aria-label=\"Details\""));
    assert!(builtin.text.contains("Built-in roles cannot be changed."));
    assert!(!builtin.text.contains(">Edit</button>"));
    assert!(!builtin.text.contains(">Delete</button>"));
    let refused = get(
        &b,
        &server.url(&format!("/portal/roles/edit?id={contributor}")),
    )
    .await;
    assert_eq!(refused.status, 400);
    // ...a custom one has Edit and Delete.
    let form = page(&server, &b, "/portal/roles/add").await;
    let added = submit(
        &server,
        &b,
        &form,
        "/portal/roles/add",
        &[("name", "Auditors"), ("description", "Read the trail")],
    )
    .await;
    assert_eq!(added.status, 302, "{}", added.text);
    let roles = api_list(&server, "/Roles").await;
    let custom = roles.iter().find(|r| r["Name"] == "Auditors").unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let details = page(&server, &b, &format!("/portal/roles?id={custom}")).await;
    assert!(details.text.contains(">Edit</button>"));
    assert!(details.text.contains(">Delete</button>"));
    let edit = page(&server, &b, &format!("/portal/roles/edit?id={custom}")).await;
    assert!(edit.text.contains("<h1>Edit Role</h1>"));
    assert_eq!(field_value(&edit.text, "name"), "Auditors");
    let taken = submit(
        &server,
        &b,
        &edit,
        "/portal/roles/edit",
        &[("id", &custom), ("name", "Tenant Member")],
    )
    .await;
    assert_eq!(taken.status, 200);
    assert!(taken.text.contains("role=\"alert\""));
    let saved = submit(
        &server,
        &b,
        &edit,
        "/portal/roles/edit",
        &[
            ("id", &custom),
            ("name", "Inspectors"),
            ("description", "Inspect"),
        ],
    )
    .await;
    assert_eq!(saved.status, 302, "{}", saved.text);
    let roles = page(&server, &b, "/portal/roles").await;
    assert!(roles
        .text
        .contains(">Inspectors</a></td><td>Inspect</td><td>Custom</td>"));
    let confirm = page(&server, &b, &format!("/portal/roles/delete?id={custom}")).await;
    assert!(confirm.text.contains("<h1>Delete Inspectors?</h1>"));
    let gone = submit(
        &server,
        &b,
        &confirm,
        "/portal/roles/delete",
        &[("id", &custom)],
    )
    .await;
    assert_eq!(gone.status, 302, "{}", gone.text);
    assert!(!api_list(&server, "/Roles")
        .await
        .iter()
        .any(|r| r["Id"] == custom.as_str()));
    let refused = submit(
        &server,
        &b,
        &confirm,
        "/portal/roles/delete",
        &[("id", &contributor)],
    )
    .await;
    assert_eq!(refused.status, 400);
}

/// The links to list rows on a portal page (`href="{prefix}..."`).
fn row_links(html: &str, prefix: &str) -> usize {
    html.matches(&format!("href=\"{prefix}")).count()
}

#[tokio::test]
async fn long_lists_have_next_and_previous_pages_of_100() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    // 101 of each: the bootstrap client and user and 100 more; 5 built-in roles and 96 custom.
    for i in 0..100 {
        let r = crate::harness::post(
            &server.api("/ClientCredentialClients"),
            &token,
            json!({"Name": format!("client {i:03}"), "RoleIds": [member]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = crate::harness::post(
            &server.api("/Users"),
            &token,
            json!({"Email": format!("u{i:03}@example.com")}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        if i < 96 {
            let r = crate::harness::post(
                &server.api("/Roles"),
                &token,
                json!({"Name": format!("role {i:03}")}),
            )
            .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
    let b = admin(&server).await;
    for (path, base, rows) in [
        (
            "/portal/clients",
            // askama writes `&` in an inserted value as `&#38;`.
            "/portal/clients?type=cc&#38;",
            "/portal/clients?type=cc&amp;id=",
        ),
        ("/portal/users", "/portal/users?", "/portal/users?id="),
        ("/portal/roles", "/portal/roles?", "/portal/roles?id="),
    ] {
        let first = page(&server, &b, path).await;
        assert_eq!(row_links(&first.text, rows), 100, "{path}");
        assert!(
            first
                .text
                .contains(&format!("<a href=\"{base}skip=100\" rel=\"next\">Next</a>")),
            "{path}: {}",
            first.text
        );
        assert!(!first.text.contains(">Previous</a>"), "{path}");
        assert!(first.text.contains("1–100 of 101"), "{path}");
        let second_url = format!("{base}skip=100").replace("&#38;", "&");
        let second = page(&server, &b, &second_url).await;
        assert_eq!(row_links(&second.text, rows), 1, "{path}");
        assert!(second.text.contains("101–101 of 101"), "{path}");
        let back = base.trim_end_matches('?').trim_end_matches("&#38;");
        assert!(
            second
                .text
                .contains(&format!("<a href=\"{back}\" rel=\"prev\">Previous</a>")),
            "{path}: {}",
            second.text
        );
        assert!(!second.text.contains(">Next</a>"), "{path}");
        // A row chosen on the second page keeps the page.
        assert!(second.text.contains("&amp;skip=100\""), "{path}");
    }
    // A short list has no pager; a nonsense skip is the first page.
    let short = page(&server, &b, "/portal/clients?type=ac").await;
    assert!(!short.text.contains("aria-label=\"Pages\""));
    let odd = page(&server, &b, "/portal/users?skip=-5").await;
    assert_eq!(row_links(&odd.text, "/portal/users?id="), 100);
}
