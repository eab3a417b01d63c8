//! The client management API (SPEC §3.1–§3.5): client-credentials, authorization-code and hybrid
//! clients, their roles and secrets, the role matrix (TA, TM, Self, another tenant, no token), list
//! conventions (paging, id and tag filters, 207, HEAD twins) and the wire shape of errors.

use crate::harness::{
    call, delete, get, head, http, ids, jwt_claims, keys, post, put, redact, Reply, TestServer,
    TENANT_ADMINISTRATOR, TENANT_CONTRIBUTOR, TENANT_MEMBER,
};
use base64::Engine;
use portcullis::domain::time::format_time;
use reqwest::Method;
use serde_json::{json, Value};

/// Replaces volatile values (ids generated per tenant) so a body can be snapshotted.
fn scrub(v: Value, pairs: &[(&str, &str)]) -> Value {
    let mut text = v.to_string();
    for (from, to) in pairs {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

#[track_caller]
fn assert_secret_value(secret: &str) {
    assert!(secret.len() >= 43, "secret too short: {secret}");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "secret has non URL-safe characters: {secret}"
    );
}

/// A server, its administrator's token and the tenant's Tenant Member role Id.
struct Fx {
    server: TestServer,
    admin: String,
    member_role: String,
}

impl Fx {
    async fn new() -> Fx {
        let server = TestServer::spawn().await;
        let admin = server.admin_token().await;
        let member_role = server.role_id(TENANT_MEMBER).await;
        Fx {
            server,
            admin,
            member_role,
        }
    }

    fn api(&self, path: &str) -> String {
        self.server.api(path)
    }

    fn cc(&self, rest: &str) -> String {
        self.api(&format!("/ClientCredentialClients{rest}"))
    }

    /// An ISO timestamp `offset` seconds from the server's now.
    fn at(&self, offset: i64) -> String {
        format_time(self.server.clock().now() + offset)
    }

    /// Creates a client-credentials client (201 expected); returns the create response.
    async fn create_cc(&self, body: Value) -> Value {
        let r = post(&self.cc(""), &self.admin, body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body
    }

    /// Creates a Tenant-Member-only client-credentials client; returns (id, secret).
    async fn member(&self, name: &str) -> (String, String) {
        let c = self
            .create_cc(json!({"Name": name, "RoleIds": [self.member_role]}))
            .await;
        (
            c["Client"]["Id"].as_str().unwrap().to_owned(),
            c["Secret"].as_str().unwrap().to_owned(),
        )
    }

    /// A Tenant-Member-only client's token and id.
    async fn member_token(&self, name: &str) -> (String, String) {
        let (id, secret) = self.member(name).await;
        let token = self.server.token_for(&id, &secret).await;
        (id, token)
    }

    async fn cc_total(&self) -> i64 {
        let r = get(&self.cc(""), &self.admin).await;
        assert_eq!(r.status, 200);
        r.total_count()
    }
}

// ---------------------------------------------------------------------------------------------
// Client-credentials clients: create

#[tokio::test]
async fn create_returns_201_location_and_the_documented_shape_with_a_usable_secret() {
    let fx = Fx::new().await;
    let r = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Name": "ingest", "RoleIds": [fx.member_role]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "it carries a secret"
    );
    let body = r.body.clone();
    assert_eq!(
        keys(&body),
        ["Secret", "Id", "Description", "ExpirationDate", "Client"]
    );
    let client = &body["Client"];
    assert_eq!(
        keys(client),
        [
            "Id",
            "Name",
            "Enabled",
            "AccessTokenLifetime",
            "Tags",
            "RoleIds"
        ]
    );
    assert_eq!(body["Id"], 1, "Id is the secret's integer id");
    assert_eq!(body["Description"], Value::Null);
    assert_eq!(body["ExpirationDate"], Value::Null);
    let id = client["Id"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(id).unwrap().hyphenated().to_string(),
        id
    );
    assert_eq!(client["Name"], "ingest");
    assert_eq!(client["Enabled"], true);
    assert_eq!(client["AccessTokenLifetime"], 3600);
    assert_eq!(client["Tags"], json!([]));
    assert_eq!(client["RoleIds"], json!([fx.member_role]));
    let secret = body["Secret"].as_str().unwrap();
    assert_secret_value(secret);
    assert_ne!(secret, fx.server.admin.admin_client_secret);
    assert_eq!(
        r.header("Location").unwrap(),
        fx.cc(&format!("/{id}")),
        "Location names the new client"
    );

    // The Location answers with the client; the secret works at once and never expires.
    let got = get(r.header("Location").unwrap(), &fx.admin).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, *client);
    let token = fx.server.token_for(id, secret).await;
    let c = jwt_claims(&token);
    assert_eq!(c["client_id"], id);
    assert_eq!(c["tid"], fx.server.admin.tenant_id.as_str());
    assert_eq!(c["role_type"], json!([TENANT_MEMBER.role_type_id()]));
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    let secrets = get(&fx.cc(&format!("/{id}/Secrets")), &fx.admin).await;
    assert_eq!(
        secrets.body,
        json!([{"Expiration": null, "Expires": false, "Description": null, "Id": 1}])
    );
    fx.server.clock().advance(10 * 365 * 86_400);
    assert_eq!(fx.server.client_credentials(id, secret).await.status, 200);
}

#[tokio::test]
async fn create_takes_description_expiration_tags_lifetime_and_enabled() {
    let fx = Fx::new().await;
    let expires_at = fx.server.clock().now() + 86_400;
    let offset = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
    let with_offset = chrono::DateTime::from_timestamp(expires_at, 0)
        .unwrap()
        .with_timezone(&offset)
        .to_rfc3339();
    let contributor = fx.server.role_id(TENANT_CONTRIBUTOR).await;
    let body = fx
        .create_cc(json!({
            "Id": null,
            "Name": "reporting",
            "Enabled": true,
            "AccessTokenLifetime": 60,
            "Tags": ["Prod", "eu"],
            "RoleIds": [contributor, fx.member_role.to_uppercase()],
            "SecretDescription": "first",
            "SecretExpirationDate": with_offset,
            "SomethingUnknown": {"ignored": true},
        }))
        .await;
    assert_eq!(body["Description"], "first");
    assert_eq!(body["ExpirationDate"], format_time(expires_at));
    let client = &body["Client"];
    assert_eq!(client["Name"], "reporting");
    assert_eq!(client["AccessTokenLifetime"], 60);
    assert_eq!(client["Tags"], json!(["Prod", "eu"]));
    let mut roles: Vec<String> = serde_json::from_value(client["RoleIds"].clone()).unwrap();
    roles.sort();
    let mut want = vec![contributor.clone(), fx.member_role.clone()];
    want.sort();
    assert_eq!(roles, want, "role ids are stored in canonical lowercase");

    let id = client["Id"].as_str().unwrap();
    let secret = body["Secret"].as_str().unwrap();
    let token = fx.server.token_for(id, secret).await;
    let c = jwt_claims(&token);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    let secrets = get(&fx.cc(&format!("/{id}/Secrets/1")), &fx.admin).await;
    assert_eq!(
        secrets.body,
        json!({"Expiration": format_time(expires_at), "Expires": true, "Description": "first", "Id": 1})
    );

    // The upper bound is accepted as well; a disabled client cannot authenticate.
    let disabled = fx
        .create_cc(json!({
            "Name": "off", "Enabled": false, "AccessTokenLifetime": 3600,
            "RoleIds": [fx.member_role],
        }))
        .await;
    assert_eq!(disabled["Client"]["Enabled"], false);
    let Reply {
        status, body: err, ..
    } = fx
        .server
        .client_credentials(
            disabled["Client"]["Id"].as_str().unwrap(),
            disabled["Secret"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn create_uses_a_supplied_id_lowercased_and_answers_409_when_it_is_taken() {
    let fx = Fx::new().await;
    let upper = "5C1A2B3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
    let lower = upper.to_lowercase();
    let body = fx
        .create_cc(json!({"Id": upper, "Name": "mine", "RoleIds": [fx.member_role]}))
        .await;
    assert_eq!(body["Client"]["Id"], lower.as_str());
    let secret = body["Secret"].as_str().unwrap();
    // The id is case-insensitive everywhere: path and token endpoint.
    assert_eq!(
        get(&fx.cc(&format!("/{upper}")), &fx.admin).await.status,
        200
    );
    assert_eq!(
        fx.server.client_credentials(upper, secret).await.status,
        200
    );

    let again = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Id": lower, "Name": "again", "RoleIds": [fx.member_role]}),
    )
    .await;
    let err = again.error_named(409, "Conflict");
    insta::assert_json_snapshot!("create_conflicting_id", redact(err.clone()));

    let admin_id = fx.server.admin.admin_client_id.to_uppercase();
    let taken = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Id": admin_id, "Name": "again", "RoleIds": [fx.member_role]}),
    )
    .await;
    taken.error_named(409, "Conflict");
    // Neither conflict replaced anything.
    assert_eq!(fx.cc_total().await, 2);
    let kept = get(&fx.cc(&format!("/{lower}")), &fx.admin).await.body;
    assert_eq!(kept["Name"], "mine");
}

#[tokio::test]
async fn create_rejects_invalid_bodies_with_400_and_creates_nothing() {
    let fx = Fx::new().await;
    let m = fx.member_role.clone();
    let admin_role = fx.server.role_id(TENANT_ADMINISTRATOR).await;
    let unknown_role = "0d5e3f0a-1b2c-4d3e-8f4a-5b6c7d8e9f00";
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"Id": "not-a-guid", "Name": "x", "RoleIds": [m]}),
            "not-a-guid",
        ),
        (json!({"RoleIds": [m]}), "Name is required."),
        (json!({"Name": null, "RoleIds": [m]}), "Name is required."),
        (json!({"Name": "   ", "RoleIds": [m]}), "Name is required."),
        (json!({"Name": "x"}), "RoleIds is required."),
        (
            json!({"Name": "x", "RoleIds": null}),
            "RoleIds is required.",
        ),
        (json!({"Name": "x", "RoleIds": []}), "Tenant Member"),
        (
            json!({"Name": "x", "RoleIds": [admin_role]}),
            "Tenant Member",
        ),
        (
            json!({"Name": "x", "RoleIds": [m, unknown_role]}),
            unknown_role,
        ),
        (
            json!({"Name": "x", "RoleIds": [TENANT_MEMBER.role_type_id()]}),
            TENANT_MEMBER.role_type_id(),
        ),
        (json!({"Name": "x", "RoleIds": [m, "admin"]}), "admin"),
        (
            json!({"Name": "x", "RoleIds": [m], "AccessTokenLifetime": 59}),
            "Token Lifetime must be between 60 and 3600 seconds.",
        ),
        (
            json!({"Name": "x", "RoleIds": [m], "AccessTokenLifetime": 3601}),
            "Token Lifetime must be between 60 and 3600 seconds.",
        ),
        (
            json!({"Name": "x", "RoleIds": [m], "SecretExpirationDate": fx.at(-60)}),
            "SecretExpirationDate",
        ),
        (
            json!({"Name": "x", "RoleIds": [m], "SecretExpirationDate": "next tuesday"}),
            "SecretExpirationDate",
        ),
        (
            json!({"Name": "n".repeat(2001), "RoleIds": [m]}),
            "Name is longer than 2000 characters.",
        ),
        (
            json!({"Name": "x", "RoleIds": [m], "Tags": (0..51).map(|n| format!("t{n}")).collect::<Vec<_>>()}),
            "50",
        ),
        (
            json!({"Name": "x", "RoleIds": [m], "Tags": ["ok", " "]}),
            "Tag",
        ),
        (json!({"Name": "x", "RoleIds": [m], "Enabled": "yes"}), ""),
        (json!({"Name": "x", "RoleIds": m}), ""),
        (json!([{"Name": "x"}]), ""),
    ];
    for (body, reason) in cases {
        let r = post(&fx.cc(""), &fx.admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body} -> {}", r.text);
        let err = r.bad_request();
        assert!(
            err["Reason"].as_str().unwrap().contains(reason),
            "{body}: reason {} lacks {reason:?}",
            err["Reason"]
        );
    }
    // An empty body and a body that is not JSON are 400 too.
    let empty = http()
        .post(fx.cc(""))
        .bearer_auth(&fx.admin)
        .header("Content-Type", "application/json")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    let garbage = http()
        .post(fx.cc(""))
        .bearer_auth(&fx.admin)
        .header("Content-Type", "application/json")
        .body("{\"Name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(fx.cc_total().await, 1, "only the bootstrap client exists");
}

#[tokio::test]
async fn error_bodies_of_create_name_the_fix() {
    let fx = Fx::new().await;
    let admin_role = fx.server.role_id(TENANT_ADMINISTRATOR).await;
    let no_member = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Name": "x", "RoleIds": [admin_role]}),
    )
    .await;
    let err = no_member.bad_request();
    assert!(
        err["Resolution"]
            .as_str()
            .unwrap()
            .contains(&fx.member_role),
        "the Resolution names the Tenant Member role Id: {err}"
    );
    insta::assert_json_snapshot!(
        "create_without_tenant_member",
        scrub(
            redact(err.clone()),
            &[(&fx.member_role, "[tenant-member-role-id]")]
        )
    );

    let lifetime = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Name": "x", "RoleIds": [fx.member_role], "AccessTokenLifetime": 59}),
    )
    .await;
    insta::assert_json_snapshot!(
        "create_token_lifetime_59",
        redact(lifetime.bad_request().clone())
    );

    let role_type = post(
        &fx.cc(""),
        &fx.admin,
        json!({"Name": "x", "RoleIds": [fx.member_role, TENANT_CONTRIBUTOR.role_type_id()]}),
    )
    .await;
    insta::assert_json_snapshot!(
        "create_with_role_type_id_instead_of_role_id",
        redact(role_type.bad_request().clone())
    );
}

// ---------------------------------------------------------------------------------------------
// Client-credentials clients: lists

#[tokio::test]
async fn list_pages_in_creation_order_then_id_with_total_count() {
    let fx = Fx::new().await;
    let admin_id = fx.server.admin.admin_client_id.clone();
    // Created one second apart in descending id order: creation time must win over the id.
    let later: Vec<String> = ["e", "d", "c", "b", "a"]
        .iter()
        .map(|p| format!("{p}0000000-0000-4000-8000-000000000000"))
        .collect();
    for id in &later {
        fx.server.clock().advance(1);
        fx.create_cc(json!({"Id": id, "Name": id, "RoleIds": [fx.member_role]}))
            .await;
    }
    // Two created in the same second: ordered by id.
    fx.server.clock().advance(1);
    let same_second = [
        "20000000-0000-4000-8000-000000000000",
        "10000000-0000-4000-8000-000000000000",
    ];
    for id in same_second {
        fx.create_cc(json!({"Id": id, "Name": id, "RoleIds": [fx.member_role]}))
            .await;
    }
    let mut expected = vec![admin_id];
    expected.extend(later);
    expected.push(same_second[1].to_owned());
    expected.push(same_second[0].to_owned());

    let all = get(&fx.cc(""), &fx.admin).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.total_count(), 8);
    assert_eq!(ids(&all.body), expected);

    let mut paged = Vec::new();
    for skip in [0, 3, 6] {
        let page = get(&fx.cc(&format!("?skip={skip}&count=3")), &fx.admin).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.total_count(), 8, "Total-Count counts all matches");
        paged.extend(ids(&page.body));
    }
    assert_eq!(paged, expected, "pages are stable and complete");
    let past_end = get(&fx.cc("?skip=8&count=5"), &fx.admin).await;
    assert_eq!(past_end.body, json!([]));
    assert_eq!(past_end.total_count(), 8);
    let max = get(&fx.cc("?count=1000&query=ignored"), &fx.admin).await;
    assert_eq!(max.status, 200);
    assert_eq!(ids(&max.body), expected);
}

#[tokio::test]
async fn list_returns_100_by_default() {
    let fx = Fx::new().await;
    for n in 0..100 {
        fx.create_cc(json!({"Name": format!("c{n}"), "RoleIds": [fx.member_role]}))
            .await;
    }
    let r = get(&fx.cc(""), &fx.admin).await;
    assert_eq!(r.total_count(), 101);
    let first = r.body.clone();
    assert_eq!(first.as_array().unwrap().len(), 100);
    let rest = get(&fx.cc("?skip=100"), &fx.admin).await;
    assert_eq!(rest.body.as_array().unwrap().len(), 1);
    let mut all = ids(&first);
    all.extend(ids(&rest.body));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 101, "the two pages hold every client once");
}

#[tokio::test]
async fn list_rejects_out_of_range_paging() {
    let fx = Fx::new().await;
    for q in [
        "count=0",
        "count=1001",
        "skip=-1",
        "count=-5",
        "count=ten",
        "skip=1.5",
    ] {
        let r = get(&fx.cc(&format!("?{q}")), &fx.admin).await;
        let err = r.bad_request();
        if q == "count=0" {
            insta::assert_json_snapshot!("list_count_zero", redact(err.clone()));
        }
        let h = head(&fx.cc(&format!("?{q}")), &fx.admin).await;
        assert_eq!(h.status, 400, "HEAD ?{q}");
        assert_eq!(h.text, "", "HEAD has no body");
    }
}

#[tokio::test]
async fn list_filters_by_repeated_ids_and_ignores_skip_and_count() {
    let fx = Fx::new().await;
    let (a, _) = fx.member("a").await;
    let (b, _) = fx.member("b").await;
    let (_c, _) = fx.member("c").await;
    let url = fx.cc(&format!(
        "?id={}&id=%20&id={b}&id={a}&skip=5&count=1",
        a.to_uppercase()
    ));
    let r = get(&url, &fx.admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.total_count(), 2);
    let mut got = ids(&r.body);
    got.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(got, want, "each requested client once, blank ids ignored");
    let h = head(&url, &fx.admin).await;
    assert_eq!((h.status, h.total_count(), h.text.as_str()), (200, 2, ""));
}

#[tokio::test]
async fn list_answers_207_multi_status_when_some_ids_are_missing() {
    let fx = Fx::new().await;
    let a = "11111111-1111-4111-8111-111111111111";
    let b = "22222222-2222-4222-8222-222222222222";
    let missing = "33333333-3333-4333-8333-333333333333";
    for (id, tags) in [(a, json!(["x"])), (b, json!([]))] {
        fx.create_cc(json!({"Id": id, "Name": id, "Tags": tags, "RoleIds": [fx.member_role]}))
            .await;
    }
    let url = fx.cc(&format!("?id={a}&id={missing}&id={b}"));
    let r = get(&url, &fx.admin).await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.total_count(), 2);
    let body = r.body.clone();
    assert_eq!(
        keys(&body),
        ["OperationId", "Error", "Reason", "ChildErrors", "Data"]
    );
    assert_eq!(
        body["ChildErrors"][0]["OperationId"], body["OperationId"],
        "children carry the request's OperationId"
    );
    assert_eq!(ids(&body["Data"]), [a, b]);
    insta::assert_json_snapshot!(
        "list_multi_status",
        scrub(
            redact(body.clone()),
            &[(&fx.member_role, "[tenant-member-role-id]")]
        )
    );
    let h = head(&url, &fx.admin).await;
    assert_eq!((h.status, h.total_count(), h.text.as_str()), (207, 2, ""));

    // Nothing found at all is still a 207 with empty Data; all found is a plain 200.
    let none = get(&fx.cc(&format!("?id={missing}")), &fx.admin).await;
    assert_eq!(none.status, 207);
    assert_eq!(none.body["Data"], json!([]));
    let all = get(&fx.cc(&format!("?id={a}&id={b}")), &fx.admin).await;
    assert_eq!(all.status, 200);
    assert!(all.body.is_array());
}

#[tokio::test]
async fn list_tag_filter_requires_every_tag_case_insensitively() {
    let fx = Fx::new().await;
    let mut made = Vec::new();
    for (name, tags) in [
        ("both", json!(["Blue", "Prod"])),
        ("blue", json!(["blue"])),
        ("prod", json!(["PROD", "other"])),
        ("none", json!([])),
    ] {
        fx.server.clock().advance(1);
        let c = fx
            .create_cc(json!({"Name": name, "Tags": tags, "RoleIds": [fx.member_role]}))
            .await;
        made.push(c["Client"]["Id"].as_str().unwrap().to_owned());
    }
    let names = |r: &Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    let blue = get(&fx.cc("?tag=BLUE"), &fx.admin).await;
    assert_eq!((blue.status, blue.total_count()), (200, 2));
    assert_eq!(names(&blue), ["both", "blue"]);
    let blue_prod = get(&fx.cc("?tag=blue&tag=prod"), &fx.admin).await;
    assert_eq!(blue_prod.total_count(), 1);
    assert_eq!(names(&blue_prod), ["both"]);
    assert_eq!(blue_prod.body[0]["Tags"], json!(["Blue", "Prod"]));
    let prod = get(&fx.cc("?tag=Prod"), &fx.admin).await;
    assert_eq!(names(&prod), ["both", "prod"]);
    let green = get(&fx.cc("?tag=green"), &fx.admin).await;
    assert_eq!((green.status, green.total_count()), (200, 0));
    assert_eq!(green.body, json!([]));
    // Paging applies to the matches; Total-Count counts all matches.
    let page = get(&fx.cc("?tag=blue&skip=1&count=1"), &fx.admin).await;
    assert_eq!(page.total_count(), 2);
    assert_eq!(names(&page), ["blue"]);
    // Combined with ids: both filters apply.
    let combined = get(
        &fx.cc(&format!("?tag=blue&id={}&id={}", made[0], made[1])),
        &fx.admin,
    )
    .await;
    assert_eq!(combined.status, 200);
    assert_eq!(names(&combined), ["both", "blue"]);
    let h = head(&fx.cc("?tag=blue"), &fx.admin).await;
    assert_eq!((h.status, h.total_count(), h.text.as_str()), (200, 2, ""));
}

#[tokio::test]
async fn head_twins_answer_like_get_without_a_body() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("m").await;
    let urls = [
        fx.cc(""),
        fx.cc("?count=1"),
        fx.cc(&format!("/{id}")),
        fx.cc(&format!("/{id}/Roles")),
        fx.api(&format!("/Clients/{id}/Roles")),
        fx.cc(&format!("/{id}/Secrets")),
        fx.cc(&format!("/{id}/Secrets/1")),
        fx.api("/AuthorizationCodeClients"),
        fx.api("/HybridClients"),
    ];
    for url in &urls {
        let g = get(url, &fx.admin).await;
        let h = head(url, &fx.admin).await;
        assert_eq!(g.status, 200, "GET {url}: {}", g.text);
        assert_eq!(h.status, g.status, "HEAD {url}");
        assert_eq!(h.text, "", "HEAD {url} has no body");
        assert_eq!(
            h.header("Total-Count"),
            g.header("Total-Count"),
            "HEAD {url}"
        );
    }
    assert_eq!(head(&fx.cc(""), &fx.admin).await.total_count(), 2);
    let missing = head(&fx.cc("/8f1c6a0e-0000-4000-8000-000000000001"), &fx.admin).await;
    assert_eq!((missing.status, missing.text.as_str()), (404, ""));
    let missing_secret = head(&fx.cc(&format!("/{id}/Secrets/7")), &fx.admin).await;
    assert_eq!(
        (missing_secret.status, missing_secret.text.as_str()),
        (404, "")
    );
}

#[tokio::test]
async fn paths_match_case_insensitively() {
    let fx = Fx::new().await;
    let tid = fx.server.admin.tenant_id.clone();
    let lower = fx
        .server
        .url(&format!("/api/v1/tenants/{tid}/clientcredentialclients"));
    let r = get(&lower, &fx.admin).await;
    assert_eq!((r.status, r.total_count()), (200, 1));
    let created = post(
        &lower,
        &fx.admin,
        json!({"Name": "lower", "RoleIds": [fx.member_role]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["Client"]["Id"].as_str().unwrap().to_owned();
    let shouting = fx.server.url(&format!(
        "/API/V1/TENANTS/{}/CLIENTCREDENTIALCLIENTS/{}",
        tid.to_uppercase(),
        id.to_uppercase()
    ));
    let one = get(&shouting, &fx.admin).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["Id"], id.as_str());
    let secrets = get(&format!("{shouting}/SECRETS"), &fx.admin).await;
    assert_eq!(secrets.status, 200);
    let roles = get(
        &fx.server
            .url(&format!("/api/v1/TENANTS/{tid}/clients/{id}/ROLES")),
        &fx.admin,
    )
    .await;
    assert_eq!(roles.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Client-credentials clients: one client, update, delete, roles

#[tokio::test]
async fn get_one_as_self_as_member_and_as_administrator() {
    let fx = Fx::new().await;
    let (a, a_token) = fx.member_token("a").await;
    let (b, _) = fx.member_token("b").await;
    let by_admin = get(&fx.cc(&format!("/{a}")), &fx.admin).await;
    assert_eq!(by_admin.status, 200);
    assert_eq!(
        keys(&by_admin.body),
        [
            "Id",
            "Name",
            "Enabled",
            "AccessTokenLifetime",
            "Tags",
            "RoleIds"
        ]
    );
    let by_self = get(&fx.cc(&format!("/{a}")), &a_token).await;
    assert_eq!(by_self.status, 200);
    assert_eq!(by_self.body, by_admin.body);
    let other = get(&fx.cc(&format!("/{b}")), &a_token).await;
    assert_eq!(other.status, 200, "any member of the tenant may read");
    assert_eq!(other.body["Name"], "b");
    let admin_client = get(
        &fx.cc(&format!("/{}", fx.server.admin.admin_client_id)),
        &a_token,
    )
    .await;
    assert_eq!(admin_client.status, 200);
    assert_eq!(admin_client.body["RoleIds"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_or_malformed_client_ids_give_error_responses() {
    let fx = Fx::new().await;
    let unknown = "7e57a11d-0000-4000-8000-000000000404";
    let r = get(&fx.cc(&format!("/{unknown}")), &fx.admin).await;
    let err = r.not_found();
    insta::assert_json_snapshot!("get_unknown_client", redact(err.clone()));
    put(
        &fx.cc(&format!("/{unknown}")),
        &fx.admin,
        json!({"Name": "x"}),
    )
    .await
    .not_found();
    delete(&fx.cc(&format!("/{unknown}")), &fx.admin)
        .await
        .not_found();
    get(&fx.cc(&format!("/{unknown}/Roles")), &fx.admin)
        .await
        .not_found();
    put(
        &fx.api(&format!("/Clients/{unknown}/Roles")),
        &fx.admin,
        json!([{"Id": fx.member_role}]),
    )
    .await
    .not_found();
    let malformed = get(&fx.cc("/not-a-guid"), &fx.admin).await;
    let err = malformed.bad_request();
    assert!(err["Reason"].as_str().unwrap().contains("not-a-guid"));
    // A client of another kind is not a client-credentials client.
    let hybrid = post(
        &fx.api("/HybridClients"),
        &fx.admin,
        json!({"Name": "h", "RedirectUris": ["https://app.example.com/cb"]}),
    )
    .await;
    assert_eq!(hybrid.status, 201, "{}", hybrid.text);
    let hid = hybrid.body["Client"]["Id"].as_str().unwrap().to_owned();
    get(&fx.cc(&format!("/{hid}")), &fx.admin).await.not_found();
    get(&fx.cc(&format!("/{hid}/Roles")), &fx.admin)
        .await
        .not_found();
    delete(&fx.cc(&format!("/{hid}")), &fx.admin)
        .await
        .not_found();
    assert_eq!(
        get(&fx.api(&format!("/HybridClients/{hid}")), &fx.admin)
            .await
            .status,
        200,
        "the hybrid client survived"
    );
}

#[tokio::test]
async fn put_is_a_partial_update_that_takes_effect_at_once() {
    let fx = Fx::new().await;
    let created = fx
        .create_cc(json!({
            "Name": "one", "AccessTokenLifetime": 600, "Tags": ["a", "b"],
            "RoleIds": [fx.member_role],
        }))
        .await;
    let id = created["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = created["Secret"].as_str().unwrap().to_owned();
    let url = fx.cc(&format!("/{id}"));
    let original = created["Client"].clone();

    let r = put(&url, &fx.admin, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, original, "an empty body changes nothing");

    let r = put(&url, &fx.admin, json!({"Name": "two"})).await;
    assert_eq!(r.status, 200);
    let mut expected = original.clone();
    expected["Name"] = json!("two");
    assert_eq!(r.body, expected, "absent properties are unchanged");

    let r = put(
        &url,
        &fx.admin,
        json!({
            "Id": id.to_uppercase(), "Name": null, "Enabled": null, "AccessTokenLifetime": null,
            "RoleIds": null, "Tags": ["c"],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    expected["Tags"] = json!(["c"]);
    assert_eq!(r.body, expected, "null is unchanged; Tags are replaced");
    assert_eq!(get(&url, &fx.admin).await.body, expected);

    let r = put(&url, &fx.admin, json!({"AccessTokenLifetime": 120})).await;
    assert_eq!(r.body["AccessTokenLifetime"], 120);
    let token = fx.server.token_for(&id, &secret).await;
    let c = jwt_claims(&token);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);

    let r = put(&url, &fx.admin, json!({"Tags": []})).await;
    assert_eq!(r.body["Tags"], json!([]));

    let r = put(&url, &fx.admin, json!({"Enabled": false})).await;
    assert_eq!(r.body["Enabled"], false);
    assert_eq!(fx.server.client_credentials(&id, &secret).await.status, 401);
    let r = put(&url, &fx.admin, json!({"Enabled": true})).await;
    assert_eq!(r.body["Enabled"], true);
    assert_eq!(fx.server.client_credentials(&id, &secret).await.status, 200);
    // The secret was not touched by any of this.
    let secrets = get(&fx.cc(&format!("/{id}/Secrets")), &fx.admin).await;
    assert_eq!(secrets.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn put_rejects_a_mismatched_id_bad_values_and_dropping_tenant_member() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("keep").await;
    let url = fx.cc(&format!("/{id}"));
    let before = get(&url, &fx.admin).await.body;
    let contributor = fx.server.role_id(TENANT_CONTRIBUTOR).await;

    let other = put(
        &url,
        &fx.admin,
        json!({"Id": fx.server.admin.admin_client_id, "Name": "hijack"}),
    )
    .await
    .bad_request()
    .clone();
    insta::assert_json_snapshot!("put_body_id_differs_from_path", redact(other.clone()));
    put(&url, &fx.admin, json!({"Id": "nope", "Name": "x"}))
        .await
        .bad_request();
    let err = put(&url, &fx.admin, json!({"RoleIds": [contributor]}))
        .await
        .bad_request()
        .clone();
    assert!(err["Resolution"]
        .as_str()
        .unwrap()
        .contains(&fx.member_role));
    put(&url, &fx.admin, json!({"RoleIds": []}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"AccessTokenLifetime": 3601}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"AccessTokenLifetime": 59}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"Name": ""}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"Enabled": "no"}))
        .await
        .bad_request();
    assert_eq!(
        get(&url, &fx.admin).await.body,
        before,
        "rejected updates change nothing"
    );
    let admin_client = get(
        &fx.cc(&format!("/{}", fx.server.admin.admin_client_id)),
        &fx.admin,
    )
    .await;
    assert_ne!(admin_client.body["Name"], "hijack");

    let r = put(
        &url,
        &fx.admin,
        json!({"RoleIds": [contributor, fx.member_role]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["RoleIds"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn delete_removes_the_client_and_its_secrets_at_once() {
    let fx = Fx::new().await;
    let (id, secret) = fx.member("doomed").await;
    let token = fx.server.token_for(&id, &secret).await;
    let url = fx.cc(&format!("/{id}"));
    assert_eq!(fx.cc_total().await, 2);

    let r = delete(&url, &fx.admin).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    get(&url, &fx.admin).await.not_found();
    delete(&url, &fx.admin).await.not_found();
    get(&format!("{url}/Secrets"), &fx.admin).await.not_found();
    get(&format!("{url}/Roles"), &fx.admin).await.not_found();
    assert_eq!(fx.cc_total().await, 1);
    let Reply {
        status, body: err, ..
    } = fx.server.client_credentials(&id, &secret).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Its access tokens still verify (resource servers may accept them until `exp`), but the
    // management API checks the caller as it is now (SPEC §3.1): a deleted client gets 401.
    get(&fx.cc(""), &token).await.error(401);
    // The id is free again.
    let again = fx
        .create_cc(json!({"Id": id, "Name": "reborn", "RoleIds": [fx.member_role]}))
        .await;
    assert_eq!(again["Id"], 1);
    assert_eq!(fx.server.client_credentials(&id, &secret).await.status, 401);
}

#[tokio::test]
async fn roles_subresource_lists_role_objects_and_put_replaces_the_list() {
    let fx = Fx::new().await;
    let (id, secret) = fx.member("roles").await;
    let self_token = fx.server.token_for(&id, &secret).await;
    let contributor = fx.server.role_id(TENANT_CONTRIBUTOR).await;
    let admin_role = fx.server.role_id(TENANT_ADMINISTRATOR).await;
    let long = fx.cc(&format!("/{id}/Roles"));
    let short = fx.api(&format!("/Clients/{id}/Roles"));

    for url in [&long, &short] {
        for token in [&fx.admin, &self_token] {
            let r = get(url, token).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
            assert_eq!(r.total_count(), 1);
            let roles = r.body.clone();
            let role = &roles[0];
            assert_eq!(
                keys(role),
                [
                    "Id",
                    "Name",
                    "Description",
                    "RoleScope",
                    "TenantId",
                    "CommunityId",
                    "RoleTypeId"
                ]
            );
            assert_eq!(role["Id"], fx.member_role.as_str());
            assert_eq!(role["Name"], "Tenant Member");
            assert_eq!(role["RoleScope"], 1);
            assert_eq!(role["TenantId"], fx.server.admin.tenant_id.as_str());
            assert_eq!(role["RoleTypeId"], TENANT_MEMBER.role_type_id());
        }
    }

    // PUT replaces the list; only Id is read from each Role.
    let r = put(
        &long,
        &fx.admin,
        json!([{"Id": fx.member_role, "Name": "ignored"}, {"Id": contributor.to_uppercase(), "RoleTypeId": "x"}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut got = ids(&r.body);
    got.sort();
    let mut want = vec![fx.member_role.clone(), contributor.clone()];
    want.sort();
    assert_eq!(got, want);
    let client = get(&fx.cc(&format!("/{id}")), &fx.admin).await.body;
    let mut stored: Vec<String> = serde_json::from_value(client["RoleIds"].clone()).unwrap();
    stored.sort();
    assert_eq!(stored, want);
    assert_eq!(get(&short, &fx.admin).await.total_count(), 2);

    // Must keep Tenant Member; every role needs an Id and must exist.
    let err = put(&short, &fx.admin, json!([{"Id": contributor}]))
        .await
        .bad_request()
        .clone();
    insta::assert_json_snapshot!(
        "put_roles_without_tenant_member",
        scrub(
            redact(err.clone()),
            &[(&fx.member_role, "[tenant-member-role-id]")]
        )
    );
    put(&short, &fx.admin, json!([])).await.bad_request();
    put(
        &short,
        &fx.admin,
        json!([{"Id": fx.member_role}, {"Name": "x"}]),
    )
    .await
    .bad_request();
    put(
        &short,
        &fx.admin,
        json!([{"Id": fx.member_role}, {"Id": TENANT_CONTRIBUTOR.role_type_id()}]),
    )
    .await
    .bad_request();
    put(&short, &fx.admin, json!({"Id": fx.member_role}))
        .await
        .bad_request();
    assert_eq!(get(&short, &fx.admin).await.total_count(), 2);

    // Only an administrator may PUT, even the client itself may not.
    put(
        &long,
        &self_token,
        json!([{"Id": fx.member_role}, {"Id": admin_role}]),
    )
    .await
    .forbidden();

    // Granting Tenant Administrator takes effect for the next token at once.
    let r = put(
        &short,
        &fx.admin,
        json!([{"Id": fx.member_role}, {"Id": admin_role}]),
    )
    .await;
    assert_eq!(r.status, 200);
    let promoted = fx.server.token_for(&id, &secret).await;
    let mut types: Vec<String> =
        serde_json::from_value(jwt_claims(&promoted)["role_type"].clone()).unwrap();
    types.sort();
    let mut want_types = vec![
        TENANT_ADMINISTRATOR.role_type_id().to_owned(),
        TENANT_MEMBER.role_type_id().to_owned(),
    ];
    want_types.sort();
    assert_eq!(types, want_types);
    let made = post(
        &fx.cc(""),
        &promoted,
        json!({"Name": "by promoted", "RoleIds": [fx.member_role]}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
}

// ---------------------------------------------------------------------------------------------
// Role matrix

#[tokio::test]
async fn a_member_token_reads_clients_but_cannot_write_them() {
    let fx = Fx::new().await;
    let (me, token) = fx.member_token("member").await;
    let admin_id = fx.server.admin.admin_client_id.clone();
    let ac = post(
        &fx.api("/AuthorizationCodeClients"),
        &fx.admin,
        json!({"Name": "spa", "RedirectUris": ["https://spa.example.com/cb"]}),
    )
    .await
    .body;
    let ac_id = ac["Id"].as_str().unwrap().to_owned();

    for url in [
        fx.cc(""),
        fx.cc(&format!("/{admin_id}")),
        fx.cc(&format!("/{admin_id}/Roles")),
        fx.api(&format!("/Clients/{admin_id}/Roles")),
        fx.api("/AuthorizationCodeClients"),
        fx.api(&format!("/AuthorizationCodeClients/{ac_id}")),
        fx.api("/HybridClients"),
    ] {
        let r = get(&url, &token).await;
        assert_eq!(r.status, 200, "GET {url}: {}", r.text);
        assert_eq!(head(&url, &token).await.status, 200, "HEAD {url}");
    }
    assert_eq!(get(&fx.cc(""), &token).await.total_count(), 2);

    let denied = post(
        &fx.cc(""),
        &token,
        json!({"Name": "x", "RoleIds": [fx.member_role]}),
    )
    .await;
    denied.error_named(403, "Forbidden");
    insta::assert_json_snapshot!("member_creates_client", redact(denied.body));
    put(
        &fx.cc(&format!("/{admin_id}")),
        &token,
        json!({"Name": "pwned"}),
    )
    .await
    .forbidden();
    put(
        &fx.cc(&format!("/{me}")),
        &token,
        json!({"Name": "self-rename"}),
    )
    .await
    .forbidden();
    delete(&fx.cc(&format!("/{admin_id}")), &token)
        .await
        .forbidden();
    delete(&fx.cc(&format!("/{me}")), &token).await.forbidden();
    put(
        &fx.api(&format!("/Clients/{me}/Roles")),
        &token,
        json!([{"Id": fx.member_role}]),
    )
    .await
    .forbidden();
    post(
        &fx.api("/AuthorizationCodeClients"),
        &token,
        json!({"Name": "x", "RedirectUris": ["https://a.example.com/cb"]}),
    )
    .await
    .forbidden();
    put(
        &fx.api(&format!("/AuthorizationCodeClients/{ac_id}")),
        &token,
        json!({"Name": "x"}),
    )
    .await
    .forbidden();
    delete(
        &fx.api(&format!("/AuthorizationCodeClients/{ac_id}")),
        &token,
    )
    .await
    .forbidden();
    post(
        &fx.api("/HybridClients"),
        &token,
        json!({"Name": "x", "RedirectUris": ["https://a.example.com/cb"]}),
    )
    .await
    .forbidden();
    // Forbidden for an unknown client too: the role check comes first.
    delete(&fx.cc("/7e57a11d-0000-4000-8000-000000000404"), &token)
        .await
        .forbidden();

    // Nothing changed.
    let admin_client = get(&fx.cc(&format!("/{admin_id}")), &fx.admin).await;
    assert_eq!(admin_client.status, 200);
    assert_ne!(admin_client.body["Name"], "pwned");
    assert_eq!(
        get(&fx.cc(&format!("/{me}")), &fx.admin).await.body["Name"],
        "member"
    );
    assert_eq!(fx.cc_total().await, 2);
}

#[tokio::test]
async fn self_manages_its_own_secrets_except_put_and_no_one_elses() {
    let fx = Fx::new().await;
    let (a, a_secret) = fx.member("a").await;
    let a_token = fx.server.token_for(&a, &a_secret).await;
    let (b, _) = fx.member("b").await;
    let mine = fx.cc(&format!("/{a}/Secrets"));

    let r = get(&mine, &a_token).await;
    assert_eq!((r.status, r.total_count()), (200, 1));
    assert_eq!(head(&mine, &a_token).await.status, 200);
    // Self-rotation: add a secret, switch to it, delete the old one.
    let added = post(
        &mine,
        &a_token,
        json!({"Description": "rotated", "Expires": false}),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let new_secret = added.body["Secret"].as_str().unwrap().to_owned();
    let new_token = fx.server.token_for(&a, &new_secret).await;
    assert_eq!(get(&format!("{mine}/2"), &new_token).await.status, 200);
    put(
        &format!("{mine}/2"),
        &new_token,
        json!({"Description": "renamed"}),
    )
    .await
    .forbidden();
    put(&format!("{mine}/1"), &new_token, json!({"Expires": false}))
        .await
        .forbidden();
    let r = delete(&format!("{mine}/1"), &new_token).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let Reply { status, .. } = fx.server.client_credentials(&a, &a_secret).await;
    assert_eq!(
        status, 401,
        "the deleted secret stops authenticating at once"
    );
    assert_eq!(
        get(&format!("{mine}/2"), &fx.admin).await.body["Description"],
        "rotated",
        "the forbidden PUT changed nothing"
    );

    // Another client's secrets, and the administrator client's, are off limits.
    for other in [&b, &fx.server.admin.admin_client_id] {
        let theirs = fx.cc(&format!("/{other}/Secrets"));
        get(&theirs, &new_token).await.forbidden();
        get(&format!("{theirs}/1"), &new_token).await.forbidden();
        post(&theirs, &new_token, json!({"Expires": false}))
            .await
            .forbidden();
        delete(&format!("{theirs}/1"), &new_token).await.forbidden();
        put(
            &format!("{theirs}/1"),
            &new_token,
            json!({"Expires": false}),
        )
        .await
        .forbidden();
        assert_eq!(get(&theirs, &fx.admin).await.total_count(), 1);
    }
    // The administrator may PUT a client's secret.
    let r = put(
        &format!("{mine}/2"),
        &fx.admin,
        json!({"Description": "ok"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn another_tenants_token_is_forbidden_and_sees_nothing_of_this_tenant() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("ours").await;
    let (other_tenant_id, foreign) = fx.server.other_tenant().await;
    let theirs = |path: &str| {
        fx.server
            .url(&format!("/api/v1/Tenants/{other_tenant_id}{path}"))
    };
    // Control: the token works in its own tenant.
    let own = get(&theirs("/ClientCredentialClients"), &foreign).await;
    assert_eq!((own.status, own.total_count()), (200, 1));

    let err = get(&fx.cc(""), &foreign)
        .await
        .error_named(403, "Forbidden")
        .clone();
    insta::assert_json_snapshot!("another_tenant", redact(err.clone()));
    let h = head(&fx.cc(""), &foreign).await;
    assert_eq!((h.status, h.text.as_str()), (403, ""));
    get(&fx.cc(&format!("/{id}")), &foreign).await.forbidden();
    get(&fx.cc(&format!("/{id}/Roles")), &foreign)
        .await
        .forbidden();
    get(&fx.cc(&format!("/{id}/Secrets")), &foreign)
        .await
        .forbidden();
    post(
        &fx.cc(&format!("/{id}/Secrets")),
        &foreign,
        json!({"Expires": false}),
    )
    .await
    .forbidden();
    put(&fx.cc(&format!("/{id}")), &foreign, json!({"Name": "x"}))
        .await
        .forbidden();
    delete(&fx.cc(&format!("/{id}")), &foreign)
        .await
        .forbidden();
    post(
        &fx.cc(""),
        &foreign,
        json!({"Name": "x", "RoleIds": [fx.member_role]}),
    )
    .await
    .forbidden();
    get(&fx.api("/HybridClients"), &foreign).await.forbidden();
    get(&fx.api("/AuthorizationCodeClients"), &foreign)
        .await
        .forbidden();

    // Through its own tenant's path, our client does not exist.
    get(&theirs(&format!("/ClientCredentialClients/{id}")), &foreign)
        .await
        .not_found();
    delete(&theirs(&format!("/ClientCredentialClients/{id}")), &foreign)
        .await
        .not_found();
    get(
        &theirs(&format!("/ClientCredentialClients/{id}/Secrets")),
        &foreign,
    )
    .await
    .not_found();
    let listed = get(
        &theirs(&format!("/ClientCredentialClients?id={id}")),
        &foreign,
    )
    .await;
    assert_eq!(listed.status, 207);
    assert_eq!(listed.body["Data"], json!([]));
    // Our roles are unknown there; ids are one global space.
    let other_member = {
        let r = get(
            &theirs(&format!(
                "/Roles?roleTypeId={}",
                TENANT_MEMBER.role_type_id()
            )),
            &foreign,
        )
        .await;
        r.body[0]["Id"].as_str().unwrap().to_owned()
    };
    post(
        &theirs("/ClientCredentialClients"),
        &foreign,
        json!({"Name": "x", "RoleIds": [fx.member_role]}),
    )
    .await
    .bad_request();
    let clash = post(
        &theirs("/ClientCredentialClients"),
        &foreign,
        json!({"Id": id, "Name": "x", "RoleIds": [other_member]}),
    )
    .await;
    // Taken in another tenant: refused like any unusable Id, not a 409 that confirms it exists
    // there (SPEC §8).
    let e = clash.error_named(400, "Bad request");
    assert_eq!(
        e["Reason"],
        format!("The Id '{id}' cannot be used for a new client.")
    );
    assert_eq!(
        get(&fx.cc(&format!("/{id}")), &fx.admin).await.body["Name"],
        "ours"
    );
}

#[tokio::test]
async fn missing_or_invalid_tokens_get_401_with_a_bearer_challenge() {
    let fx = Fx::new().await;
    let (_, member_token) = fx.member_token("m").await;
    let url = fx.cc("");
    let forged = {
        let a: Vec<&str> = fx.admin.split('.').collect();
        let m: Vec<&str> = member_token.split('.').collect();
        format!("{}.{}.{}", a[0], a[1], m[2])
    };
    let no_token = call(http().get(&url)).await;
    let err = no_token.error_named(401, "Unauthorized");
    insta::assert_json_snapshot!("no_token", redact(err.clone()));

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("garbage", Some("Bearer garbage".to_owned())),
        ("empty bearer", Some("Bearer ".to_owned())),
        (
            "basic",
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    fx.server.admin.admin_client_id, fx.server.admin.admin_client_secret
                ))
            )),
        ),
        ("wrong signature", Some(format!("Bearer {forged}"))),
        (
            "truncated",
            Some(format!("Bearer {}", &fx.admin[..fx.admin.len() - 10])),
        ),
    ];
    for (what, authorization) in &cases {
        for method in [Method::GET, Method::HEAD, Method::POST] {
            let mut req = http().request(method.clone(), &url);
            if let Some(a) = authorization {
                req = req.header("Authorization", a);
            }
            if method == Method::POST {
                req = req.json(&json!({"Name": "x", "RoleIds": [fx.member_role]}));
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 401, "{what} {method}");
            let challenge = res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
            let text = res.text().await.unwrap();
            if method == Method::HEAD {
                assert_eq!(text, "", "{what}: HEAD has no body");
            } else {
                let body: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["Error"], "Unauthorized", "{what}");
                assert!(body["OperationId"].is_string());
            }
        }
    }
    // The forged token really was only a signature away from a good one.
    assert_eq!(get(&url, &fx.admin).await.status, 200);
    assert_eq!(
        fx.cc_total().await,
        2,
        "no unauthenticated POST got through"
    );

    // An expired token is refused too.
    fx.server.clock().advance(3601);
    let expired = get(&url, &fx.admin).await;
    expired.error_named(401, "Unauthorized");
    assert!(expired
        .header("WWW-Authenticate")
        .unwrap()
        .starts_with("Bearer"));
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn secret_post_returns_the_value_once_and_reads_never_show_it() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("s").await;
    let url = fx.cc(&format!("/{id}/Secrets"));
    let expiration = fx.at(86_400);
    let r = post(
        &url,
        &fx.admin,
        json!({"Description": "second", "Expiration": expiration, "Expires": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("Location").unwrap(), format!("{url}/2"));
    let body = r.body.clone();
    assert_eq!(
        keys(&body),
        ["Id", "Expiration", "Expires", "Description", "Secret"]
    );
    assert_eq!(body["Id"], 2);
    assert_eq!(body["Expiration"], expiration.as_str());
    assert_eq!(body["Expires"], true);
    assert_eq!(body["Description"], "second");
    let value = body["Secret"].as_str().unwrap().to_owned();
    assert_secret_value(&value);
    assert_eq!(fx.server.client_credentials(&id, &value).await.status, 200);

    let list = get(&url, &fx.admin).await;
    assert_eq!(list.total_count(), 2);
    assert!(!list.text.contains(&value));
    let items = list.body.clone();
    for item in items.as_array().unwrap() {
        assert_eq!(keys(item), ["Expiration", "Expires", "Description", "Id"]);
    }
    assert_eq!(
        items[1],
        json!({"Expiration": expiration, "Expires": true, "Description": "second", "Id": 2})
    );
    let one = get(&format!("{url}/2"), &fx.admin).await;
    assert_eq!(one.status, 200);
    assert!(!one.text.contains(&value));
    assert_eq!(one.body, items[1]);
    let page = get(&format!("{url}?skip=1&count=1"), &fx.admin).await;
    assert_eq!(page.total_count(), 2);
    assert_eq!(page.body, json!([items[1].clone()]));
}

#[tokio::test]
async fn secret_ids_increase_per_client_and_are_never_reused() {
    let fx = Fx::new().await;
    let (a, _) = fx.member("a").await;
    let (b, _) = fx.member("b").await;
    let url = fx.cc(&format!("/{a}/Secrets"));
    let add = |url: String| {
        let token = fx.admin.clone();
        async move {
            let r = post(&url, &token, json!({"Expires": false})).await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.body["Id"].as_i64().unwrap()
        }
    };
    assert_eq!(add(url.clone()).await, 2);
    assert_eq!(add(url.clone()).await, 3);
    // Ids are per client.
    assert_eq!(add(fx.cc(&format!("/{b}/Secrets"))).await, 2);
    assert_eq!(delete(&format!("{url}/3"), &fx.admin).await.status, 204);
    assert_eq!(
        add(url.clone()).await,
        4,
        "the deleted highest id is not reused"
    );
    for n in [1, 2, 4] {
        assert_eq!(delete(&format!("{url}/{n}"), &fx.admin).await.status, 204);
    }
    let empty = get(&url, &fx.admin).await;
    assert_eq!((empty.total_count(), empty.body), (0, json!([])));
    assert_eq!(add(url.clone()).await, 5, "not even when none is left");
    get(&format!("{url}/3"), &fx.admin).await.not_found();
}

#[tokio::test]
async fn a_client_holds_at_most_ten_secrets() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("many").await;
    let url = fx.cc(&format!("/{id}/Secrets"));
    for n in 2..=10 {
        let r = post(&url, &fx.admin, json!({"Expires": false})).await;
        assert_eq!(r.status, 201, "secret {n}: {}", r.text);
    }
    let over = post(&url, &fx.admin, json!({"Expires": false})).await;
    let err = over.bad_request();
    assert!(err["Reason"].as_str().unwrap().contains("10"), "{err}");
    insta::assert_json_snapshot!("secret_limit", redact(err.clone()));
    assert_eq!(get(&url, &fx.admin).await.total_count(), 10);
    // Self is held to the same limit.
    let (sid, stoken) = fx.member_token("self").await;
    let self_url = fx.cc(&format!("/{sid}/Secrets"));
    for _ in 2..=10 {
        assert_eq!(
            post(&self_url, &stoken, json!({"Expires": false}))
                .await
                .status,
            201
        );
    }
    post(&self_url, &stoken, json!({"Expires": false}))
        .await
        .bad_request();
    // Deleting one makes room again.
    assert_eq!(delete(&format!("{url}/5"), &fx.admin).await.status, 204);
    let again = post(&url, &fx.admin, json!({"Expires": false})).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert!(again.body["Id"].as_i64().unwrap() > 10);
}

#[tokio::test]
async fn secret_post_follows_the_expires_expiration_matrix() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("matrix").await;
    let url = fx.cc(&format!("/{id}/Secrets"));
    let later = fx.at(3600);

    let ok: Vec<(Value, Value, bool)> = vec![
        (
            json!({"Expires": true, "Expiration": later}),
            json!(later),
            true,
        ),
        (json!({"Expiration": later}), json!(later), true),
        (
            json!({"Expires": null, "Expiration": later}),
            json!(later),
            true,
        ),
        (json!({"Expires": false}), Value::Null, false),
        (
            json!({"Expires": false, "Expiration": null}),
            Value::Null,
            false,
        ),
    ];
    for (body, expiration, expires) in ok {
        let r = post(&url, &fx.admin, body.clone()).await;
        assert_eq!(r.status, 201, "{body}: {}", r.text);
        let created = r.body.clone();
        assert_eq!(created["Expiration"], expiration, "{body}");
        assert_eq!(created["Expires"], expires, "{body}");
        let secret = created["Secret"].as_str().unwrap().to_owned();
        let stored = get(&format!("{url}/{}", created["Id"]), &fx.admin)
            .await
            .body;
        assert_eq!(stored["Expiration"], expiration, "{body}");
        assert_eq!(stored["Expires"], expires, "{body}");
        assert_eq!(fx.server.client_credentials(&id, &secret).await.status, 200);
    }

    let refused: Vec<Value> = vec![
        json!({"Expires": true}),
        json!({"Expires": true, "Expiration": null}),
        json!({}),
        json!({"Description": "no expiry given"}),
        json!({"Expires": null, "Expiration": null}),
        json!({"Expires": false, "Expiration": later}),
        json!({"Expires": true, "Expiration": fx.at(-1)}),
        json!({"Expiration": fx.at(0)}),
        json!({"Expiration": fx.at(-86_400)}),
        json!({"Expires": true, "Expiration": "soon"}),
        json!({"Expires": "false"}),
    ];
    for body in refused {
        let r = post(&url, &fx.admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.bad_request();
    }
    let err = post(
        &url,
        &fx.admin,
        json!({"Expires": false, "Expiration": later}),
    )
    .await
    .bad_request()
    .clone();
    insta::assert_json_snapshot!("secret_expires_false_with_expiration", redact(err.clone()));
    let err = post(&url, &fx.admin, json!({"Expires": true}))
        .await
        .bad_request()
        .clone();
    insta::assert_json_snapshot!("secret_expires_without_expiration", redact(err.clone()));
    let err = post(&url, &fx.admin, json!({"Expiration": fx.at(-60)}))
        .await
        .bad_request()
        .clone();
    insta::assert_json_snapshot!("secret_expiration_in_the_past", redact(err.clone()));
    assert_eq!(
        get(&url, &fx.admin).await.total_count(),
        6,
        "the initial secret and the five accepted ones"
    );
}

#[tokio::test]
async fn secret_put_merges_onto_the_stored_secret_then_applies_the_rules() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("put").await;
    let e1 = fx.at(3600);
    let e2 = fx.at(7200);
    let e3 = fx.at(10_800);
    let created = post(
        &fx.cc(&format!("/{id}/Secrets")),
        &fx.admin,
        json!({"Description": "d1", "Expiration": e1}),
    )
    .await
    .body;
    let value = created["Secret"].as_str().unwrap().to_owned();
    let url = fx.cc(&format!("/{id}/Secrets/{}", created["Id"]));
    let expect = |exp: Value, expires: bool, desc: &str| json!({"Expiration": exp, "Expires": expires, "Description": desc, "Id": 2});
    let step = |body: Value| {
        let url = url.clone();
        let token = fx.admin.clone();
        async move {
            let r = put(&url, &token, body.clone()).await;
            assert_eq!(r.status, 200, "{body}: {}", r.text);
            let v = r.body.clone();
            assert_eq!(get(&url, &token).await.body, v, "GET agrees with PUT");
            assert!(v.get("Secret").is_none());
            v
        }
    };

    assert_eq!(
        step(json!({"Description": "d2"})).await,
        expect(json!(e1), true, "d2")
    );
    assert_eq!(step(json!({})).await, expect(json!(e1), true, "d2"));
    assert_eq!(
        step(json!({"Expires": null, "Expiration": null, "Description": null})).await,
        expect(json!(e1), true, "d2"),
        "nulls are unchanged"
    );
    assert_eq!(
        step(json!({"Expires": true})).await,
        expect(json!(e1), true, "d2")
    );
    assert_eq!(
        step(json!({"Expiration": e2})).await,
        expect(json!(e2), true, "d2")
    );
    assert_eq!(
        step(json!({"Expires": false})).await,
        expect(Value::Null, false, "d2")
    );
    assert_eq!(
        step(json!({"Description": "d3"})).await,
        expect(Value::Null, false, "d3"),
        "a never-expiring secret stays so"
    );
    // Nothing to keep and nothing given: Expires true alone is refused.
    put(&url, &fx.admin, json!({"Expires": true}))
        .await
        .bad_request();
    assert_eq!(
        step(json!({"Expiration": e3})).await,
        expect(json!(e3), true, "d3"),
        "only Expiration implies Expires true"
    );
    assert_eq!(
        step(json!({"Expires": true, "Expiration": e1})).await,
        expect(json!(e1), true, "d3")
    );
    let before = get(&url, &fx.admin).await.body;
    for body in [
        json!({"Expires": false, "Expiration": e2}),
        json!({"Expiration": fx.at(-5)}),
        json!({"Expires": true, "Expiration": fx.at(-5)}),
        json!({"Expiration": "whenever"}),
        json!({"Expires": 1}),
    ] {
        let r = put(&url, &fx.admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        r.bad_request();
    }
    assert_eq!(
        get(&url, &fx.admin).await.body,
        before,
        "refused PUTs change nothing"
    );
    // The value is untouched by all of this.
    assert_eq!(fx.server.client_credentials(&id, &value).await.status, 200);
}

#[tokio::test]
async fn an_expired_secret_stops_authenticating_at_once() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("short").await;
    let url = fx.cc(&format!("/{id}/Secrets"));
    let created = post(&url, &fx.admin, json!({"Expiration": fx.at(100)}))
        .await
        .body;
    let value = created["Secret"].as_str().unwrap().to_owned();
    assert_eq!(fx.server.client_credentials(&id, &value).await.status, 200);
    fx.server.clock().advance(99);
    assert_eq!(fx.server.client_credentials(&id, &value).await.status, 200);
    fx.server.clock().advance(2);
    let Reply {
        status, body: err, ..
    } = fx.server.client_credentials(&id, &value).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // It is still listed, with its expiry.
    let listed = get(&format!("{url}/2"), &fx.admin).await.body;
    assert_eq!(listed["Expires"], true);
    assert_eq!(listed["Expiration"], created["Expiration"]);
    // Extending it by PUT brings it back at once.
    let r = put(
        &format!("{url}/2"),
        &fx.admin,
        json!({"Expiration": fx.at(600)}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(fx.server.client_credentials(&id, &value).await.status, 200);
}

#[tokio::test]
async fn unknown_and_malformed_secret_ids() {
    let fx = Fx::new().await;
    let (id, _) = fx.member("ids").await;
    let url = fx.cc(&format!("/{id}/Secrets"));
    let err = get(&format!("{url}/99"), &fx.admin)
        .await
        .not_found()
        .clone();
    insta::assert_json_snapshot!("unknown_secret", redact(err.clone()));
    put(&format!("{url}/99"), &fx.admin, json!({"Description": "x"}))
        .await
        .not_found();
    delete(&format!("{url}/99"), &fx.admin).await.not_found();
    get(&format!("{url}/0"), &fx.admin).await.not_found();
    let err = get(&format!("{url}/abc"), &fx.admin)
        .await
        .bad_request()
        .clone();
    insta::assert_json_snapshot!("non_integer_secret_id", redact(err.clone()));
    get(&format!("{url}/1.5"), &fx.admin).await.bad_request();
    put(
        &format!("{url}/one"),
        &fx.admin,
        json!({"Description": "x"}),
    )
    .await
    .bad_request();
    delete(&format!("{url}/one"), &fx.admin).await.bad_request();
    // Secrets of an unknown client, or of a client without secrets.
    let unknown = fx.cc("/7e57a11d-0000-4000-8000-000000000404/Secrets");
    get(&unknown, &fx.admin).await.not_found();
    post(&unknown, &fx.admin, json!({"Expires": false}))
        .await
        .not_found();
    let ac = post(
        &fx.api("/AuthorizationCodeClients"),
        &fx.admin,
        json!({"Name": "spa", "RedirectUris": ["https://spa.example.com/cb"]}),
    )
    .await
    .body;
    let ac_id = ac["Id"].as_str().unwrap();
    let r = get(
        &fx.api(&format!("/AuthorizationCodeClients/{ac_id}/Secrets")),
        &fx.admin,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = post(
        &fx.api(&format!("/AuthorizationCodeClients/{ac_id}/Secrets")),
        &fx.admin,
        json!({"Expires": false}),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // The client-credentials route does not reach another kind's secrets.
    get(&fx.cc(&format!("/{ac_id}/Secrets")), &fx.admin)
        .await
        .not_found();
    // The one real secret is still there.
    assert_eq!(get(&format!("{url}/1"), &fx.admin).await.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Authorization-code and hybrid clients

#[tokio::test]
async fn authorization_code_client_crud() {
    let fx = Fx::new().await;
    let base = fx.api("/AuthorizationCodeClients");
    let r = post(
        &base,
        &fx.admin,
        json!({
            "Name": "spa",
            "RedirectUris": ["https://spa.example.com/callback", "http://localhost:3000/cb"],
            "PostLogoutRedirectUris": ["https://spa.example.com/"],
            "ClientUri": "https://spa.example.com",
            "AllowedCorsOrigins": ["HTTPS://Spa.Example.COM/", "http://localhost:3000", "https://spa.example.com:443"],
            "AllowOfflineAccess": false,
            "Tags": ["web"],
            "SecretDescription": "ignored",
            "RoleIds": ["ignored"],
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client = r.body.clone();
    let id = client["Id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("Location").unwrap(), format!("{base}/{id}"));
    assert_eq!(
        keys(&client),
        [
            "RedirectUris",
            "PostLogoutRedirectUris",
            "ClientUri",
            "LogoUri",
            "Id",
            "Name",
            "Enabled",
            "AccessTokenLifetime",
            "Tags",
            "AllowedCorsOrigins",
            "AllowOfflineAccess"
        ],
        "the client itself, no secret"
    );
    assert_eq!(
        client["RedirectUris"],
        json!([
            "https://spa.example.com/callback",
            "http://localhost:3000/cb"
        ])
    );
    assert_eq!(
        client["PostLogoutRedirectUris"],
        json!(["https://spa.example.com/"])
    );
    assert_eq!(client["ClientUri"], "https://spa.example.com");
    assert_eq!(client["LogoUri"], Value::Null);
    assert_eq!(client["Enabled"], true);
    assert_eq!(client["AccessTokenLifetime"], 3600);
    assert_eq!(client["Tags"], json!(["web"]));
    assert_eq!(
        client["AllowedCorsOrigins"],
        json!(["https://spa.example.com", "http://localhost:3000"]),
        "origins are normalised (lowercase, no trailing slash, default port dropped, deduplicated)"
    );
    assert_eq!(client["AllowOfflineAccess"], false);

    assert_eq!(get(&format!("{base}/{id}"), &fx.admin).await.body, client);
    let list = get(&base, &fx.admin).await;
    assert_eq!((list.status, list.total_count()), (200, 1));
    assert_eq!(list.body, json!([client.clone()]));
    // Not a client-credentials client.
    assert_eq!(fx.cc_total().await, 1);
    // Missing ids are not a 207 for this kind: the found subset with 200.
    let subset = get(
        &format!("{base}?id={id}&id=7e57a11d-0000-4000-8000-000000000404"),
        &fx.admin,
    )
    .await;
    assert_eq!(subset.status, 200, "{}", subset.text);
    assert_eq!(ids(&subset.body), [id.as_str()]);

    let r = put(
        &format!("{base}/{id}"),
        &fx.admin,
        json!({"Name": "spa2", "AllowedCorsOrigins": ["https://other.example.com/"], "LogoUri": "https://spa.example.com/logo.png"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let updated = r.body.clone();
    assert_eq!(updated["Name"], "spa2");
    assert_eq!(
        updated["AllowedCorsOrigins"],
        json!(["https://other.example.com"])
    );
    assert_eq!(updated["LogoUri"], "https://spa.example.com/logo.png");
    assert_eq!(updated["RedirectUris"], client["RedirectUris"], "unchanged");
    assert_eq!(updated["Tags"], client["Tags"], "unchanged");

    let r = delete(&format!("{base}/{id}"), &fx.admin).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    get(&format!("{base}/{id}"), &fx.admin).await.not_found();
    delete(&format!("{base}/{id}"), &fx.admin).await.not_found();
    assert_eq!(get(&base, &fx.admin).await.total_count(), 0);
}

#[tokio::test]
async fn authorization_code_client_validation() {
    let fx = Fx::new().await;
    let base = fx.api("/AuthorizationCodeClients");
    let uri = "https://spa.example.com/cb";
    let eleven: Vec<String> = (0..11)
        .map(|n| format!("https://spa.example.com/cb{n}"))
        .collect();
    let eleven_origins: Vec<String> = (0..11)
        .map(|n| format!("https://o{n}.example.com"))
        .collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"Name": "spa"}), "RedirectUris"),
        (json!({"Name": "spa", "RedirectUris": []}), "RedirectUris"),
        (json!({"Name": "spa", "RedirectUris": null}), "RedirectUris"),
        (json!({"RedirectUris": [uri]}), "Name"),
        (
            json!({"Name": "spa", "RedirectUris": ["/relative"]}),
            "/relative",
        ),
        (
            json!({"Name": "spa", "RedirectUris": ["https://spa.example.com/cb#frag"]}),
            "fragment",
        ),
        (json!({"Name": "spa", "RedirectUris": eleven}), "10"),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "PostLogoutRedirectUris": eleven}),
            "10",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "AllowedCorsOrigins": eleven_origins}),
            "10",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "AllowedCorsOrigins": ["https://spa.example.com/app"]}),
            "https://spa.example.com/app",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "AllowedCorsOrigins": ["spa.example.com"]}),
            "spa.example.com",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "AccessTokenLifetime": 59}),
            "Token Lifetime must be between 60 and 3600 seconds.",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "Id": "spa-client"}),
            "spa-client",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "ClientUri": "ftp://x"}),
            "ClientUri",
        ),
        (
            json!({"Name": "spa", "RedirectUris": [uri], "AllowOfflineAccess": true}),
            "AllowOfflineAccess",
        ),
    ];
    for (body, reason) in cases {
        let r = post(&base, &fx.admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        let err = r.bad_request();
        assert!(
            err["Reason"].as_str().unwrap().contains(reason),
            "{body}: reason {} lacks {reason:?}",
            err["Reason"]
        );
    }
    let offline = post(
        &base,
        &fx.admin,
        json!({"Name": "spa", "RedirectUris": [uri], "AllowOfflineAccess": true}),
    )
    .await
    .bad_request()
    .clone();
    assert!(
        offline["Resolution"]
            .as_str()
            .unwrap()
            .contains("prompt=none"),
        "{offline}"
    );
    insta::assert_json_snapshot!(
        "authorization_code_allow_offline_access",
        redact(offline.clone())
    );
    assert_eq!(
        get(&base, &fx.admin).await.total_count(),
        0,
        "nothing created"
    );

    // Exactly ten are fine; PUT applies the same rules.
    let ten: Vec<String> = eleven[..10].to_vec();
    let r = post(
        &base,
        &fx.admin,
        json!({"Name": "spa", "RedirectUris": ten, "AllowedCorsOrigins": eleven_origins[..10]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["Id"].as_str().unwrap().to_owned();
    let url = format!("{base}/{id}");
    let before = get(&url, &fx.admin).await.body;
    put(&url, &fx.admin, json!({"AllowOfflineAccess": true}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"RedirectUris": []}))
        .await
        .bad_request();
    put(&url, &fx.admin, json!({"RedirectUris": eleven}))
        .await
        .bad_request();
    put(
        &url,
        &fx.admin,
        json!({"AllowedCorsOrigins": ["https://a.example.com/x"]}),
    )
    .await
    .bad_request();
    put(
        &url,
        &fx.admin,
        json!({"Id": fx.server.admin.admin_client_id}),
    )
    .await
    .bad_request();
    assert_eq!(get(&url, &fx.admin).await.body, before);
    let r = put(
        &url,
        &fx.admin,
        json!({"AllowOfflineAccess": false, "AllowedCorsOrigins": []}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["AllowedCorsOrigins"], json!([]));
}

#[tokio::test]
async fn hybrid_client_crud_with_administrator_only_secrets() {
    let fx = Fx::new().await;
    let base = fx.api("/HybridClients");
    let expiration = fx.at(86_400);
    let r = post(
        &base,
        &fx.admin,
        json!({
            "Name": "web",
            "RedirectUris": ["https://web.example.com/signin-oidc"],
            "PostLogoutRedirectUris": ["https://web.example.com/"],
            "AllowOfflineAccess": true,
            "SecretDescription": "initial",
            "SecretExpirationDate": expiration,
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let body = r.body.clone();
    assert_eq!(
        keys(&body),
        ["Secret", "Id", "Description", "ExpirationDate", "Client"]
    );
    assert_eq!(body["Id"], 1);
    assert_eq!(body["Description"], "initial");
    assert_eq!(body["ExpirationDate"], expiration.as_str());
    let value = body["Secret"].as_str().unwrap().to_owned();
    assert_secret_value(&value);
    let client = body["Client"].clone();
    assert_eq!(
        keys(&client),
        [
            "RedirectUris",
            "PostLogoutRedirectUris",
            "ClientUri",
            "LogoUri",
            "Id",
            "Name",
            "Enabled",
            "AccessTokenLifetime",
            "Tags",
            "AllowOfflineAccess",
            "AllowAccessTokensViaBrowser"
        ]
    );
    assert_eq!(client["AllowOfflineAccess"], true);
    assert_eq!(client["AllowAccessTokensViaBrowser"], false);
    assert_eq!(client["Enabled"], true);
    assert_eq!(client["AccessTokenLifetime"], 3600);
    let id = client["Id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("Location").unwrap(), format!("{base}/{id}"));
    assert_eq!(get(&format!("{base}/{id}"), &fx.admin).await.body, client);
    // A hybrid client cannot use the client_credentials grant, so no Self token exists.
    let Reply {
        status, body: err, ..
    } = fx.server.client_credentials(&id, &value).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("unauthorized_client"))
    );

    // Secrets: Tenant Administrator only.
    let secrets = format!("{base}/{id}/Secrets");
    let r = post(
        &secrets,
        &fx.admin,
        json!({"Expires": false, "Description": "two"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["Id"], 2);
    assert_eq!(r.header("Location").unwrap(), format!("{secrets}/2"));
    assert_eq!(
        r.header("Cache-Control"),
        Some("no-store"),
        "it carries a secret"
    );
    let list = get(&secrets, &fx.admin).await;
    assert_eq!(list.total_count(), 2);
    assert!(!list.text.contains(&value));
    assert_eq!(
        list.body[0],
        json!({"Expiration": expiration, "Expires": true, "Description": "initial", "Id": 1})
    );
    let r = put(
        &format!("{secrets}/2"),
        &fx.admin,
        json!({"Expiration": fx.at(60)}),
    )
    .await;
    assert_eq!((r.status, r.body["Expires"].clone()), (200, json!(true)));
    post(&secrets, &fx.admin, json!({"Expires": true}))
        .await
        .bad_request();

    let (_, member) = fx.member_token("member").await;
    assert_eq!(
        get(&base, &member).await.status,
        200,
        "TM reads hybrid clients"
    );
    assert_eq!(get(&format!("{base}/{id}"), &member).await.status, 200);
    get(&secrets, &member).await.forbidden();
    get(&format!("{secrets}/1"), &member).await.forbidden();
    post(&secrets, &member, json!({"Expires": false}))
        .await
        .forbidden();
    delete(&format!("{secrets}/1"), &member).await.forbidden();
    put(&format!("{base}/{id}"), &member, json!({"Name": "x"}))
        .await
        .forbidden();
    delete(&format!("{base}/{id}"), &member).await.forbidden();

    // Partial update.
    let r = put(
        &format!("{base}/{id}"),
        &fx.admin,
        json!({"AllowAccessTokensViaBrowser": true, "AllowOfflineAccess": null, "Name": null}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut expected = client.clone();
    expected["AllowAccessTokensViaBrowser"] = json!(true);
    assert_eq!(r.body, expected);
    put(
        &format!("{base}/{id}"),
        &fx.admin,
        json!({"RedirectUris": []}),
    )
    .await
    .bad_request();
    put(
        &format!("{base}/{id}"),
        &fx.admin,
        json!({"AccessTokenLifetime": 3601}),
    )
    .await
    .bad_request();

    let r = delete(&format!("{secrets}/1"), &fx.admin).await;
    assert_eq!(r.status, 204);
    let r = delete(&format!("{base}/{id}"), &fx.admin).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    get(&format!("{base}/{id}"), &fx.admin).await.not_found();
    get(&secrets, &fx.admin).await.not_found();
    assert_eq!(get(&base, &fx.admin).await.total_count(), 0);
}

#[tokio::test]
async fn hybrid_client_validation() {
    let fx = Fx::new().await;
    let base = fx.api("/HybridClients");
    let uri = "https://web.example.com/cb";
    for (body, reason) in [
        (json!({"Name": "web"}), "RedirectUris"),
        (json!({"RedirectUris": [uri]}), "Name"),
        (
            json!({"Name": "web", "RedirectUris": [uri], "SecretExpirationDate": fx.at(-1)}),
            "SecretExpirationDate",
        ),
        (
            json!({"Name": "web", "RedirectUris": [uri], "AccessTokenLifetime": 3601}),
            "Token Lifetime must be between 60 and 3600 seconds.",
        ),
        (
            json!({"Name": "web", "RedirectUris": [uri], "Id": "x"}),
            "'x'",
        ),
    ] {
        let r = post(&base, &fx.admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        let err = r.bad_request();
        assert!(
            err["Reason"].as_str().unwrap().contains(reason),
            "{body}: reason {} lacks {reason:?}",
            err["Reason"]
        );
    }
    assert_eq!(get(&base, &fx.admin).await.total_count(), 0);
    // A never-expiring initial secret, like for client-credentials clients.
    let r = post(
        &base,
        &fx.admin,
        json!({"Name": "web", "RedirectUris": [uri]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["ExpirationDate"], Value::Null);
    let id = r.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secret = get(&format!("{base}/{id}/Secrets/1"), &fx.admin).await.body;
    assert_eq!(
        (secret["Expires"].clone(), secret["Expiration"].clone()),
        (json!(false), Value::Null)
    );
}

#[tokio::test]
async fn all_client_kinds_share_one_id_space() {
    let fx = Fx::new().await;
    let id = "0ce0ce0c-1d5a-4ace-8e00-000000000001";
    fx.create_cc(json!({"Id": id, "Name": "cc", "RoleIds": [fx.member_role]}))
        .await;
    let uri = "https://web.example.com/cb";
    let hybrid = post(
        &fx.api("/HybridClients"),
        &fx.admin,
        json!({"Id": id, "Name": "h", "RedirectUris": [uri]}),
    )
    .await;
    hybrid.error_named(409, "Conflict");
    let ac = post(
        &fx.api("/AuthorizationCodeClients"),
        &fx.admin,
        json!({"Id": id.to_uppercase(), "Name": "a", "RedirectUris": [uri]}),
    )
    .await;
    ac.error_named(409, "Conflict");
    // And the other way round.
    let hid = "0ce0ce0c-1d5a-4ace-8e00-000000000002";
    let r = post(
        &fx.api("/HybridClients"),
        &fx.admin,
        json!({"Id": hid, "Name": "h", "RedirectUris": [uri]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    post(
        &fx.cc(""),
        &fx.admin,
        json!({"Id": hid, "Name": "cc", "RoleIds": [fx.member_role]}),
    )
    .await
    .error_named(409, "Conflict");
    // Each kind's routes only see their own clients.
    get(&fx.api(&format!("/HybridClients/{id}")), &fx.admin)
        .await
        .not_found();
    get(
        &fx.api(&format!("/AuthorizationCodeClients/{id}")),
        &fx.admin,
    )
    .await
    .not_found();
    get(
        &fx.api(&format!("/AuthorizationCodeClients/{hid}")),
        &fx.admin,
    )
    .await
    .not_found();
    get(&fx.api(&format!("/HybridClients/{id}/Secrets")), &fx.admin)
        .await
        .not_found();
    put(
        &fx.api(&format!("/HybridClients/{id}")),
        &fx.admin,
        json!({"Name": "x"}),
    )
    .await
    .not_found();
    assert_eq!(
        ids(&get(&fx.api("/HybridClients"), &fx.admin).await.body),
        [hid]
    );
    assert_eq!(
        get(&fx.api("/AuthorizationCodeClients"), &fx.admin)
            .await
            .total_count(),
        0
    );
    assert_eq!(fx.cc_total().await, 2);
    assert_eq!(
        get(&fx.cc(&format!("/{id}")), &fx.admin).await.body["Name"],
        "cc"
    );
}
