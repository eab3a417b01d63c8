//! The audit trail (SPEC §13.2), changes: one event per change made through the management API
//! and the portal, none for a refused or rolled-back change (the event is in the change's
//! transaction); `GET/HEAD AuditEvents` for Tenant Administrators, newest first, paged and
//! filtered; the portal's Audit page. Security events, the CLI and the purge are in
//! `audit_security`; the suite-wide "no secret in any event" check is `audit_witness`.

use crate::harness::{call, delete, get, head, http, post, put, Reply, TestServer, TENANT_MEMBER};
use portcullis::domain::audit::AuditRecord;
use serde_json::{json, Value};

/// Every event of the database (all tenants and server-wide), oldest first.
pub(crate) async fn all_events(server: &TestServer) -> Vec<AuditRecord> {
    let ctx = server.ctx.clone();
    tokio::task::spawn_blocking(move || ctx.store.read(portcullis::store::audit::all).unwrap())
        .await
        .unwrap()
}

/// Asserts that no column of any stored event contains any of `seen` (secrets, passwords,
/// codes, tokens the scenario handled).
pub(crate) async fn assert_no_secret_in_any_event(server: &TestServer, seen: &[String]) {
    let events = all_events(server).await;
    assert!(!events.is_empty(), "the scenario wrote no event at all");
    for r in &events {
        let e = &r.event;
        let columns = [
            Some(e.time.to_string()),
            e.tenant_id.as_ref().map(|t| t.as_str().to_owned()),
            Some(e.actor.clone()),
            Some(e.action.as_str().to_owned()),
            e.target_id.clone(),
            Some(e.outcome.as_str().to_owned()),
            e.origin.client_address.clone(),
            e.origin.request_id.clone(),
        ];
        for secret in seen.iter().filter(|s| s.len() >= 8) {
            for column in columns.iter().flatten() {
                assert!(
                    !column.contains(secret.as_str()),
                    "event {r:?} contains a secret the scenario saw"
                );
            }
        }
    }
}

/// The tenant's events through the API (newest first), as the administrator sees them.
pub(crate) async fn events(server: &TestServer, token: &str) -> Vec<Value> {
    let r = get(&server.api("/AuditEvents?count=1000"), token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

/// Follows a tenant's trail: each step asserts that exactly one event was added, by whom, on what.
pub(crate) struct Trail<'a> {
    server: &'a TestServer,
    /// An administrator's token to read the trail with.
    reader: String,
    /// The actor expected for the changes.
    actor: String,
    pub(crate) seen: usize,
}

impl<'a> Trail<'a> {
    pub(crate) async fn new(server: &'a TestServer, reader: &str, actor: &str) -> Trail<'a> {
        let seen = events(server, reader).await.len();
        Trail {
            server,
            reader: reader.to_owned(),
            actor: actor.to_owned(),
            seen,
        }
    }

    /// Asserts the reply's status and that it added exactly one successful event `action` on
    /// `target` by the actor, from this test's address, with the reply's request id.
    async fn one(&mut self, r: &Reply, status: u16, action: &str, target: &str) -> Value {
        assert_eq!(r.status, status, "{action}: {}", r.text);
        let list = events(self.server, &self.reader).await;
        assert_eq!(list.len(), self.seen + 1, "{action}: {list:#?}");
        self.seen = list.len();
        let e = list[0].clone();
        assert_eq!(e["Action"], action, "{e}");
        assert_eq!(e["TargetId"], target, "{e}");
        assert_eq!(e["Actor"], self.actor.as_str(), "{e}");
        assert_eq!(e["Outcome"], "success", "{e}");
        assert_eq!(e["TenantId"], self.server.admin.tenant_id.as_str(), "{e}");
        assert_eq!(e["ClientAddress"], "127.0.0.1", "{e}");
        assert_eq!(e["RequestId"], r.header("request-id").unwrap(), "{e}");
        e
    }

    /// Asserts the reply's status and that it added no event.
    async fn none(&mut self, r: &Reply, status: u16) {
        assert_eq!(r.status, status, "{}", r.text);
        let list = events(self.server, &self.reader).await;
        assert_eq!(list.len(), self.seen, "{list:#?}");
    }
}

pub(crate) fn str_of(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_owned()
}

#[tokio::test]
async fn each_management_api_change_writes_exactly_one_event() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let mut seen = vec![
        server.admin.admin_client_secret.clone(),
        server.admin.admin_password.clone(),
        token.clone(),
    ];
    let mut t = Trail::new(&server, &token, &server.admin.admin_client_id).await;
    let first = events(&server, &token).await;
    assert_eq!(first.len(), 1, "bootstrap records the tenant: {first:#?}");
    assert_eq!(
        (
            &first[0]["Action"],
            &first[0]["Actor"],
            &first[0]["TargetId"]
        ),
        (
            &json!("tenant.created"),
            &json!("cli"),
            &json!(server.admin.tenant_id)
        )
    );

    // Clients, their roles and secrets.
    let r = post(
        &server.api("/ClientCredentialClients"),
        &token,
        json!({"Name": "Meter", "RoleIds": [member]}),
    )
    .await;
    let client = r.body["Client"]["Id"].as_str().unwrap_or("").to_owned();
    seen.push(str_of(&r.body, "Secret"));
    t.one(&r, 201, "client.created", &client).await;
    let item = server.api(&format!("/ClientCredentialClients/{client}"));
    let r = put(&item, &token, json!({"Name": "Meter 2"})).await;
    t.one(&r, 200, "client.updated", &client).await;
    let r = put(&format!("{item}/Roles"), &token, json!([{"Id": member}])).await;
    t.one(&r, 200, "client.roles.set", &client).await;
    let r = post(
        &format!("{item}/Secrets"),
        &token,
        json!({"Expires": false}),
    )
    .await;
    seen.push(str_of(&r.body, "Secret"));
    let secret = r.body["Id"].as_i64().unwrap_or(-1);
    let target = format!("{client}/{secret}");
    t.one(&r, 201, "client.secret.created", &target).await;
    let secret_url = format!("{item}/Secrets/{secret}");
    let r = put(&secret_url, &token, json!({"Description": "rotated"})).await;
    t.one(&r, 200, "client.secret.updated", &target).await;
    let r = delete(&secret_url, &token).await;
    t.one(&r, 204, "client.secret.deleted", &target).await;
    let r = delete(&item, &token).await;
    t.one(&r, 204, "client.deleted", &client).await;
    for (kind, extra) in [
        ("AuthorizationCodeClients", json!({})),
        ("HybridClients", json!({"AllowOfflineAccess": true})),
    ] {
        let mut body = json!({"Name": kind, "RedirectUris": ["https://app.example.com/cb"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = post(&server.api(&format!("/{kind}")), &token, body).await;
        if let Some(s) = r.body["Secret"].as_str() {
            seen.push(s.to_owned());
        }
        let id = r.body["Id"]
            .as_str()
            .or(r.body["Client"]["Id"].as_str())
            .unwrap_or("")
            .to_owned();
        t.one(&r, 201, "client.created", &id).await;
    }

    // Roles.
    let r = post(&server.api("/Roles"), &token, json!({"Name": "Auditors"})).await;
    let role = str_of(&r.body, "Id");
    t.one(&r, 201, "role.created", &role).await;
    let role_url = server.api(&format!("/Roles/{role}"));
    let r = put(&role_url, &token, json!({"Description": "read the trail"})).await;
    t.one(&r, 200, "role.updated", &role).await;

    // Users.
    let password = "a password nobody guesses".to_owned();
    seen.push(password.clone());
    let r = post(
        &server.api("/Users"),
        &token,
        json!({"Email": "eve@example.com", "Name": "Eve", "Password": password}),
    )
    .await;
    let user = str_of(&r.body, "Id");
    t.one(&r, 201, "user.created", &user).await;
    let user_url = server.api(&format!("/Users/{user}"));
    let new_password = "another password nobody guesses".to_owned();
    seen.push(new_password.clone());
    let r = put(&user_url, &token, json!({"Password": new_password})).await;
    t.one(&r, 200, "user.updated", &user).await;
    let roles = json!([{"Id": member}, {"Id": role}]);
    let r = put(&format!("{user_url}/Roles"), &token, roles).await;
    t.one(&r, 200, "user.roles.set", &user).await;
    let r = delete(&role_url, &token).await;
    t.one(&r, 204, "role.deleted", &role).await;
    let r = delete(&user_url, &token).await;
    t.one(&r, 204, "user.deleted", &user).await;

    // The tenant.
    let tenant = server.admin.tenant_id.clone();
    let r = put(&server.api(""), &token, json!({"Alias": "plant"})).await;
    t.one(&r, 200, "tenant.updated", &tenant).await;

    // Reads write nothing.
    let r = get(&server.api("/ClientCredentialClients"), &token).await;
    t.none(&r, 200).await;
    assert_no_secret_in_any_event(&server, &seen).await;
}

#[tokio::test]
async fn a_refused_or_rolled_back_change_writes_no_event() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let mut t = Trail::new(&server, &token, &server.admin.admin_client_id).await;
    let clients = server.api("/ClientCredentialClients");

    // Validation before the transaction.
    let r = post(&clients, &token, json!({"Name": "", "RoleIds": [member]})).await;
    t.none(&r, 400).await;
    // Validation inside the transaction, after the event was recorded: rolled back with it.
    let body = json!({"Name": "Short", "RoleIds": [member], "AccessTokenLifetime": 30});
    let r = post(&clients, &token, body).await;
    t.none(&r, 400).await;
    // A taken id: the insert fails after the event was written; the transaction rolls back.
    let r = post(&clients, &token, json!({"Name": "A", "RoleIds": [member]})).await;
    let id = r.body["Client"]["Id"].as_str().unwrap_or("").to_owned();
    t.one(&r, 201, "client.created", &id).await;
    let body = json!({"Id": id, "Name": "B", "RoleIds": [member]});
    let r = post(&clients, &token, body).await;
    t.none(&r, 409).await;
    // A member may not change anything, and its refusal is no change.
    let member_token = server.member_token().await;
    t.seen = events(&server, &token).await.len();
    let r = delete(
        &server.api(&format!("/ClientCredentialClients/{id}")),
        &member_token,
    )
    .await;
    t.none(&r, 403).await;
    // Built-in roles cannot change: refused inside the transaction.
    let r = put(
        &server.api(&format!("/Roles/{member}")),
        &token,
        json!({"Name": "X"}),
    )
    .await;
    t.none(&r, 400).await;
}

/// Creates `n` roles one second apart starting at the clock's time; returns their ids, oldest
/// first.
async fn roles_over_time(server: &TestServer, token: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = post(
            &server.api("/Roles"),
            token,
            json!({"Name": format!("R{i}")}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(str_of(&r.body, "Id"));
        server.clock().advance(1);
    }
    ids
}

#[tokio::test]
async fn the_api_pages_filters_and_lists_newest_first_for_administrators_only() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let start = server.ctx.now();
    let roles = roles_over_time(&server, &token, 5).await;
    let user = post(
        &server.api("/Users"),
        &token,
        json!({"Email": "p@example.com", "Password": "long enough password"}),
    )
    .await;
    assert_eq!(user.status, 201, "{}", user.text);

    // Newest first; Total-Count; every property.
    let url = server.api("/AuditEvents");
    let r = get(&url, &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 7);
    let list = r.body.as_array().unwrap();
    assert_eq!(list[0]["Action"], "user.created");
    assert_eq!(list[6]["Action"], "tenant.created");
    let targets: Vec<&str> = list[1..6]
        .iter()
        .map(|e| e["TargetId"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = roles.iter().rev().map(String::as_str).collect();
    assert_eq!(targets, newest_first);
    assert_eq!(
        crate::harness::keys(&list[0]),
        [
            "Id",
            "Time",
            "TenantId",
            "Actor",
            "Action",
            "TargetId",
            "Outcome",
            "ClientAddress",
            "RequestId"
        ]
    );
    assert_eq!(
        list[1]["Time"],
        portcullis::domain::time::format_time(start + 4)
    );

    // HEAD: same status and Total-Count, no body.
    let h = head(&format!("{url}?action=role.created"), &token).await;
    assert_eq!((h.status, h.total_count(), h.text.as_str()), (200, 5, ""));

    // Paging.
    let r = get(&format!("{url}?skip=2&count=2"), &token).await;
    assert_eq!(r.total_count(), 7);
    let page: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["TargetId"].as_str().unwrap())
        .collect();
    assert_eq!(page, [roles[3].as_str(), roles[2].as_str()]);
    for bad in [
        "count=0",
        "count=1001",
        "skip=-1",
        "skip=x",
        "action=client.exploded",
        "since=yesterday",
    ] {
        get(&format!("{url}?{bad}"), &token).await.bad_request();
    }

    // action, since (inclusive) and until (exclusive).
    let r = get(&format!("{url}?action=user.created"), &token).await;
    assert_eq!(r.total_count(), 1);
    let at = |t: i64| portcullis::domain::time::format_time(t);
    let window = format!("{url}?since={}&until={}", at(start + 1), at(start + 3));
    let r = get(&window, &token).await;
    let ids: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["TargetId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [roles[2].as_str(), roles[1].as_str()]);
    let r = get(
        &format!("{url}?Action=role.created&since={}", at(start + 4)),
        &token,
    )
    .await;
    assert_eq!(r.total_count(), 1);

    // Tenant Administrators only; never another tenant's.
    let member = server.member_token().await;
    get(&url, &member).await.forbidden();
    assert_eq!(head(&url, &member).await.status, 403);
    let (other, other_token) = server.other_tenant().await;
    get(&url, &other_token).await.forbidden();
    let r = get(
        &server.url(&format!("/api/v1/Tenants/{other}/AuditEvents")),
        &other_token,
    )
    .await;
    // The other tenant sees only its own (its bootstrap).
    assert_eq!((r.status, r.total_count()), (200, 1), "{}", r.text);
    assert_eq!(r.body[0]["TenantId"], other.as_str());
    let r = call(http().get(&url)).await;
    assert_eq!(r.status, 401);
}

/// The admin user's id (the bootstrap administrator).
pub(crate) async fn admin_user_id(server: &TestServer, token: &str) -> String {
    let r = get(&server.api("/Users"), token).await;
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["Email"] == server.admin.admin_email.as_str())
        .map(|u| str_of(u, "Id"))
        .expect("the bootstrap administrator")
}

/// Asserts a security event's fields (the newest event is `list[i]`).
pub(crate) fn assert_security(
    e: &Value,
    action: &str,
    actor: &str,
    target: Option<&str>,
    outcome: &str,
) {
    assert_eq!(e["Action"], action, "{e}");
    assert_eq!(e["Actor"], actor, "{e}");
    assert_eq!(e["TargetId"].as_str(), target, "{e}");
    assert_eq!(e["Outcome"], outcome, "{e}");
    assert_eq!(e["ClientAddress"], "127.0.0.1", "{e}");
    assert_eq!(e["RequestId"].as_str().map(str::len), Some(32), "{e}");
}

/// The rows of the portal's Audit table that show `action`.
fn rows_of(html: &str, action: &str) -> usize {
    html.matches(&format!("<td><code>{action}</code></td>"))
        .count()
}

#[tokio::test]
async fn portal_changes_are_recorded_and_the_audit_page_lists_and_filters_them() {
    use crate::portal::{admin, page, sign_in, submit};
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let user = admin_user_id(&server, &token).await;

    // Without a session: to the login page.
    let b = crate::signin::browser();
    let r = crate::signin::get(&b, &server.url("/portal/audit")).await;
    assert_eq!(r.status, 302, "{}", r.text);

    let b = admin(&server).await;
    let form = page(&server, &b, "/portal/roles/add").await;
    let added = submit(
        &server,
        &b,
        &form,
        "/portal/roles/add",
        &[("name", "Auditors")],
    )
    .await;
    assert_eq!(added.status, 302, "{}", added.text);
    let refused = submit(
        &server,
        &b,
        &form,
        "/portal/roles/add",
        &[("name", "Auditors")],
    )
    .await;
    assert_eq!(
        refused.status, 200,
        "a taken name is shown next to the field"
    );
    let list = events(&server, &token).await;
    assert_eq!(list[0]["Action"], "role.created", "{list:#?}");
    assert_eq!(list[0]["Actor"], user.as_str());
    assert_eq!(list[0]["ClientAddress"], "127.0.0.1");
    let roles = get(&server.api("/Roles"), &token).await;
    let role = roles
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Name"] == "Auditors")
        .unwrap();
    assert_eq!(list[0]["TargetId"], role["Id"]);
    assert_eq!(
        list.iter()
            .filter(|e| e["Action"] == "role.created")
            .count(),
        1
    );

    // The page: in the menu, newest first, every action in the filter.
    let audit = page(&server, &b, "/portal/audit").await;
    assert!(audit.text.contains("<h1>Audit</h1>"), "{}", audit.text);
    assert!(
        audit.text.contains("aria-current=\"page\">Audit</a>"),
        "{}",
        audit.text
    );
    assert_eq!(rows_of(&audit.text, "role.created"), 1);
    assert_eq!(rows_of(&audit.text, "signin.succeeded"), 1);
    let newest = audit.text.find("<td><code>role.created").unwrap();
    assert!(newest < audit.text.find("<td><code>signin.succeeded").unwrap());
    assert!(audit.text.contains(&format!(
        "<td><code>{}</code></td>",
        role["Id"].as_str().unwrap()
    )));
    assert!(audit
        .text
        .contains("<label for=\"audit-action\">Action</label>"));
    assert!(audit
        .text
        .contains("<option value=\"refresh.reuse_detected\">"));
    let filtered = page(&server, &b, "/portal/audit?action=signin.succeeded").await;
    assert_eq!(rows_of(&filtered.text, "role.created"), 0);
    assert_eq!(rows_of(&filtered.text, "signin.succeeded"), 1);
    assert!(filtered
        .text
        .contains("<option value=\"signin.succeeded\" selected>"));
    let r = crate::signin::get(&b, &server.url("/portal/audit?action=nonsense")).await;
    assert_eq!(r.status, 400, "{}", r.text);

    // A member without Tenant Administrator sees neither the link nor the page.
    let member = server.role_id(TENANT_MEMBER).await;
    let password = "members password here";
    let body = json!({"Email": "m@example.com", "Password": password, "RoleIds": [member]});
    assert_eq!(post(&server.api("/Users"), &token, body).await.status, 201);
    let m = crate::signin::browser();
    let signed = sign_in(&server, &m, "m@example.com", password).await;
    assert_eq!(signed.status, 302, "{}", signed.text);
    let clients = page(&server, &m, "/portal/clients").await;
    assert!(!clients.text.contains("/portal/audit"), "{}", clients.text);
    let r = crate::signin::get(&m, &server.url("/portal/audit")).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_no_secret_in_any_event(
        &server,
        &[
            token,
            password.to_owned(),
            server.admin.admin_password.clone(),
        ],
    )
    .await;
}
