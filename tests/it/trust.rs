//! Trust (SPEC §3.1, §8): the management API decides from what the caller is *now*, never from
//! what its token says — a disabled, deleted or demoted caller loses its authority at once.

use crate::harness::{
    delete, get, post, put, signed_token, TestServer, TENANT_ADMINISTRATOR, TENANT_MEMBER,
};
use serde_json::{json, Value};

/// The Tenant Administrator and Tenant Member role ids of the server's tenant.
async fn admin_and_member_roles(server: &TestServer) -> (String, String) {
    (
        server.role_id(TENANT_ADMINISTRATOR).await,
        server.role_id(TENANT_MEMBER).await,
    )
}

/// What an administrator could do with a leftover token: create a client that holds Tenant
/// Administrator with a never-expiring secret.
async fn escalate(server: &TestServer, token: &str) -> u16 {
    let (admin_role, member_role) = admin_and_member_roles(server).await;
    let r = post(
        &server.api("/ClientCredentialClients"),
        token,
        json!({"Name": "backdoor", "RoleIds": [admin_role, member_role]}),
    )
    .await;
    assert!(r.status != 400, "{}", r.text);
    r.status
}

#[tokio::test]
async fn a_disabled_demoted_or_deleted_client_loses_its_authority_at_once() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (admin_role, member_role) = admin_and_member_roles(&server).await;
    let created = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "ops", "RoleIds": [admin_role, member_role]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = created.body["Secret"].as_str().unwrap().to_owned();
    let token = server.token_for(&id, &secret).await;
    let me = server.api(&format!("/ClientCredentialClients/{id}"));
    assert_eq!(escalate(&server, &token).await, 201);

    // Disabled: the token it still holds opens nothing.
    let r = put(&me, &admin, json!({"Enabled": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(escalate(&server, &token).await, 401);
    get(&server.api(""), &token).await.error(401);

    // Enabled again but without Tenant Administrator: a member, no more.
    assert_eq!(put(&me, &admin, json!({"Enabled": true})).await.status, 200);
    let roles = put(
        &server.api(&format!("/ClientCredentialClients/{id}/Roles")),
        &admin,
        json!([{"Id": member_role}]),
    )
    .await;
    assert_eq!(roles.status, 200, "{}", roles.text);
    assert_eq!(escalate(&server, &token).await, 403);
    assert_eq!(get(&server.api(""), &token).await.status, 200);

    // Deleted: 401.
    assert_eq!(delete(&me, &admin).await.status, 204);
    assert_eq!(get(&server.api(""), &token).await.status, 401);
    assert_eq!(escalate(&server, &token).await, 401);
}

#[tokio::test]
async fn a_demoted_or_deleted_user_loses_their_authority_at_once() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (admin_role, member_role) = admin_and_member_roles(&server).await;
    let created = post(
        &server.api("/Users"),
        &admin,
        json!({"Email": "ops@example.com", "Password": "a long enough password",
               "RoleIds": [admin_role, member_role]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let user = created.body["Id"].as_str().unwrap().to_owned();
    // A user's token as the sign-in pages issue it: the role claims say Tenant Administrator.
    let token = signed_token(
        &server,
        &server.admin.tenant_id,
        &[
            TENANT_ADMINISTRATOR.role_type_id(),
            TENANT_MEMBER.role_type_id(),
        ],
        Some(&user),
    );
    assert_eq!(escalate(&server, &token).await, 201);

    let roles = put(
        &server.api(&format!("/Users/{user}/Roles")),
        &admin,
        json!([{"Id": member_role}]),
    )
    .await;
    assert_eq!(roles.status, 200, "{}", roles.text);
    assert_eq!(escalate(&server, &token).await, 403);
    assert_eq!(get(&server.api(""), &token).await.status, 200);

    let gone = delete(&server.api(&format!("/Users/{user}")), &admin).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(get(&server.api(""), &token).await.status, 401);
}

#[tokio::test]
async fn role_claims_in_a_token_grant_nothing_the_caller_does_not_hold() {
    let server = TestServer::spawn().await;
    // A member client whose token claims Tenant Administrator (as if issued before a demotion).
    let (member, _) = server.member_client().await;
    let token = {
        use portcullis::domain::{ClientId, Scope, TenantId};
        use portcullis::service::token::{issue, AccessGrant};
        let ctx = &server.ctx;
        let (tenant, client) = (
            TenantId::parse(&server.admin.tenant_id).unwrap(),
            ClientId::parse(&member).unwrap(),
        );
        let scope = Scope::of([ctx.config.api_scope.as_str()]);
        let grant = AccessGrant {
            tenant_id: &tenant,
            client_id: &client,
            lifetime: 600,
            scope: &scope,
            role_ids: &[],
            role_type_ids: vec![TENANT_ADMINISTRATOR.role_type_id().to_owned()].into(),
            sign_in: None,
            amr: None,
        };
        issue::access_token(ctx, &grant).unwrap().token
    };
    assert_eq!(escalate(&server, &token).await, 403);
    let listed: Value = get(&server.api("/ClientCredentialClients"), &token)
        .await
        .body;
    assert!(listed.is_array(), "a member may still read: {listed}");
}

const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn new_ids_reveal_no_other_tenant_and_the_nil_guid_is_never_an_id() {
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let (_, member_role) = admin_and_member_roles(&server).await;
    let (other_tenant, other_admin) = server.other_tenant().await;
    let other_url = |path: &str| server.url(&format!("/api/v1/Tenants/{other_tenant}{path}"));
    let theirs = post(&other_url("/Roles"), &other_admin, json!({"Name": "x"})).await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    let their_member = get(&other_url("/Roles"), &other_admin)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RoleTypeId"] == TENANT_MEMBER.role_type_id())
        .unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let their_client = post(
        &other_url("/ClientCredentialClients"),
        &other_admin,
        json!({"Name": "theirs", "RoleIds": [their_member]}),
    )
    .await;
    let their_client = their_client.body["Client"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let their_user = post(
        &other_url("/Users"),
        &other_admin,
        json!({"Email": "u@other.example", "RoleIds": [their_member]}),
    )
    .await;
    assert_eq!(their_user.status, 201, "{}", their_user.text);
    let their_user = their_user.body["Id"].as_str().unwrap().to_owned();

    let create = |path: &'static str, body: Value| {
        let (url, admin) = (server.api(path), admin.clone());
        async move { post(&url, &admin, body).await }
    };
    // Taken in another tenant, or the nil GUID: refused like any unusable Id, naming no tenant.
    for id in [their_client.as_str(), NIL_GUID] {
        let r = create(
            "/ClientCredentialClients",
            json!({"Id": id, "Name": "mine", "RoleIds": [member_role]}),
        )
        .await;
        let e = r.error(400);
        assert!(
            !r.text.contains("Other") && !r.text.contains(&other_tenant),
            "{e}"
        );
        assert_eq!(
            e["Reason"],
            format!("The Id '{id}' cannot be used for a new client.")
        );
    }
    for id in [their_user.as_str(), NIL_GUID] {
        let r = create("/Users", json!({"Id": id, "Email": "me@example.com"})).await;
        let e = r.error(400);
        assert_eq!(
            e["Reason"],
            format!("The Id '{id}' cannot be used for a new user.")
        );
    }
    // Taken in the caller's own tenant, where the caller can see it: 409.
    let own = &server.admin.admin_client_id;
    let r = create(
        "/ClientCredentialClients",
        json!({"Id": own, "Name": "again", "RoleIds": [member_role]}),
    )
    .await;
    r.error(409);

    // Renaming the tenant to a name another tenant holds: refused without saying who holds it.
    let r = put(&server.api(""), &admin, json!({"CompanyName": "Other"})).await;
    let e = r.error(409);
    assert!(
        !e["Reason"].as_str().unwrap().contains("another tenant"),
        "{e}"
    );
}

#[tokio::test]
async fn skip_is_an_int32() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let list = |skip: &str| server.api(&format!("/ClientCredentialClients?skip={skip}"));
    assert_eq!(get(&list("2147483647"), &token).await.status, 200);
    let r = get(&list("2147483648"), &token).await;
    let e = r.error(400);
    assert!(e["Reason"].as_str().unwrap().contains("int32"), "{e}");
}

#[tokio::test]
async fn the_management_api_refuses_two_authorization_headers() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let bearer = format!("Bearer {token}");
    let r = crate::harness::call(
        crate::harness::http()
            .get(server.api("/ClientCredentialClients"))
            .header("authorization", &bearer)
            .header("authorization", &bearer),
    )
    .await;
    let e = r.error(400);
    assert!(
        e["Reason"]
            .as_str()
            .unwrap()
            .contains("one Authorization header"),
        "{e}"
    );
}
