//! The tenant, its roles and its users over the management API (SPEC §2, §3.1, §3.6), and the
//! command line (§1.1, §1.3) run as the real built binary.

use crate::harness::{
    call, delete, get, head, http, ids, jwt_claims, keys, post, put, redact, signed_token,
    TestServer, TENANT_ADMINISTRATOR, TENANT_CONTRIBUTOR, TENANT_DATA_STEWARD, TENANT_MEMBER,
    TENANT_VIEWER,
};
use portcullis::domain::time::{format_time, parse_time};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const LOCAL_IDP: &str = "00000000-0000-0000-0000-00000000000a";
const PASSWORD: &str = "correct horse battery staple";

const USER_KEYS: [&str; 11] = [
    "Id",
    "GivenName",
    "Surname",
    "Name",
    "Email",
    "ContactEmail",
    "ContactGivenName",
    "ContactSurname",
    "ExternalUserId",
    "IdentityProviderId",
    "RoleIds",
];
const ROLE_KEYS: [&str; 7] = [
    "Id",
    "Name",
    "Description",
    "RoleScope",
    "TenantId",
    "CommunityId",
    "RoleTypeId",
];

fn str_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn user_count(server: &TestServer, token: &str) -> i64 {
    let r = get(&server.api("/Users"), token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.total_count()
}

async fn role_count(server: &TestServer, token: &str) -> i64 {
    let r = get(&server.api("/Roles"), token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.total_count()
}

/// POSTs a user; asserts 201 and returns the body.
async fn create_user(server: &TestServer, token: &str, body: Value) -> Value {
    let r = post(&server.api("/Users"), token, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// POSTs a custom role; asserts 201 and returns its Id.
async fn create_role(server: &TestServer, token: &str, name: &str) -> String {
    let r = post(&server.api("/Roles"), token, json!({"Name": name})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["Id"].as_str().unwrap().to_owned()
}

/// The stored password hash of a user (to see that a PUT really changed it).
async fn password_hash_of(server: &TestServer, email: &str) -> Option<String> {
    let ctx = server.ctx.clone();
    let tenant = portcullis::domain::TenantId::parse(&server.admin.tenant_id).unwrap();
    let email = email.to_owned();
    tokio::task::spawn_blocking(move || {
        ctx.store
            .read(|conn| portcullis::store::users::find_by_email(conn, &tenant, &email))
            .unwrap()
            .expect("user exists")
            .1
    })
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tenant

#[tokio::test]
async fn tenant_get_has_the_ocs_shape_for_any_member() {
    let server = TestServer::spawn().await;
    let token = server.member_token().await;
    let r = get(&server.api(""), &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = &r.body;
    assert_eq!(
        keys(t),
        [
            "Id",
            "CompanyName",
            "State",
            "Created",
            "LastUpdated",
            "Alias"
        ]
    );
    assert_eq!(t["Id"], server.admin.tenant_id.as_str());
    assert_eq!(t["CompanyName"], "Default");
    assert_eq!(t["State"], 1);
    assert_eq!(t["Alias"], Value::Null);
    let created = parse_time(t["Created"].as_str().unwrap()).expect("Created is a date-time");
    assert_eq!(t["Created"], format_time(server.clock().now()));
    assert_eq!(
        parse_time(t["LastUpdated"].as_str().unwrap()),
        Some(created)
    );

    // Path segments match case-insensitively, GUIDs too.
    let upper = server.url(&format!(
        "/API/V1/TENANTS/{}",
        server.admin.tenant_id.to_uppercase()
    ));
    let r = get(&upper, &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["Id"], server.admin.tenant_id.as_str());
}

#[tokio::test]
async fn tenant_head_is_204_when_it_exists_and_401_or_403_otherwise() {
    let server = TestServer::spawn().await;
    let token = server.member_token().await;
    let r = head(&server.api(""), &token).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());

    // A well-signed token of a tenant that does not exist: its caller does not exist either, and
    // authority is checked as it is now (SPEC §3.1), so 401 — for HEAD without a body.
    let ghost = uuid::Uuid::new_v4().to_string();
    let ghost_token = signed_token(&server, &ghost, &[TENANT_MEMBER.role_type_id()], None);
    let ghost_url = server.url(&format!("/api/v1/Tenants/{ghost}"));
    let r = head(&ghost_url, &ghost_token).await;
    assert_eq!(r.status, 401);
    assert!(r.text.is_empty(), "HEAD has no body");
    get(&ghost_url, &ghost_token).await.error(401);

    // Another tenant's id with this tenant's token: 403, for HEAD as for GET.
    let r = head(&ghost_url, &token).await;
    assert_eq!(r.status, 403);
    assert!(r.text.is_empty());

    // No token: 401 with a Bearer challenge and no body on HEAD.
    let r = call(http().head(server.api(""))).await;
    assert_eq!(r.status, 401);
    assert!(r.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert!(r.text.is_empty());
    let r = call(http().get(server.api(""))).await;
    r.error(401);
    assert!(r.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn tenant_put_changes_company_name_and_alias_for_administrators_only() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    server.clock().advance(10);

    let r = put(
        &server.api(""),
        &admin,
        json!({"CompanyName": "Acme Corp", "Alias": "acme", "State": 5}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["CompanyName"], "Acme Corp");
    assert_eq!(r.body["Alias"], "acme");
    assert_eq!(r.body["State"], 1, "State is not writable");
    assert_eq!(r.body["LastUpdated"], format_time(server.clock().now()));
    assert_ne!(r.body["LastUpdated"], r.body["Created"]);

    // Partial: only Alias changes; the Id in the body may repeat the path id (any case).
    let r = put(
        &server.api(""),
        &admin,
        json!({"Id": server.admin.tenant_id.to_uppercase(), "Alias": "acme2", "CompanyName": null}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["CompanyName"], "Acme Corp");
    assert_eq!(r.body["Alias"], "acme2");

    // A member may read but not write.
    let r = put(&server.api(""), &member, json!({"CompanyName": "Hijacked"})).await;
    r.error(403);

    // A body Id that differs from the path.
    let r = put(
        &server.api(""),
        &admin,
        json!({"Id": uuid::Uuid::new_v4().to_string(), "CompanyName": "Wrong"}),
    )
    .await;
    r.error(400);
    // A blank CompanyName.
    let r = put(&server.api(""), &admin, json!({"CompanyName": "   "})).await;
    r.error(400);

    let r = get(&server.api(""), &member).await;
    assert_eq!(r.body["CompanyName"], "Acme Corp");
    assert_eq!(r.body["Alias"], "acme2");
}

#[tokio::test]
async fn tenants_are_isolated_from_each_other() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (other_id, other_token) = server.other_tenant().await;

    // The other tenant's administrator reaches nothing of ours.
    for (method, path) in [
        ("GET", ""),
        ("HEAD", ""),
        ("PUT", ""),
        ("GET", "/Roles"),
        ("POST", "/Roles"),
        ("GET", "/Users"),
        ("POST", "/Users"),
        ("GET", "/ClientCredentialClients"),
    ] {
        let req = http()
            .request(method.parse().unwrap(), server.api(path))
            .bearer_auth(&other_token);
        let req = if matches!(method, "PUT" | "POST") {
            req.json(&json!({"CompanyName": "Taken", "Name": "Taken", "Email": "t@t.t", "Password": PASSWORD}))
        } else {
            req
        };
        let r = call(req).await;
        if method == "HEAD" {
            assert_eq!(r.status, 403, "{method} {path}");
        } else {
            r.error(403);
        }
    }
    let r = get(&server.api(""), &admin).await;
    assert_eq!(r.body["CompanyName"], "Default");
    assert_eq!(user_count(&server, &admin).await, 1);
    assert_eq!(role_count(&server, &admin).await, 5);

    // ...but its own tenant.
    let other_url = server.url(&format!("/api/v1/Tenants/{other_id}"));
    let r = get(&other_url, &other_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["CompanyName"], "Other");
    // And we do not reach it.
    get(&other_url, &admin).await.error(403);

    // Ids of the other tenant's roles are unknown here.
    let r = get(&format!("{other_url}/Roles"), &other_token).await;
    let other_member = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RoleTypeId"] == TENANT_MEMBER.role_type_id())
        .unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    get(&server.api(&format!("/Roles/{other_member}")), &admin)
        .await
        .error(404);
    let r = post(
        &server.api("/Users"),
        &admin,
        json!({"Email": "a@b.c", "Password": PASSWORD, "RoleIds": [other_member]}),
    )
    .await;
    r.error(400);

    // An unknown tenant id with a valid token: the token's tid differs, so 403.
    let unknown = server.url(&format!("/api/v1/Tenants/{}", uuid::Uuid::new_v4()));
    get(&unknown, &admin).await.error(403);
    get(&format!("{unknown}/Users"), &admin).await.error(403);
    // A tenant id that is not a GUID: 400.
    let r = get(&server.url("/api/v1/Tenants/not-a-guid"), &admin).await;
    let body = r.error(400);
    assert!(body["Reason"].as_str().unwrap().contains("not-a-guid"));
}

// ---------------------------------------------------------------------------------------------
// Roles

#[tokio::test]
async fn the_five_builtin_roles_have_their_fixed_role_type_ids() {
    let server = TestServer::spawn().await;
    let token = server.member_token().await;
    let r = get(&server.api("/Roles"), &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 5);
    let roles = r.body.as_array().unwrap();
    let mut seen = Vec::new();
    for role in roles {
        assert_eq!(keys(role), ROLE_KEYS);
        assert_eq!(role["RoleScope"], 1);
        assert_eq!(role["TenantId"], server.admin.tenant_id.as_str());
        assert_eq!(role["CommunityId"], Value::Null);
        assert!(uuid::Uuid::parse_str(role["Id"].as_str().unwrap()).is_ok());
        assert_ne!(
            role["Id"], role["RoleTypeId"],
            "Id is per tenant, not the RoleTypeId"
        );
        seen.push((
            role["Name"].as_str().unwrap().to_owned(),
            role["RoleTypeId"].as_str().unwrap().to_owned(),
        ));
    }
    seen.sort();
    // The OCS well-known RoleTypeIds, spelled out on purpose: the one place that pins the
    // library's `BuiltinRole` (which the rest of the suite uses) to the values clients rely on.
    let well_known = [
        (
            TENANT_ADMINISTRATOR,
            "Tenant Administrator",
            "2dc742ab-39ea-4fc0-a39e-2bcb71c26a5f",
        ),
        (
            TENANT_MEMBER,
            "Tenant Member",
            "7ad2b9ef-5386-4ead-ac9f-ad99c5c5b977",
        ),
        (
            TENANT_CONTRIBUTOR,
            "Tenant Contributor",
            "f1439595-e5a2-487f-8a4f-0627fefe75df",
        ),
        (
            TENANT_DATA_STEWARD,
            "Tenant Data Steward",
            "45b66433-5f57-420b-bbdf-8bbd60c1cd9d",
        ),
        (
            TENANT_VIEWER,
            "Tenant Viewer",
            "e6cbf91e-0be8-4858-92b5-f88ecafd5574",
        ),
    ];
    for (role, name, role_type_id) in well_known {
        assert_eq!((role.name(), role.role_type_id()), (name, role_type_id));
    }
    let mut expected: Vec<(String, String)> = well_known
        .iter()
        .map(|(_, n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);

    // HEAD: same status and Total-Count, no body.
    let r = head(&server.api("/Roles"), &token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.total_count(), 5);
    assert!(r.text.is_empty());

    // roleTypeId filter (any case), Total-Count of the filtered set.
    for filter in [
        TENANT_VIEWER.role_type_id().to_owned(),
        TENANT_VIEWER.role_type_id().to_uppercase(),
    ] {
        let r = call(
            http()
                .get(server.api("/Roles"))
                .query(&[("roleTypeId", filter.as_str())])
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.total_count(), 1);
        assert_eq!(r.body.as_array().unwrap().len(), 1);
        assert_eq!(r.body[0]["Name"], "Tenant Viewer");
    }
    let r = get(
        &server.api("/Roles?roleTypeId=b50b3349-fa9e-4a03-9220-cf99184b4645"),
        &token,
    )
    .await;
    assert_eq!(r.body, json!([]));
    assert_eq!(r.total_count(), 0);

    // Paging keeps the stable order.
    let all = ids(&get(&server.api("/Roles"), &token).await.body);
    let r = get(&server.api("/Roles?skip=1&count=2"), &token).await;
    assert_eq!(r.total_count(), 5);
    assert_eq!(ids(&r.body), all[1..3].to_vec());
}

#[tokio::test]
async fn custom_roles_are_created_read_updated_and_deleted() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;

    let r = post(
        &server.api("/Roles"),
        &admin,
        json!({"Name": "Operators", "Description": "Run the plant"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let role = r.body.clone();
    let id = role["Id"].as_str().unwrap().to_owned();
    assert_eq!(keys(&role), ROLE_KEYS);
    assert_eq!(role["Name"], "Operators");
    assert_eq!(role["Description"], "Run the plant");
    assert_eq!(role["RoleScope"], 1);
    assert_eq!(
        role["RoleTypeId"],
        Value::Null,
        "custom roles have no RoleTypeId"
    );
    assert_eq!(role["TenantId"], server.admin.tenant_id.as_str());
    let location = r.headers["location"].to_str().unwrap();
    assert!(
        location.eq_ignore_ascii_case(&server.api(&format!("/Roles/{id}"))),
        "{location}"
    );
    assert_eq!(role_count(&server, &member).await, 6);

    // GET and HEAD one (any member).
    let r = get(location, &member).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, role);
    let r = head(location, &member).await;
    assert_eq!(r.status, 200);
    assert!(r.text.is_empty());

    // The name is unique in the tenant, case-insensitively, built-in names included.
    for name in ["Operators", "OPERATORS", "Tenant Viewer"] {
        let r = post(&server.api("/Roles"), &admin, json!({"Name": name})).await;
        r.error(409);
    }
    // So is a given Id.
    let r = post(
        &server.api("/Roles"),
        &admin,
        json!({"Id": id, "Name": "Another"}),
    )
    .await;
    r.error(409);
    // Name is required.
    for body in [
        json!({}),
        json!({"Name": ""}),
        json!({"Name": null, "Description": "x"}),
    ] {
        let r = post(&server.api("/Roles"), &admin, &body).await;
        r.error(400);
    }
    assert_eq!(role_count(&server, &admin).await, 6);

    // PUT is partial.
    let r = put(location, &admin, json!({"Name": "Ops"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["Name"], "Ops");
    assert_eq!(r.body["Description"], "Run the plant");
    assert_eq!(r.body["Id"], id.as_str());
    let r = put(location, &admin, json!({"Description": "Changed"})).await;
    assert_eq!(r.body["Name"], "Ops");
    assert_eq!(r.body["Description"], "Changed");
    // Renaming onto another role's name.
    create_role(&server, &admin, "Auditors").await;
    put(location, &admin, json!({"Name": "auditors"}))
        .await
        .error(409);
    let r = get(location, &admin).await;
    assert_eq!(r.body["Name"], "Ops");

    // DELETE, then it is gone.
    let r = delete(location, &admin).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    get(location, &admin).await.error(404);
    let r = head(location, &admin).await;
    assert_eq!(r.status, 404);
    delete(location, &admin).await.error(404);
    put(location, &admin, json!({"Name": "Back"}))
        .await
        .error(404);
    assert_eq!(role_count(&server, &admin).await, 6);
}

#[tokio::test]
async fn builtin_roles_cannot_be_changed_or_deleted() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let before = get(&server.api("/Roles"), &admin).await.body;
    for role in before.as_array().unwrap() {
        let url = server.api(&format!("/Roles/{}", role["Id"].as_str().unwrap()));
        let r = put(
            &url,
            &admin,
            json!({"Name": "Renamed", "Description": "changed"}),
        )
        .await;
        r.error(400);
        let r = delete(&url, &admin).await;
        r.error(400);
    }
    let after = get(&server.api("/Roles"), &admin).await.body;
    assert_eq!(before, after);
    // The administrator still is one.
    assert_eq!(get(&server.api("/Users"), &admin).await.status, 200);
}

#[tokio::test]
async fn role_holders_are_listed_and_a_deleted_role_leaves_them() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member_role = server.role_id(TENANT_MEMBER).await;
    let admin_role = server.role_id(TENANT_ADMINISTRATOR).await;
    let custom = create_role(&server, &admin, "Operators").await;

    let r = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "plant", "RoleIds": [member_role, custom]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client_id = r.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = r.body["Secret"].as_str().unwrap().to_owned();
    let user = create_user(
        &server,
        &admin,
        json!({"Email": "op@example.com", "Password": PASSWORD, "RoleIds": [custom, member_role]}),
    )
    .await;
    let user_id = user["Id"].as_str().unwrap().to_owned();
    assert_eq!(str_set(&user["RoleIds"]), set(&[&custom, &member_role]));

    // Holders of the custom role.
    let r = get(&server.api(&format!("/Roles/{custom}/users")), &admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![user_id.clone()]);
    assert_eq!(r.total_count(), 1);
    assert_eq!(keys(&r.body[0]), USER_KEYS);
    let r = get(
        &server.api(&format!("/Roles/{custom}/ClientCredentialClients")),
        &admin,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![client_id.clone()]);
    assert_eq!(r.total_count(), 1);
    assert_eq!(r.body[0]["Name"], "plant");

    // Holders of Tenant Member: everyone; of Tenant Administrator: the bootstrap pair only.
    let r = get(&server.api(&format!("/Roles/{member_role}/users")), &admin).await;
    assert_eq!(r.total_count(), 2);
    assert!(ids(&r.body).contains(&user_id));
    let r = get(
        &server.api(&format!("/Roles/{member_role}/clientcredentialclients")),
        &admin,
    )
    .await;
    assert_eq!(
        ids(&r.body).into_iter().collect::<BTreeSet<_>>(),
        set(&[&server.admin.admin_client_id, &client_id])
    );
    let r = get(
        &server.api(&format!("/Roles/{admin_role}/clientcredentialclients")),
        &admin,
    )
    .await;
    assert_eq!(ids(&r.body), vec![server.admin.admin_client_id.clone()]);
    let r = head(&server.api(&format!("/Roles/{admin_role}/users")), &admin).await;
    assert_eq!((r.status, r.total_count()), (200, 1));

    // Deleting the custom role removes it from both.
    let r = delete(&server.api(&format!("/Roles/{custom}")), &admin).await;
    assert_eq!(r.status, 204);
    let r = get(
        &server.api(&format!("/ClientCredentialClients/{client_id}")),
        &admin,
    )
    .await;
    assert_eq!(r.body["RoleIds"], json!([member_role]));
    let r = get(&server.api(&format!("/Users/{user_id}")), &admin).await;
    assert_eq!(r.body["RoleIds"], json!([member_role]));
    let r = get(&server.api(&format!("/Users/{user_id}/Roles")), &admin).await;
    assert_eq!(ids(&r.body), vec![member_role.clone()]);
    // The client's next token no longer carries it.
    let token = server.token_for(&client_id, &secret).await;
    assert_eq!(jwt_claims(&token)["role"], json!([member_role]));
    get(&server.api(&format!("/Roles/{custom}/users")), &admin)
        .await
        .error(404);
}

#[tokio::test]
async fn members_cannot_write_roles() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    let custom = create_role(&server, &admin, "Operators").await;
    let url = server.api(&format!("/Roles/{custom}"));

    post(&server.api("/Roles"), &member, json!({"Name": "Mine"}))
        .await
        .error(403);
    put(&url, &member, json!({"Name": "Mine"})).await.error(403);
    delete(&url, &member).await.error(403);

    // Reads are open to members; nothing changed.
    let r = get(&url, &member).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["Name"], "Operators");
    let r = get(&server.api(&format!("/Roles/{custom}/users")), &member).await;
    assert_eq!(r.status, 200);
    assert_eq!(role_count(&server, &member).await, 6);
}

// ---------------------------------------------------------------------------------------------
// Users

#[tokio::test]
async fn a_local_user_is_created_and_its_password_is_never_returned() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member_role = server.role_id(TENANT_MEMBER).await;

    let r = post(
        &server.api("/Users"),
        &admin,
        json!({
            "Email": "Ada@Example.com",
            "Password": PASSWORD,
            "GivenName": "Ada",
            "Surname": "Lovelace",
            "Name": "Ada Lovelace",
            "ContactEmail": "ada@home.example",
            "ExternalUserId": "ext-1",
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.body.clone();
    let id = user["Id"].as_str().unwrap().to_owned();
    assert_eq!(keys(&user), USER_KEYS);
    assert_eq!(user["Email"], "Ada@Example.com");
    assert_eq!(user["GivenName"], "Ada");
    assert_eq!(user["Surname"], "Lovelace");
    assert_eq!(user["Name"], "Ada Lovelace");
    assert_eq!(user["ContactEmail"], "ada@home.example");
    assert_eq!(user["ContactGivenName"], Value::Null);
    assert_eq!(user["ExternalUserId"], "ext-1");
    assert_eq!(user["IdentityProviderId"], LOCAL_IDP);
    assert_eq!(
        user["RoleIds"],
        json!([member_role]),
        "RoleIds default to Tenant Member"
    );
    let location = r.headers["location"].to_str().unwrap().to_owned();
    assert!(location.eq_ignore_ascii_case(&server.api(&format!("/Users/{id}"))));

    // The stored hash is argon2id; it never appears on the wire.
    let hash = password_hash_of(&server, "ada@example.com").await.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let mut texts = vec![r.text.clone()];
    for path in [
        format!("/Users/{id}"),
        "/Users".to_owned(),
        format!("/Users?id={id}"),
        format!("/Users/{id}/Roles"),
        format!("/Roles/{member_role}/users"),
    ] {
        let r = get(&server.api(&path), &admin).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        texts.push(r.text);
    }
    let r = put(
        &location,
        &admin,
        json!({"Password": "another long passphrase"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    texts.push(r.text);
    for text in texts {
        for secret in [
            PASSWORD,
            "another long passphrase",
            "argon2",
            "Password",
            hash.as_str(),
        ] {
            assert!(!text.contains(secret), "'{secret}' leaked in {text}");
        }
    }
    let r = get(&location, &admin).await;
    assert_eq!(r.body, user, "a password change alters nothing visible");
}

#[tokio::test]
async fn user_creation_is_validated_and_rejects_write_nothing() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member_role = server.role_id(TENANT_MEMBER).await;
    let admin_role = server.role_id(TENANT_ADMINISTRATOR).await;
    let viewer_role = server.role_id(TENANT_VIEWER).await;
    create_user(
        &server,
        &admin,
        json!({"Email": "taken@example.com", "Password": PASSWORD}),
    )
    .await;
    let count = user_count(&server, &admin).await;
    assert_eq!(count, 2);

    let cases = [
        (json!({"Password": PASSWORD}), 400, "Email"),
        (json!({"Email": "", "Password": PASSWORD}), 400, "Email"),
        (json!({"Email": "   ", "Password": PASSWORD}), 400, "Email"),
        (
            json!({"Email": "no-at-sign", "Password": PASSWORD}),
            400,
            "Email",
        ),
        (
            json!({"Email": "a b@example.com", "Password": PASSWORD}),
            400,
            "Email",
        ),
        (
            json!({"Email": "short@example.com", "Password": "elevenchars"}),
            400,
            "12",
        ),
        (
            json!({"Email": "TAKEN@Example.COM", "Password": PASSWORD}),
            409,
            "already exists",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "RoleIds": [viewer_role]}),
            400,
            "Tenant Member",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "RoleIds": []}),
            400,
            "Tenant Member",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "RoleIds": [member_role, TENANT_ADMINISTRATOR.role_type_id()]}),
            400,
            TENANT_ADMINISTRATOR.role_type_id(),
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "RoleIds": ["nope"]}),
            400,
            "nope",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "Id": "not-a-guid"}),
            400,
            "not-a-guid",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "IdentityProviderId": "zzz"}),
            400,
            "zzz",
        ),
        (
            json!({"Email": "r@example.com", "Password": PASSWORD, "IdentityProviderId": "e2398938-bf8f-40fa-b380-d538ece2bfc2"}),
            400,
            "Password",
        ),
    ];
    for (body, status, needle) in cases {
        let r = post(&server.api("/Users"), &admin, &body).await;
        let err = r.error(status);
        assert!(
            err["Reason"].as_str().unwrap().contains(needle),
            "{body}: {}",
            r.text
        );
        assert_eq!(
            user_count(&server, &admin).await,
            count,
            "{body} wrote a row"
        );
    }

    // A 12-character password is enough; explicit RoleIds (duplicates dropped) are kept.
    let u = create_user(
        &server,
        &admin,
        json!({"Email": "twelve@example.com", "Password": "123456789012", "RoleIds": [admin_role, member_role, member_role.to_uppercase()]}),
    )
    .await;
    assert_eq!(str_set(&u["RoleIds"]), set(&[&admin_role, &member_role]));
    assert_eq!(u["RoleIds"].as_array().unwrap().len(), 2);
    // An external user needs no password; a given Id is used (lowercased).
    let given = uuid::Uuid::new_v4().to_string();
    let u = create_user(
        &server,
        &admin,
        json!({"Id": given.to_uppercase(), "Email": "ext@example.com", "IdentityProviderId": "E2398938-BF8F-40FA-B380-D538ECE2BFC2"}),
    )
    .await;
    assert_eq!(u["Id"], given.as_str());
    assert_eq!(
        u["IdentityProviderId"],
        "e2398938-bf8f-40fa-b380-d538ece2bfc2"
    );
    assert_eq!(password_hash_of(&server, "ext@example.com").await, None);
    // The same Id again: 409, nothing written.
    let r = post(
        &server.api("/Users"),
        &admin,
        json!({"Id": given, "Email": "again@example.com", "Password": PASSWORD}),
    )
    .await;
    r.error(409);
    assert_eq!(user_count(&server, &admin).await, count + 2);
}

#[tokio::test]
async fn email_is_unique_per_tenant_only() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (other_id, other_token) = server.other_tenant().await;
    // x@y.z is the other tenant's administrator; here it is free.
    create_user(
        &server,
        &admin,
        json!({"Email": "X@Y.Z", "Password": PASSWORD}),
    )
    .await;
    // And the bootstrap administrator's address is free there.
    let r = post(
        &server.url(&format!("/api/v1/Tenants/{other_id}/Users")),
        &other_token,
        json!({"Email": "ADMIN@localhost", "Password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // But not twice in one tenant.
    let r = post(
        &server.url(&format!("/api/v1/Tenants/{other_id}/Users")),
        &other_token,
        json!({"Email": "x@Y.z", "Password": PASSWORD}),
    )
    .await;
    r.error(409);
}

#[tokio::test]
async fn users_list_pages_and_reports_missing_ids_with_207() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    let fixed = "0b7e1c64-2f1d-4a57-9a3e-0f0e6b1d2c01";
    let mut created = Vec::new();
    for (i, id) in [Some(fixed), None, None].into_iter().enumerate() {
        let mut body = json!({"Email": format!("u{i}@example.com"), "Password": PASSWORD});
        if let Some(id) = id {
            body["Id"] = json!(id);
        }
        created.push(
            create_user(&server, &admin, body).await["Id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let r = get(&server.api("/Users"), &member).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.total_count(), 4);
    let all = ids(&r.body);
    assert_eq!(all.len(), 4);
    for id in &created {
        assert!(all.contains(id));
    }
    let r = head(&server.api("/Users"), &member).await;
    assert_eq!((r.status, r.total_count()), (200, 4));
    assert!(r.text.is_empty());

    // Pages are disjoint and in the stable order.
    let p1 = get(&server.api("/Users?count=2"), &member).await;
    let p2 = get(&server.api("/Users?skip=2&count=2"), &member).await;
    let p3 = get(&server.api("/Users?skip=4"), &member).await;
    assert_eq!(
        (p1.total_count(), p2.total_count(), p3.total_count()),
        (4, 4, 4)
    );
    let mut paged = ids(&p1.body);
    paged.extend(ids(&p2.body));
    assert_eq!(paged, all);
    assert_eq!(p3.body, json!([]));

    // Requested ids: skip/count ignored, blank ids ignored, all found → 200.
    let r = get(
        &server.api(&format!(
            "/Users?id={}&id=&id={}&count=1&skip=3",
            created[0].to_uppercase(),
            created[1]
        )),
        &member,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 2);
    assert_eq!(
        ids(&r.body).into_iter().collect::<BTreeSet<_>>(),
        set(&[&created[0], &created[1]])
    );

    // Some missing → 207 Multi-Status with the found ones in Data.
    let missing = "5d1c8a3e-0000-4000-8000-000000000404";
    let r = get(
        &server.api(&format!("/Users?id={fixed}&id={missing}")),
        &member,
    )
    .await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.total_count(), 1);
    let request_id = r.headers["request-id"].to_str().unwrap();
    assert_eq!(r.body["OperationId"], request_id);
    assert_eq!(r.body["ChildErrors"][0]["OperationId"], request_id);
    assert_eq!(r.body["Data"][0]["Id"], fixed);
    let mut body = r.body.clone();
    body["Data"][0]["RoleIds"] = json!(["[tenant-member-role-id]"]);
    insta::assert_json_snapshot!("users_207_multi_status", redact(body));

    let r = head(
        &server.api(&format!("/Users?id={fixed}&id={missing}")),
        &member,
    )
    .await;
    assert_eq!((r.status, r.total_count()), (207, 1));
    assert!(r.text.is_empty());
}

#[tokio::test]
async fn one_user_is_read_updated_partially_and_deleted() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    let viewer_role = server.role_id(TENANT_VIEWER).await;
    let member_role = server.role_id(TENANT_MEMBER).await;
    let user = create_user(
        &server,
        &admin,
        json!({"Email": "grace@example.com", "Password": PASSWORD, "GivenName": "Grace", "Surname": "Hopper"}),
    )
    .await;
    create_user(
        &server,
        &admin,
        json!({"Email": "other@example.com", "Password": PASSWORD}),
    )
    .await;
    let id = user["Id"].as_str().unwrap().to_owned();
    let url = server.api(&format!("/Users/{id}"));

    let r = get(&url, &member).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, user);
    let r = head(&url, &member).await;
    assert_eq!(r.status, 200);
    assert!(r.text.is_empty());
    let unknown = server.api(&format!("/Users/{}", uuid::Uuid::new_v4()));
    get(&unknown, &member).await.error(404);
    assert_eq!(head(&unknown, &member).await.status, 404);

    // Partial update: absent and null properties stay.
    let r = put(
        &url,
        &admin,
        json!({"GivenName": "Amazing Grace", "Surname": null, "Id": id.to_uppercase()}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["GivenName"], "Amazing Grace");
    assert_eq!(r.body["Surname"], "Hopper");
    assert_eq!(r.body["Email"], "grace@example.com");
    assert_eq!(r.body["RoleIds"], json!([member_role]));

    // Password may be set (and must be long enough).
    let before = password_hash_of(&server, "grace@example.com").await;
    put(&url, &admin, json!({"Password": "short"}))
        .await
        .error(400);
    assert_eq!(password_hash_of(&server, "grace@example.com").await, before);
    let r = put(&url, &admin, json!({"Password": "a brand new passphrase"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = password_hash_of(&server, "grace@example.com").await;
    assert!(after.is_some());
    assert_ne!(after, before);

    // Refused updates change nothing.
    let refused = [
        (
            json!({"IdentityProviderId": "e2398938-bf8f-40fa-b380-d538ece2bfc2"}),
            400,
        ),
        (json!({"IdentityProviderId": "not-a-guid"}), 400),
        (
            json!({"Id": uuid::Uuid::new_v4().to_string(), "GivenName": "X"}),
            400,
        ),
        (json!({"Email": "OTHER@example.com", "GivenName": "X"}), 409),
        (json!({"Email": "broken", "GivenName": "X"}), 400),
        (json!({"RoleIds": [viewer_role], "GivenName": "X"}), 400),
        (json!({"GivenName": "X", "Surname": "y".repeat(2001)}), 400),
    ];
    let current = get(&url, &admin).await.body;
    for (body, status) in refused {
        let r = put(&url, &admin, &body).await;
        r.error(status);
        let now = get(&url, &admin).await.body;
        assert_eq!(now, current, "{body} changed the user");
    }
    assert_eq!(password_hash_of(&server, "grace@example.com").await, after);

    // The same identity provider (any case), own e-mail in another case, roles: fine.
    let r = put(
        &url,
        &admin,
        json!({
            "IdentityProviderId": LOCAL_IDP.to_uppercase(),
            "Email": "GRACE@example.com",
            "RoleIds": [member_role, viewer_role],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["Email"], "GRACE@example.com");
    assert_eq!(
        str_set(&r.body["RoleIds"]),
        set(&[&member_role, &viewer_role])
    );
    put(&unknown, &admin, json!({"GivenName": "X"}))
        .await
        .error(404);

    // DELETE 204, then 404.
    let count = user_count(&server, &admin).await;
    let r = delete(&url, &admin).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    get(&url, &admin).await.error(404);
    delete(&url, &admin).await.error(404);
    assert_eq!(user_count(&server, &admin).await, count - 1);
    let r = get(&server.api(&format!("/Roles/{viewer_role}/users")), &admin).await;
    assert_eq!(r.body, json!([]));
    // Its e-mail is free again.
    create_user(
        &server,
        &admin,
        json!({"Email": "grace@example.com", "Password": PASSWORD}),
    )
    .await;
}

#[tokio::test]
async fn user_roles_are_read_and_replaced_keeping_tenant_member() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    let member_role = server.role_id(TENANT_MEMBER).await;
    let admin_role = server.role_id(TENANT_ADMINISTRATOR).await;
    let custom = create_role(&server, &admin, "Operators").await;
    let user = create_user(
        &server,
        &admin,
        json!({"Email": "r@example.com", "Password": PASSWORD}),
    )
    .await;
    let id = user["Id"].as_str().unwrap();
    let url = server.api(&format!("/Users/{id}/Roles"));

    let r = get(&url, &member).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 1);
    assert_eq!(ids(&r.body), vec![member_role.clone()]);
    assert_eq!(keys(&r.body[0]), ROLE_KEYS);
    assert_eq!(r.body[0]["RoleTypeId"], TENANT_MEMBER.role_type_id());
    let r = head(&url, &member).await;
    assert_eq!((r.status, r.total_count()), (200, 1));

    // PUT replaces the list (a Role[] body: only Id is read).
    let r = put(
        &url,
        &admin,
        json!([
            {"Id": admin_role, "Name": "ignored"},
            {"Id": member_role},
            {"Id": custom},
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        ids(&r.body).into_iter().collect::<BTreeSet<_>>(),
        set(&[&admin_role, &member_role, &custom])
    );
    let r = put(
        &url,
        &admin,
        json!([
            {"Id": member_role},
            {"Id": custom},
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let expected = set(&[&member_role, &custom]);
    let r = get(&url, &admin).await;
    assert_eq!(ids(&r.body).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(r.total_count(), 2);
    let u = get(&server.api(&format!("/Users/{id}")), &admin).await;
    assert_eq!(str_set(&u.body["RoleIds"]), expected);

    // Refused: without Tenant Member, empty, without Id, unknown or malformed role ids.
    for body in [
        json!([{"Id": admin_role}]),
        json!([]),
        json!([{"Name": "Tenant Member"}]),
        json!([{"Id": member_role}, {"Id": uuid::Uuid::new_v4().to_string()}]),
        json!([{"Id": member_role}, {"Id": "abc"}]),
        json!([{"Id": member_role}, {"Id": TENANT_ADMINISTRATOR.role_type_id()}]),
    ] {
        put(&url, &admin, &body).await.error(400);
    }
    let r = get(&url, &admin).await;
    assert_eq!(ids(&r.body).into_iter().collect::<BTreeSet<_>>(), expected);

    // Members may not; an unknown user is 404.
    put(&url, &member, json!([{"Id": member_role}]))
        .await
        .error(403);
    let unknown = server.api(&format!("/Users/{}/Roles", uuid::Uuid::new_v4()));
    put(&unknown, &admin, json!([{"Id": member_role}]))
        .await
        .error(404);
    get(&unknown, &admin).await.error(404);
}

#[tokio::test]
async fn a_member_client_cannot_write_users() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let member = server.member_token().await;
    let user = create_user(
        &server,
        &admin,
        json!({"Email": "keep@example.com", "Password": PASSWORD}),
    )
    .await;
    let url = server.api(&format!("/Users/{}", user["Id"].as_str().unwrap()));

    post(
        &server.api("/Users"),
        &member,
        json!({"Email": "new@example.com", "Password": PASSWORD}),
    )
    .await
    .error(403);
    put(
        &url,
        &member,
        json!({"GivenName": "Changed", "Password": "member sets a password"}),
    )
    .await
    .error(403);
    delete(&url, &member).await.error(403);

    let r = get(&url, &member).await;
    assert_eq!(r.body, user);
    assert_eq!(user_count(&server, &member).await, 2);
}

#[tokio::test]
async fn a_signed_in_user_reads_itself_but_cannot_delete_itself() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let users = get(&server.api("/Users"), &admin).await.body;
    let admin_user = users[0]["Id"].as_str().unwrap().to_owned();
    assert_eq!(users[0]["Email"], "admin@localhost");
    let other = create_user(
        &server,
        &admin,
        json!({"Email": "o@example.com", "Password": PASSWORD}),
    )
    .await;
    let as_user = signed_token(
        &server,
        &server.admin.tenant_id,
        &[
            TENANT_ADMINISTRATOR.role_type_id(),
            TENANT_MEMBER.role_type_id(),
        ],
        Some(&admin_user),
    );
    let me = server.api(&format!("/Users/{admin_user}"));
    let r = get(&me, &as_user).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = delete(&me, &as_user).await;
    r.error(400);
    assert_eq!(get(&me, &admin).await.status, 200, "still there");
    // Another user: fine.
    let r = delete(
        &server.api(&format!("/Users/{}", other["Id"].as_str().unwrap())),
        &as_user,
    )
    .await;
    assert_eq!(r.status, 204);
}

// ---------------------------------------------------------------------------------------------
// Command line

/// A scratch directory with its own database and key directory for the binary.
struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}", self.path().join("db.sqlite").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
        cmd.current_dir(self.path())
            .env_remove("PORTCULLIS_CONFIG")
            .env_remove("PORTCULLIS_BIND")
            .env_remove("PORTCULLIS_PUBLIC_URL")
            .env_remove("PORTCULLIS_ACCESS_TOKEN_ALG")
            .env("RUST_LOG", "warn")
            .arg("--database-url")
            .arg(self.database_url())
            .arg("--keys-dir")
            .arg(self.path().join("keys"))
            .args(args);
        cmd
    }

    /// Runs a command to completion (stdin empty unless given).
    async fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.command(args);
        let stdin = stdin.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().expect("run portcullis");
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
            drop(input);
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 0 and exactly one JSON value on stdout; returns it.
fn json_out(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    let text = stdout(o);
    let mut values = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
    let first = values
        .next()
        .unwrap_or_else(|| panic!("no JSON on stdout: {text:?}"))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text:?}"));
    assert!(
        values.next().is_none(),
        "more than one JSON value: {text:?}"
    );
    first
}

/// Asserts exit 1 with a message on stderr and nothing on stdout; returns stderr.
fn user_error(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "stdout: {} stderr: {}",
        stdout(o),
        stderr(o)
    );
    assert_eq!(stdout(o), "", "nothing on stdout");
    let e = stderr(o);
    assert!(e.contains("portcullis:"), "{e}");
    e
}

#[tokio::test]
async fn cli_bootstrap_prints_one_json_object_and_refuses_an_existing_tenant() {
    let cli = Cli::new();
    let out = cli
        .run(
            &[
                "bootstrap",
                "--tenant-name",
                "Plant",
                "--admin-email",
                "boss@plant.example",
            ],
            None,
        )
        .await;
    let v = json_out(&out);
    assert_eq!(
        keys(&v),
        [
            "TenantId",
            "AdminClientId",
            "AdminClientSecret",
            "AdminEmail",
            "AdminPassword",
            "Issuer"
        ]
    );
    assert!(uuid::Uuid::parse_str(v["TenantId"].as_str().unwrap()).is_ok());
    assert!(uuid::Uuid::parse_str(v["AdminClientId"].as_str().unwrap()).is_ok());
    assert!(v["AdminClientSecret"].as_str().unwrap().len() >= 43);
    assert_eq!(v["AdminEmail"], "boss@plant.example");
    assert!(v["AdminPassword"].as_str().unwrap().chars().count() >= 12);
    assert_eq!(v["Issuer"], "http://127.0.0.1:8080/identity");
    // The secret never reaches the log.
    assert!(!stderr(&out).contains(v["AdminClientSecret"].as_str().unwrap()));

    let again = cli
        .run(&["bootstrap", "--tenant-name", "Plant"], None)
        .await;
    let e = user_error(&again);
    assert!(e.contains("Plant"), "{e}");
    // A different tenant name works on the same database.
    let third = json_out(
        &cli.run(&["bootstrap", "--tenant-name", "Second"], None)
            .await,
    );
    assert_ne!(third["TenantId"], v["TenantId"]);
    assert_eq!(third["AdminEmail"], "admin@localhost");
}

#[tokio::test]
async fn cli_creates_tenants_and_users() {
    let cli = Cli::new();
    let tenant = json_out(
        &cli.run(&["tenant", "create", "--name", "Works"], None)
            .await,
    );
    assert_eq!(
        keys(&tenant),
        [
            "Id",
            "CompanyName",
            "State",
            "Created",
            "LastUpdated",
            "Alias"
        ]
    );
    assert_eq!(tenant["CompanyName"], "Works");
    assert_eq!(tenant["State"], 1);
    let tid = tenant["Id"].as_str().unwrap().to_owned();
    user_error(
        &cli.run(&["tenant", "create", "--name", "Works"], None)
            .await,
    );
    let fixed = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    let t2 = json_out(
        &cli.run(
            &[
                "tenant",
                "create",
                "--name",
                "Fixed",
                "--id",
                &fixed.to_uppercase(),
            ],
            None,
        )
        .await,
    );
    assert_eq!(t2["Id"], fixed);
    user_error(
        &cli.run(&["tenant", "create", "--name", "Bad", "--id", "nope"], None)
            .await,
    );

    // The tenant's built-in roles, read from the database the binary wrote.
    let store = portcullis::store::Store::open(&cli.database_url(), 1).unwrap();
    let tenant_id = portcullis::domain::TenantId::parse(&tid).unwrap();
    let roles = store
        .read(|conn| portcullis::store::roles::list(conn, &tenant_id))
        .unwrap();
    assert_eq!(roles.len(), 5);
    let role_of = |t: &str| {
        roles
            .iter()
            .find(|r| r.role_type_id.as_deref() == Some(t))
            .unwrap()
            .id
            .as_str()
            .to_owned()
    };
    let (admin_role, member_role) = (
        role_of(TENANT_ADMINISTRATOR.role_type_id()),
        role_of(TENANT_MEMBER.role_type_id()),
    );

    let out = cli
        .run(
            &[
                "user",
                "add",
                "--tenant",
                &tid,
                "--email",
                "Boss@Works.example",
                "--name",
                "The Boss",
                "--admin",
                "--password-stdin",
            ],
            Some("a long enough password\n"),
        )
        .await;
    let user = json_out(&out);
    assert_eq!(keys(&user), USER_KEYS);
    assert_eq!(user["Email"], "Boss@Works.example");
    assert_eq!(user["Name"], "The Boss");
    assert_eq!(user["IdentityProviderId"], LOCAL_IDP);
    assert_eq!(str_set(&user["RoleIds"]), set(&[&admin_role, &member_role]));
    let text = stdout(&out);
    assert!(!text.contains("a long enough password") && !text.contains("argon2"));
    // The trailing newline is not part of the password.
    let hash = store
        .read(|conn| {
            portcullis::store::users::find_by_email(conn, &tenant_id, "boss@works.example")
        })
        .unwrap()
        .unwrap()
        .1
        .unwrap();
    assert!(portcullis::crypto::secrets::verify_password(
        "a long enough password",
        &hash
    ));

    let plain = json_out(
        &cli.run(
            &[
                "user",
                "add",
                "--tenant",
                &tid,
                "--email",
                "worker@works.example",
                "--password-stdin",
            ],
            Some("another long password"),
        )
        .await,
    );
    assert_eq!(plain["RoleIds"], json!([member_role]));

    // User errors: short password, taken e-mail, unknown or malformed tenant.
    let e = user_error(
        &cli.run(
            &[
                "user",
                "add",
                "--tenant",
                &tid,
                "--email",
                "s@works.example",
                "--password-stdin",
            ],
            Some("short\n"),
        )
        .await,
    );
    assert!(e.contains("12"), "{e}");
    user_error(
        &cli.run(
            &[
                "user",
                "add",
                "--tenant",
                &tid,
                "--email",
                "BOSS@works.example",
                "--password-stdin",
            ],
            Some("a long enough password"),
        )
        .await,
    );
    let ghost = uuid::Uuid::new_v4().to_string();
    user_error(
        &cli.run(
            &[
                "user",
                "add",
                "--tenant",
                &ghost,
                "--email",
                "g@works.example",
                "--password-stdin",
            ],
            Some("a long enough password"),
        )
        .await,
    );
    user_error(
        &cli.run(
            &[
                "user",
                "add",
                "--tenant",
                "nope",
                "--email",
                "g@works.example",
                "--password-stdin",
            ],
            Some("a long enough password"),
        )
        .await,
    );
    let users = store
        .read(|conn| portcullis::store::users::count(conn, &tenant_id))
        .unwrap();
    assert_eq!(users, 2);
}

#[tokio::test]
async fn cli_keys_rotate_and_retire() {
    let cli = Cli::new();
    let migrate = cli.run(&["migrate"], None).await;
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    assert_eq!(stdout(&migrate), "");
    let again = cli.run(&["migrate"], None).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));

    // Anything that opens the application creates the first key.
    json_out(&cli.run(&["tenant", "create", "--name", "K"], None).await);
    let keys_list = json_out(&cli.run(&["keys", "list"], None).await);
    let list = keys_list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{keys_list}");
    assert_eq!(list[0]["alg"], "RS256");
    assert_eq!(list[0]["state"], "active");
    let first = list[0]["kid"].as_str().unwrap().to_owned();
    let pem = cli.path().join("keys").join(format!("{first}.pem"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pem).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", pem.display());
    }

    // The only active key cannot be retired; an unknown kid is a user error.
    user_error(&cli.run(&["keys", "retire", &first], None).await);
    user_error(&cli.run(&["keys", "retire", "unknown"], None).await);
    // A kid is base64url and may start with '-': still a kid, never read as a flag.
    user_error(&cli.run(&["keys", "retire", "-Zunknown"], None).await);

    let rotated = json_out(&cli.run(&["keys", "rotate"], None).await);
    assert_eq!(rotated.as_array().unwrap().len(), 1, "{rotated}");
    assert_eq!(rotated[0]["state"], "next");
    let next = rotated[0]["kid"].as_str().unwrap().to_owned();
    assert_ne!(next, first);
    let listed = json_out(&cli.run(&["keys", "list"], None).await);
    let state = |v: &Value, kid: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap_or_else(|| panic!("{kid} not in {v}"))["state"]
            .clone()
    };
    assert_eq!(state(&listed, &first), "active");
    assert_eq!(state(&listed, &next), "next");

    // Retiring the active key promotes the next one at once.
    let out = cli.run(&["keys", "retire", &first], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = json_out(&cli.run(&["keys", "list"], None).await);
    assert_eq!(state(&listed, &first), "retired");
    assert_eq!(state(&listed, &next), "active");
    // Retiring an already retired key is harmless.
    let out = cli.run(&["keys", "retire", &first], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    user_error(&cli.run(&["keys", "retire", &next], None).await);
    user_error(&cli.run(&["keys", "rotate", "--alg", "HS256"], None).await);
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts `serve` on a free port, waits for `/healthz` (at most 15 s), runs `check` against the
/// base URL, stops the server and returns its stdout.
async fn serve_once(cli: &Cli, check: impl AsyncFnOnce(&str)) -> String {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(cli.path().join(format!("serve-{port}.log"))).unwrap();
    let mut child = cli
        .command(&["serve", "--bind", &bind])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start serve");
    let base = format!("http://{bind}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut healthy = false;
    while std::time::Instant::now() < deadline {
        if let Ok(r) = http().get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                healthy = true;
                break;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve exited early with {status}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if healthy {
        check(&base).await;
    }
    child.kill().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(healthy, "serve did not answer /healthz within 15 s");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn serve_prints_first_start_credentials_once_and_keeps_them_private() {
    let cli = Cli::new();
    let creds_path: PathBuf = cli.path().join("data").join("initial-credentials.json");
    let creds_for_check = creds_path.clone();
    let first = serve_once(&cli, async |base: &str| {
        // The credentials on disk work against the running server.
        let creds: Value =
            serde_json::from_str(&std::fs::read_to_string(&creds_for_check).unwrap()).unwrap();
        assert_eq!(creds["Issuer"], format!("{base}/identity"));
        let res = http()
            .post(format!("{base}/identity/connect/token"))
            .basic_auth(
                creds["AdminClientId"].as_str().unwrap(),
                creds["AdminClientSecret"].as_str(),
            )
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    })
    .await;

    let text = std::fs::read_to_string(&creds_path).unwrap();
    let creds: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        keys(&creds),
        [
            "TenantId",
            "AdminClientId",
            "AdminClientSecret",
            "AdminEmail",
            "AdminPassword",
            "Issuer"
        ]
    );
    assert_eq!(creds["AdminEmail"], "admin@localhost");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&creds_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Printed once, with a line telling how to get a token.
    for field in [
        "TenantId",
        "AdminClientId",
        "AdminClientSecret",
        "AdminPassword",
    ] {
        let value = creds[field].as_str().unwrap();
        assert!(first.contains(value), "{field} not printed: {first}");
    }
    assert!(first.contains("grant_type=client_credentials"), "{first}");
    let log = std::fs::read_to_string(
        std::fs::read_dir(cli.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "log"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        !log.contains(creds["AdminClientSecret"].as_str().unwrap()),
        "secret in the log"
    );

    // A later start prints nothing of the kind and leaves the file alone.
    let second = serve_once(&cli, async |_base: &str| {}).await;
    assert!(
        !second.contains("AdminClientSecret") && !second.contains("curl"),
        "{second}"
    );
    assert_eq!(std::fs::read_to_string(&creds_path).unwrap(), text);
    let store = portcullis::store::Store::open(&cli.database_url(), 1).unwrap();
    let tenants = store.read(portcullis::store::tenants::count).unwrap();
    assert_eq!(tenants, 1);
}
