//! Lists that must not grow with the registry (SPEC §10, issue 10): deep pages read through the
//! `(tenant_id, kind, created, id)` index, `tag` filters answered in SQL from the derived
//! `client_tags` rows (kept in step on create, update and delete), and the role-holder lists paged
//! like every other list. Correctness only; speed is the benchmark's business (`bench/run.sh`).

use serde_json::{json, Value};

use crate::harness::{call, http, TestServer, TENANT_MEMBER};
use portcullis::domain::{Client, ClientId, ClientKind, RoleId, TenantId};

/// Inserts `n` client-credentials clients holding `role` through the store, in one transaction,
/// as the benchmark's filler does; returns their ids and indexes in list order (creation time,
/// then id).
fn fill_indexed(
    server: &TestServer,
    role: &str,
    n: i64,
    tags: impl Fn(i64) -> Vec<String>,
) -> Vec<(String, i64)> {
    let tenant = TenantId::parse(&server.admin.tenant_id).unwrap();
    let role = RoleId::parse(role).unwrap();
    let base = server.ctx.clock.now() - 10 * n;
    let mut ids = Vec::new();
    server
        .ctx
        .store
        .write(|conn| -> Result<(), portcullis::store::StoreError> {
            for i in 0..n {
                let c = Client {
                    id: ClientId::generate(),
                    tenant_id: tenant.clone(),
                    kind: ClientKind::ClientCredentials,
                    name: format!("fill {i}"),
                    enabled: true,
                    access_token_lifetime: 3600,
                    tags: tags(i),
                    role_ids: vec![role.clone()],
                    redirect_uris: vec![],
                    post_logout_redirect_uris: vec![],
                    allowed_cors_origins: vec![],
                    client_uri: None,
                    logo_uri: None,
                    allow_offline_access: false,
                    allow_access_tokens_via_browser: false,
                    // Pairs share a creation time, so the id tie-break is exercised too.
                    created: base + 10 * (i / 2),
                };
                portcullis::store::clients::insert(conn, &c)?;
                ids.push((c.created, c.id.as_str().to_owned(), i));
            }
            Ok(())
        })
        .unwrap();
    ids.sort();
    ids.into_iter().map(|(_, id, i)| (id, i)).collect()
}

/// [`fill_indexed`], ids only.
fn fill(server: &TestServer, role: &str, n: i64, tags: impl Fn(i64) -> Vec<String>) -> Vec<String> {
    fill_indexed(server, role, n, tags)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn ids_of(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|c| c["Id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn deep_pages_of_a_large_registry_are_complete_and_in_order() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let filled = fill(&server, &member, 1_500, |_| vec![]);

    let all = call(
        http()
            .get(server.api("/ClientCredentialClients"))
            .query(&[("skip", "0"), ("count", "1000")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let total = all.total_count();
    assert!(total >= 1_500, "Total-Count {total}");
    let mut seen = ids_of(&all.body);
    let rest = call(
        http()
            .get(server.api("/ClientCredentialClients"))
            .query(&[("skip", "1000"), ("count", "1000")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(rest.total_count(), total);
    seen.extend(ids_of(&rest.body));
    assert_eq!(seen.len() as i64, total);
    // The filler is older than the bootstrap clients: it comes first, in (created, id) order.
    assert_eq!(seen[..1_500], filled[..]);

    // A page in the middle is the same slice.
    let mid = call(
        http()
            .get(server.api("/ClientCredentialClients"))
            .query(&[("skip", "1199"), ("count", "3")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(ids_of(&mid.body), filled[1_199..1_202]);
    // Past the end: empty, with the total.
    let past = call(
        http()
            .get(server.api("/ClientCredentialClients"))
            .query(&[("skip", "100000")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(past.status, 200);
    assert_eq!(ids_of(&past.body), Vec::<String>::new());
    assert_eq!(past.total_count(), total);
}

#[tokio::test]
async fn tag_filters_run_on_the_derived_rows_and_follow_every_change() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let filled = fill_indexed(&server, &member, 300, |i| vec![format!("Group-{}", i % 3)]);
    let tagged = |tag: &'static str, skip: &'static str, count: &'static str| {
        call(
            http()
                .get(server.api("/ClientCredentialClients"))
                .query(&[("tag", tag), ("skip", skip), ("count", count)])
                .bearer_auth(&token),
        )
    };

    // Case-insensitive, paged, Total-Count of all matches.
    let r = tagged("GROUP-1", "10", "5").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 100);
    let expected: Vec<String> = filled
        .iter()
        .filter(|(_, i)| i % 3 == 1)
        .skip(10)
        .take(5)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(ids_of(&r.body), expected);

    // Created through the API with mixed case and a duplicate: found by every spelling.
    let created = call(
        http()
            .post(server.api("/ClientCredentialClients"))
            .bearer_auth(&token)
            .json(&json!({"Name": "tagged", "Tags": ["Blue", "BLUE", "group-1"], "RoleIds": [member]})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["Client"]["Id"].as_str().unwrap().to_owned();
    assert_eq!(tagged("blue", "0", "100").await.total_count(), 1);
    assert_eq!(tagged("group-1", "0", "1000").await.total_count(), 101);
    // Every tag must match.
    let both = call(
        http()
            .get(server.api("/ClientCredentialClients"))
            .query(&[("tag", "blue"), ("tag", "Group-1")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(ids_of(&both.body), vec![id.clone()]);
    // The stored tags keep their spelling.
    assert_eq!(both.body[0]["Tags"], json!(["Blue", "BLUE", "group-1"]));

    // An update replaces the derived rows.
    let put = call(
        http()
            .put(server.api(&format!("/ClientCredentialClients/{id}")))
            .bearer_auth(&token)
            .json(&json!({"Tags": ["Red"]})),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(tagged("blue", "0", "100").await.total_count(), 0);
    assert_eq!(tagged("red", "0", "100").await.total_count(), 1);
    // A delete removes them.
    let del = call(
        http()
            .delete(server.api(&format!("/ClientCredentialClients/{id}")))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text);
    assert_eq!(tagged("red", "0", "100").await.total_count(), 0);
}

#[tokio::test]
async fn role_holders_are_paged_like_every_list() {
    let server = TestServer::spawn().await;
    let token = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let filled = fill(&server, &member, 250, |_| vec![]);

    let path = format!("/Roles/{member}/clientcredentialclients");
    let first = call(http().get(server.api(&path)).bearer_auth(&token)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let total = first.total_count();
    assert!(total >= 250, "Total-Count {total}");
    assert_eq!(ids_of(&first.body), filled[..100], "default count is 100");
    let page = call(
        http()
            .get(server.api(&path))
            .query(&[("skip", "240"), ("count", "5")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(ids_of(&page.body), filled[240..245]);
    assert_eq!(page.total_count(), total);
    let bad = call(
        http()
            .get(server.api(&path))
            .query(&[("count", "0")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);

    let mut users = Vec::new();
    for i in 0..3 {
        let r = call(
            http()
                .post(server.api("/Users"))
                .bearer_auth(&token)
                .json(&json!({
                    "Email": format!("holder{i}@example.com"),
                    "Password": "a long enough password",
                    "RoleIds": [member],
                })),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        users.push(r.body["Id"].as_str().unwrap().to_owned());
    }
    let path = format!("/Roles/{member}/users");
    let all = call(http().get(server.api(&path)).bearer_auth(&token)).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let total = all.total_count();
    let listed = ids_of(&all.body);
    assert_eq!(listed.len() as i64, total);
    assert!(users.iter().all(|u| listed.contains(u)), "{listed:?}");
    let tail = call(
        http()
            .get(server.api(&path))
            .query(&[("skip", (total - 2).to_string()), ("count", "1".to_owned())])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(ids_of(&tail.body), listed[(total - 2) as usize..][..1]);
    assert_eq!(tail.total_count(), total);
}
