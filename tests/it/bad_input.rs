//! Bad input to the management API (SPEC §3, §8): never a 5xx, always an `ErrorResponse` whose
//! OperationId is the `request-id` header, and never a half-written row.

use crate::harness::{
    call, delete, get, head, http, redact, signed_token, Reply, TestServer, TENANT_ADMINISTRATOR,
    TENANT_MEMBER,
};
use reqwest::Method;
use serde_json::{json, Value};

/// The list endpoints whose contents must not change when a write is refused.
const LISTS: [&str; 5] = [
    "/Roles",
    "/Users",
    "/ClientCredentialClients",
    "/AuthorizationCodeClients",
    "/HybridClients",
];

/// A server with one item of every kind, to aim bad requests at.
struct Fixture {
    server: TestServer,
    admin: String,
    member_role: String,
    role: String,
    user: String,
    cc: String,
    ac: String,
    hybrid: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::spawn().await;
        let admin = server.admin_token().await;
        let member_role = server.role_id(TENANT_MEMBER).await;
        let post = |path: &str, body: Value| {
            let req = http()
                .post(server.api(path))
                .bearer_auth(&admin)
                .json(&body);
            async move {
                let r = call(req).await;
                assert_eq!(r.status, 201, "{}", r.text);
                r.body
            }
        };
        let role = post("/Roles", json!({"Name": "Custom"})).await["Id"].clone();
        let user = post(
            "/Users",
            json!({"Email": "u@example.com", "Password": "a long enough password"}),
        )
        .await["Id"]
            .clone();
        let cc = post(
            "/ClientCredentialClients",
            json!({"Name": "cc", "RoleIds": [member_role]}),
        )
        .await["Client"]["Id"]
            .clone();
        let ac = post(
            "/AuthorizationCodeClients",
            json!({"Name": "ac", "RedirectUris": ["https://app.example.com/cb"]}),
        )
        .await["Id"]
            .clone();
        let hybrid = post(
            "/HybridClients",
            json!({"Name": "hy", "RedirectUris": ["https://app.example.com/cb"]}),
        )
        .await["Client"]["Id"]
            .clone();
        let s = |v: Value| v.as_str().unwrap().to_owned();
        Fixture {
            member_role,
            role: s(role),
            user: s(user),
            cc: s(cc),
            ac: s(ac),
            hybrid: s(hybrid),
            server,
            admin,
        }
    }

    /// Everything the API shows: the tenant and every list with its Total-Count.
    async fn state(&self) -> Value {
        let mut state = serde_json::Map::new();
        let tenant = get(&self.server.api(""), &self.admin).await;
        state.insert("tenant".into(), tenant.body);
        for list in LISTS {
            let r = get(&self.server.api(list), &self.admin).await;
            assert_eq!(r.status, 200, "{list}: {}", r.text);
            state.insert(
                list.into(),
                json!({"total": r.total_count(), "items": r.body}),
            );
        }
        for path in [
            format!("/Users/{}/Roles", self.user),
            format!("/ClientCredentialClients/{}/Secrets", self.cc),
            format!("/HybridClients/{}/Secrets", self.hybrid),
        ] {
            let r = get(&self.server.api(&path), &self.admin).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            state.insert(path, r.body);
        }
        Value::Object(state)
    }

    /// A request with a raw body sent as JSON.
    async fn raw(&self, method: &Method, path: &str, body: impl Into<reqwest::Body>) -> Reply {
        call(
            http()
                .request(method.clone(), self.server.api(path))
                .bearer_auth(&self.admin)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    async fn send(&self, method: &Method, path: &str, body: &Value) -> Reply {
        self.raw(method, path, serde_json::to_vec(body).unwrap())
            .await
    }

    /// The write targets: (method, path) of every POST and PUT that takes a JSON object.
    fn object_writes(&self) -> Vec<(Method, String)> {
        vec![
            (Method::PUT, String::new()),
            (Method::POST, "/Roles".into()),
            (Method::PUT, format!("/Roles/{}", self.role)),
            (Method::POST, "/Users".into()),
            (Method::PUT, format!("/Users/{}", self.user)),
            (Method::POST, "/ClientCredentialClients".into()),
            (Method::PUT, format!("/ClientCredentialClients/{}", self.cc)),
            (Method::POST, "/AuthorizationCodeClients".into()),
            (
                Method::PUT,
                format!("/AuthorizationCodeClients/{}", self.ac),
            ),
            (Method::POST, "/HybridClients".into()),
            (Method::PUT, format!("/HybridClients/{}", self.hybrid)),
            (
                Method::POST,
                format!("/ClientCredentialClients/{}/Secrets", self.cc),
            ),
            (
                Method::PUT,
                format!("/ClientCredentialClients/{}/Secrets/1", self.cc),
            ),
        ]
    }

    /// The writes that take a `Role[]` array.
    fn array_writes(&self) -> Vec<(Method, String)> {
        vec![
            (Method::PUT, format!("/Users/{}/Roles", self.user)),
            (
                Method::PUT,
                format!("/ClientCredentialClients/{}/Roles", self.cc),
            ),
            (Method::PUT, format!("/Clients/{}/Roles", self.cc)),
        ]
    }
}

#[tokio::test]
async fn malformed_and_empty_bodies_are_400_and_write_nothing() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let bodies: [&[u8]; 14] = [
        b"{",
        b"{\"Name\": ",
        b"not json",
        b"{\"Name\": \"x\",}",
        b"{'Name': 'x'}",
        b"Name=x&Enabled=true",
        b"\"just a string\"",
        b"42",
        b"null",
        b"",
        b"  \n\t ",
        b"{\"Name\": \"\xff\xfe\"}",
        b"\xef\xbb\xbf{\"Name\": \"bom\"}",
        b"{\"Name\": \"x\"} {\"Name\": \"y\"}",
    ];
    for (method, path) in f.object_writes().into_iter().chain(f.array_writes()) {
        for body in bodies {
            let r = f.raw(&method, &path, body.to_vec()).await;
            assert_eq!(
                r.status,
                400,
                "{method} {path} {:?}: {}",
                String::from_utf8_lossy(body),
                r.text
            );
            r.error(400);
        }
    }
    // An array where an object is expected, and the other way round.
    for (method, path) in f.object_writes() {
        for body in [
            json!([]),
            json!([{"Name": "x", "RoleIds": [f.member_role]}]),
        ] {
            f.send(&method, &path, &body).await.error(400);
        }
        // Arrays as long as the body type has fields must not pass for the object either.
        for n in 1..=16 {
            let mut items = vec![Value::Null; n];
            items[1.min(n - 1)] = json!("Array");
            let r = f.send(&method, &path, &Value::Array(items)).await;
            assert_eq!(r.status, 400, "{method} {path} [{n} items]: {}", r.text);
            r.error(400);
        }
    }
    for (method, path) in f.array_writes() {
        for body in [
            json!({"Id": f.member_role}),
            json!({}),
            json!([f.member_role]),
            json!([[]]),
        ] {
            f.send(&method, &path, &body).await.error(400);
        }
    }
    assert_eq!(f.state().await, before);

    let r = f.raw(&Method::POST, "/Users", "{").await;
    insta::assert_json_snapshot!("malformed_json", redact(r.error(400).clone()));
    let r = f.raw(&Method::POST, "/Roles", "").await;
    insta::assert_json_snapshot!("empty_body", redact(r.error(400).clone()));
    let r = f
        .send(&Method::POST, "/ClientCredentialClients", &json!([]))
        .await;
    insta::assert_json_snapshot!("array_for_object", redact(r.error(400).clone()));
}

#[tokio::test]
async fn wrong_property_types_are_400_and_write_nothing() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let m = f.member_role.clone();
    let cc_bodies = [
        json!({"Name": 5, "RoleIds": [m]}),
        json!({"Name": ["a"], "RoleIds": [m]}),
        json!({"Name": {"a": 1}, "RoleIds": [m]}),
        json!({"Name": "x", "RoleIds": [m], "AccessTokenLifetime": "x"}),
        json!({"Name": "x", "RoleIds": [m], "AccessTokenLifetime": "3600"}),
        json!({"Name": "x", "RoleIds": [m], "Enabled": "yes"}),
        json!({"Name": "x", "RoleIds": [m], "Enabled": 1}),
        json!({"Name": "x", "RoleIds": "abc"}),
        json!({"Name": "x", "RoleIds": m}),
        json!({"Name": "x", "RoleIds": [1]}),
        json!({"Name": "x", "RoleIds": [m], "Tags": "t"}),
        json!({"Name": "x", "RoleIds": [m], "Tags": [true]}),
        json!({"Name": "x", "RoleIds": [m], "Id": 123}),
        json!({"Name": "x", "RoleIds": [m], "SecretExpirationDate": 12}),
        json!({"Name": "x", "RoleIds": [m], "SecretDescription": false}),
    ];
    for body in &cc_bodies {
        f.send(&Method::POST, "/ClientCredentialClients", body)
            .await
            .error(400);
        f.send(
            &Method::PUT,
            &format!("/ClientCredentialClients/{}", f.cc),
            body,
        )
        .await
        .error(400);
    }
    let ac = json!(["https://app.example.com/cb"]);
    for (path, body) in [
        (
            "/AuthorizationCodeClients",
            json!({"Name": "a", "RedirectUris": "https://app.example.com/cb"}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "a", "RedirectUris": [5]}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "a", "RedirectUris": ac, "AllowedCorsOrigins": "https://x.example"}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "a", "RedirectUris": ac, "ClientUri": 1}),
        ),
        (
            "/HybridClients",
            json!({"Name": "h", "RedirectUris": ac, "AllowOfflineAccess": "true"}),
        ),
        (
            "/HybridClients",
            json!({"Name": "h", "RedirectUris": ac, "AllowAccessTokensViaBrowser": 0}),
        ),
        ("/Roles", json!({"Name": true})),
        ("/Roles", json!({"Name": "r", "Description": 7})),
        (
            "/Users",
            json!({"Email": 5, "Password": "a long enough password"}),
        ),
        (
            "/Users",
            json!({"Email": "t@example.com", "Password": 123456789012345_i64}),
        ),
        (
            "/Users",
            json!({"Email": "t@example.com", "Password": "a long enough password", "RoleIds": "abc"}),
        ),
        (
            "/Users",
            json!({"Email": "t@example.com", "Password": "a long enough password", "GivenName": ["x"]}),
        ),
        (
            "/Users",
            json!({"Email": "t@example.com", "Password": "a long enough password", "IdentityProviderId": 10}),
        ),
    ] {
        f.send(&Method::POST, path, &body).await.error(400);
    }
    for (path, body) in [
        (String::new(), json!({"CompanyName": 5})),
        (String::new(), json!({"Alias": ["a"]})),
        (format!("/Roles/{}", f.role), json!({"Name": 1})),
        (
            format!("/Users/{}", f.user),
            json!({"Password": 1234567890123_i64}),
        ),
        (format!("/Users/{}", f.user), json!({"RoleIds": "abc"})),
        (format!("/Users/{}/Roles", f.user), json!([{"Id": 5}])),
        (format!("/Users/{}/Roles", f.user), json!([{"Id": [m]}])),
        (
            format!("/ClientCredentialClients/{}/Roles", f.cc),
            json!([{"Id": true}]),
        ),
        (
            format!("/ClientCredentialClients/{}/Secrets/1", f.cc),
            json!({"Expires": "no"}),
        ),
        (
            format!("/ClientCredentialClients/{}/Secrets", f.cc),
            json!({"Expiration": 5}),
        ),
    ] {
        f.send(&put_or_post(&path), &path, &body).await.error(400);
    }
    assert_eq!(f.state().await, before);

    let r = f
        .send(
            &Method::POST,
            "/ClientCredentialClients",
            &json!({"Name": 5, "RoleIds": [m]}),
        )
        .await;
    insta::assert_json_snapshot!("wrong_type_name", redact(r.error(400).clone()));
    let r = f
        .send(
            &Method::POST,
            "/ClientCredentialClients",
            &json!({"Name": "x", "RoleIds": "abc"}),
        )
        .await;
    insta::assert_json_snapshot!("wrong_type_role_ids", redact(r.error(400).clone()));
}

/// POST for collection paths (`.../Secrets`), PUT for everything else.
fn put_or_post(path: &str) -> Method {
    if path.ends_with("/Secrets") {
        Method::POST
    } else {
        Method::PUT
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_400_naming_the_limit() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let big = "x".repeat(70 * 1024);
    for (method, path) in f.object_writes() {
        let body = json!({"Name": "big", "Description": big, "RoleIds": [f.member_role]});
        let r = f.send(&method, &path, &body).await;
        let err = r.error(400);
        assert!(
            err["Reason"].as_str().unwrap().contains("65536"),
            "{method} {path}: {}",
            r.text
        );
    }
    // Garbage counts too: the limit is on bytes, before any parsing.
    let r = f.raw(&Method::POST, "/Roles", vec![b'['; 100 * 1024]).await;
    let err = r.error(400).clone();
    insta::assert_json_snapshot!("body_too_large", redact(err));
    // Just under the limit is read (and then judged on its content: Description is too long).
    let under = json!({"Name": "under", "Description": "y".repeat(60 * 1024)});
    let r = f.send(&Method::POST, "/Roles", &under).await;
    let err = r.error(400);
    assert!(
        err["Reason"].as_str().unwrap().contains("2000"),
        "{}",
        r.text
    );
    assert_eq!(f.state().await, before);
}

#[tokio::test]
async fn invalid_ids_in_every_path_position_are_400() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let bad_ids = [
        "not-a-guid",
        "12345",
        "00000000-0000-0000-0000-00000000000g",
        "00000000-0000-0000-0000-0000000000000",
        "%FF%FE",
        "%00",
        "caf%C3%A9",
        "a%2Fb",
    ];
    let long = "z".repeat(300);
    let body = json!({"Name": "x"});
    for bad in bad_ids.iter().copied().chain([long.as_str()]) {
        let tenant = format!("/api/v1/Tenants/{bad}");
        let (role, user, cc, ac, hy) = (&f.role, &f.user, &f.cc, &f.ac, &f.hybrid);
        let cases: Vec<(Method, String)> = vec![
            // Tenant position.
            (Method::GET, tenant.clone()),
            (Method::PUT, tenant.clone()),
            (Method::GET, format!("{tenant}/Roles")),
            (Method::POST, format!("{tenant}/Users")),
            (Method::GET, format!("{tenant}/Users/{user}")),
            (
                Method::GET,
                format!("{tenant}/ClientCredentialClients/{cc}/Secrets"),
            ),
            // Client position.
            (
                Method::GET,
                f.path(&format!("/ClientCredentialClients/{bad}")),
            ),
            (
                Method::PUT,
                f.path(&format!("/ClientCredentialClients/{bad}")),
            ),
            (
                Method::DELETE,
                f.path(&format!("/ClientCredentialClients/{bad}")),
            ),
            (
                Method::GET,
                f.path(&format!("/ClientCredentialClients/{bad}/Secrets")),
            ),
            (
                Method::POST,
                f.path(&format!("/ClientCredentialClients/{bad}/Secrets")),
            ),
            (
                Method::DELETE,
                f.path(&format!("/ClientCredentialClients/{bad}/Secrets/1")),
            ),
            (
                Method::GET,
                f.path(&format!("/ClientCredentialClients/{bad}/Roles")),
            ),
            (Method::PUT, f.path(&format!("/Clients/{bad}/Roles"))),
            (
                Method::GET,
                f.path(&format!("/AuthorizationCodeClients/{bad}")),
            ),
            (
                Method::DELETE,
                f.path(&format!("/AuthorizationCodeClients/{bad}")),
            ),
            (Method::GET, f.path(&format!("/HybridClients/{bad}"))),
            (
                Method::PUT,
                f.path(&format!("/HybridClients/{bad}/Secrets/1")),
            ),
            // Role position.
            (Method::GET, f.path(&format!("/Roles/{bad}"))),
            (Method::PUT, f.path(&format!("/Roles/{bad}"))),
            (Method::DELETE, f.path(&format!("/Roles/{bad}"))),
            (Method::GET, f.path(&format!("/Roles/{bad}/users"))),
            (
                Method::GET,
                f.path(&format!("/Roles/{bad}/clientcredentialclients")),
            ),
            // User position.
            (Method::GET, f.path(&format!("/Users/{bad}"))),
            (Method::PUT, f.path(&format!("/Users/{bad}"))),
            (Method::DELETE, f.path(&format!("/Users/{bad}"))),
            (Method::GET, f.path(&format!("/Users/{bad}/Roles"))),
            (Method::PUT, f.path(&format!("/Users/{bad}/Roles"))),
        ];
        let mut cases = cases;
        // Secret position (an integer; "12345" is a valid one there).
        if bad.parse::<i64>().is_err() {
            cases.push((
                Method::GET,
                f.path(&format!("/ClientCredentialClients/{cc}/Secrets/{bad}")),
            ));
            cases.push((
                Method::DELETE,
                f.path(&format!("/HybridClients/{hy}/Secrets/{bad}")),
            ));
        }
        // Valid ids elsewhere in the path do not hide the bad one.
        cases.push((Method::GET, f.path(&format!("/Roles/{bad}/users?x={role}"))));
        cases.push((
            Method::PUT,
            f.path(&format!("/AuthorizationCodeClients/{bad}?id={ac}")),
        ));
        for (method, path) in cases {
            let array = path.ends_with("/Roles") && method == Method::PUT;
            let r = call(
                http()
                    .request(method.clone(), f.server.url(&path))
                    .bearer_auth(&f.admin)
                    .json(&if array {
                        json!([{"Id": f.member_role}])
                    } else {
                        body.clone()
                    }),
            )
            .await;
            r.error(400);
            assert!(
                r.body["Reason"].as_str().unwrap().contains("not a"),
                "{method} {path}: {}",
                r.text
            );
        }
    }
    // HEAD: the same status, no body.
    let r = head(&f.server.url(&f.path("/Users/not-a-guid")), &f.admin).await;
    assert_eq!((r.status, r.text.as_str()), (400, ""));
    assert_eq!(f.state().await, before);

    for (name, path) in [
        (
            "bad_tenant_id",
            "/api/v1/Tenants/not-a-guid/Users".to_owned(),
        ),
        (
            "bad_client_id",
            f.path("/ClientCredentialClients/not-a-guid"),
        ),
        ("bad_role_id", f.path("/Roles/not-a-guid")),
        ("bad_user_id", f.path("/Users/not-a-guid")),
        (
            "bad_secret_id",
            f.path(&format!("/ClientCredentialClients/{}/Secrets/one", f.cc)),
        ),
    ] {
        let r = get(&f.server.url(&path), &f.admin).await;
        insta::assert_json_snapshot!(name, redact(r.error(400).clone()));
    }
}

impl Fixture {
    /// A path below the fixture's tenant (without the host).
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/Tenants/{}{rest}", self.server.admin.tenant_id)
    }
}

#[tokio::test]
async fn invalid_query_values_are_400() {
    let f = Fixture::new().await;
    let bad = [
        "count=abc",
        "count=",
        "count=1.5",
        "count=0",
        "count=-1",
        "count=1001",
        "skip=x",
        "skip=-1",
        "skip=99999999999999999999",
        "skip=9223372036854775807",
        "skip=2147483648",
        "count=99999999999999999999",
        "skip=1&count=abc",
    ];
    let good = [
        "count=1000",
        "count=1",
        "skip=0",
        "skip=2147483647",
        "query=Name:foo*",
        "unknown=1",
        "tag=",
        "id=",
        "roleTypeId=",
        "COUNT=5&Skip=0",
    ];
    for list in LISTS {
        for q in bad {
            let url = f.server.api(&format!("{list}?{q}"));
            let r = get(&url, &f.admin).await;
            r.error(400);
            let r = head(&url, &f.admin).await;
            assert_eq!((r.status, r.text.as_str()), (400, ""), "HEAD {url}");
        }
        for q in good {
            let url = f.server.api(&format!("{list}?{q}"));
            let r = get(&url, &f.admin).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
            assert!(r.body.is_array());
        }
    }
    // Secrets lists page too.
    let url = f.path(&format!(
        "/ClientCredentialClients/{}/Secrets?count=abc",
        f.cc
    ));
    get(&f.server.url(&url), &f.admin).await.error(400);
    // A skip beyond the end is an empty page, with the true Total-Count.
    let r = get(&f.server.api("/Users?skip=2147483647"), &f.admin).await;
    assert_eq!((r.body.clone(), r.total_count()), (json!([]), 2));

    let r = get(&f.server.api("/Users?count=abc"), &f.admin).await;
    insta::assert_json_snapshot!("count_not_a_number", redact(r.error(400).clone()));
    let r = get(&f.server.api("/Users?count=1001"), &f.admin).await;
    insta::assert_json_snapshot!("count_too_large", redact(r.error(400).clone()));
}

#[tokio::test]
async fn unknown_properties_are_ignored() {
    let f = Fixture::new().await;
    let extra = json!({"Bogus": 1, "nested": {"a": [1, {"b": null}]}, "name": 5, "Secret": "mine"});
    let with = |mut v: Value| {
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let m = f.member_role.clone();
    for (path, body) in [
        ("/Roles", json!({"Name": "Extra role"})),
        (
            "/Users",
            json!({"Email": "extra@example.com", "Password": "a long enough password"}),
        ),
        (
            "/ClientCredentialClients",
            json!({"Name": "extra", "RoleIds": [m]}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "extra", "RedirectUris": ["https://a.example/cb"], "SecretDescription": "not for this kind"}),
        ),
        (
            "/HybridClients",
            json!({"Name": "extra", "RedirectUris": ["https://a.example/cb"], "AllowedCorsOrigins": ["https://a.example"]}),
        ),
    ] {
        let r = f.send(&Method::POST, path, &with(body)).await;
        assert_eq!(r.status, 201, "{path}: {}", r.text);
        assert!(r.body.get("Bogus").is_none());
        if path == "/ClientCredentialClients" {
            assert_ne!(r.body["Secret"], "mine", "the server generates secrets");
        }
    }
    for (path, body) in [
        (String::new(), json!({"Alias": "extra"})),
        (
            format!("/Roles/{}", f.role),
            json!({"Description": "extra"}),
        ),
        (format!("/Users/{}", f.user), json!({"GivenName": "Extra"})),
        (
            format!("/ClientCredentialClients/{}", f.cc),
            json!({"Enabled": false}),
        ),
    ] {
        let r = f.send(&Method::PUT, &path, &with(body)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let r = f
        .send(
            &Method::PUT,
            &format!("/Users/{}/Roles", f.user),
            &json!([{"Id": m, "Name": "whatever", "Bogus": [1]}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn extreme_numbers_are_400_and_write_nothing() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let m = f.member_role.clone();
    let numbers = [
        "1e20",
        "-1",
        "0",
        "59",
        "3601",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "1e2",
        "3600.0",
        "NaN",
        "Infinity",
        "1e400",
    ];
    for n in numbers {
        let body = format!(
            r#"{{"Name": "n", "RoleIds": ["{m}"], "RedirectUris": ["https://a.example/cb"], "AccessTokenLifetime": {n}}}"#
        );
        for path in [
            "/ClientCredentialClients".to_owned(),
            "/AuthorizationCodeClients".to_owned(),
            "/HybridClients".to_owned(),
        ] {
            let r = f.raw(&Method::POST, &path, body.clone()).await;
            r.error(400);
        }
        for path in [
            format!("/ClientCredentialClients/{}", f.cc),
            format!("/HybridClients/{}", f.hybrid),
        ] {
            let r = f
                .raw(
                    &Method::PUT,
                    &path,
                    format!(r#"{{"AccessTokenLifetime": {n}}}"#),
                )
                .await;
            r.error(400);
        }
    }
    // Secret ids beyond i64, negative or zero.
    for id in ["99999999999999999999", "-1", "0", "1e3"] {
        let r = get(
            &f.server
                .api(&format!("/ClientCredentialClients/{}/Secrets/{id}", f.cc)),
            &f.admin,
        )
        .await;
        assert!(r.status == 400 || r.status == 404, "{id}: {}", r.text);
        r.error(r.status);
    }
    assert_eq!(f.state().await, before);

    let r = f
        .raw(
            &Method::POST,
            "/ClientCredentialClients",
            format!(r#"{{"Name": "n", "RoleIds": ["{m}"], "AccessTokenLifetime": 1e20}}"#),
        )
        .await;
    insta::assert_json_snapshot!("lifetime_1e20", redact(r.error(400).clone()));
    let r = f
        .send(
            &Method::POST,
            "/ClientCredentialClients",
            &json!({"Name": "n", "RoleIds": [m], "AccessTokenLifetime": -1}),
        )
        .await;
    insta::assert_json_snapshot!("lifetime_negative", redact(r.error(400).clone()));

    // The bounds themselves are fine.
    for n in [60, 3600] {
        let r = f
            .send(
                &Method::POST,
                "/ClientCredentialClients",
                &json!({"Name": format!("life {n}"), "RoleIds": [m], "AccessTokenLifetime": n}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["Client"]["AccessTokenLifetime"], n);
    }
}

#[tokio::test]
async fn long_texts_are_refused_and_unicode_is_kept() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let m = f.member_role.clone();
    let too_long = "n".repeat(2001);
    let too_long_wide = "名".repeat(2001);
    for name in [&too_long, &too_long_wide] {
        for (path, body) in [
            ("/Roles", json!({"Name": name})),
            ("/Roles", json!({"Name": "ok", "Description": name})),
            (
                "/ClientCredentialClients",
                json!({"Name": name, "RoleIds": [m]}),
            ),
            (
                "/ClientCredentialClients",
                json!({"Name": "ok", "RoleIds": [m], "Tags": [name]}),
            ),
            (
                "/ClientCredentialClients",
                json!({"Name": "ok", "RoleIds": [m], "SecretDescription": name}),
            ),
            (
                "/AuthorizationCodeClients",
                json!({"Name": name, "RedirectUris": ["https://a.example/cb"]}),
            ),
            (
                "/Users",
                json!({"Email": "long@example.com", "Password": "a long enough password", "GivenName": name}),
            ),
            (
                "/Users",
                json!({"Email": format!("{name}@example.com"), "Password": "a long enough password"}),
            ),
        ] {
            let r = f.send(&Method::POST, path, &body).await;
            let err = r.error(400);
            assert!(
                err["Reason"].as_str().unwrap().contains("2000"),
                "{path}: {}",
                r.text
            );
        }
        for path in [String::new(), format!("/Roles/{}", f.role)] {
            let r = f
                .send(
                    &Method::PUT,
                    &path,
                    &json!({"CompanyName": name, "Name": name}),
                )
                .await;
            r.error(400);
        }
    }
    // Blank required names.
    for name in ["", "   ", "\t\n"] {
        f.send(&Method::POST, "/Roles", &json!({"Name": name}))
            .await
            .error(400);
        f.send(
            &Method::POST,
            "/ClientCredentialClients",
            &json!({"Name": name, "RoleIds": [m]}),
        )
        .await
        .error(400);
    }
    // A lone surrogate is not valid JSON text.
    f.raw(&Method::POST, "/Roles", r#"{"Name": "\ud800"}"#)
        .await
        .error(400);
    assert_eq!(f.state().await, before);
    let r = f
        .send(&Method::POST, "/Roles", &json!({"Name": too_long}))
        .await;
    insta::assert_json_snapshot!("name_too_long", redact(r.error(400).clone()));

    // 2000 characters (6000 bytes) are accepted; unicode round-trips exactly.
    let max_wide = "語".repeat(2000);
    let r = f
        .send(&Method::POST, "/Roles", &json!({"Name": max_wide}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["Name"], max_wide.as_str());
    let fancy = "Ünïcødé 名前 🚀 עברית Ελληνικά";
    let r = f
        .send(
            &Method::POST,
            "/ClientCredentialClients",
            &json!({"Name": fancy, "RoleIds": [m], "Tags": ["タグ"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["Client"]["Id"].as_str().unwrap().to_owned();
    let r = get(
        &f.server.api(&format!("/ClientCredentialClients/{id}")),
        &f.admin,
    )
    .await;
    assert_eq!(r.body["Name"], fancy);
    assert_eq!(r.body["Tags"], json!(["タグ"]));
    let r = f
        .send(
            &Method::POST,
            "/Users",
            &json!({"Email": "名前@例え.jp", "Password": "パスワードは十分に長いです", "GivenName": fancy}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["GivenName"], fancy);
    assert_eq!(r.body["Email"], "名前@例え.jp");
    let r = f
        .send(&Method::PUT, "", &json!({"CompanyName": fancy}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["CompanyName"], fancy);
    // Control characters never cause a 5xx.
    let r = f
        .send(&Method::POST, "/Roles", &json!({"Name": "nul\u{0}inside"}))
        .await;
    assert!(r.status < 500, "{}", r.text);
    if r.status != 201 {
        r.error(400);
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let f = Fixture::new().await;
    for path in [
        "/Nope".to_owned(),
        format!("/Users/{}/Nope", f.user),
        format!("/Users/{}/Roles/extra", f.user),
        format!("/Roles/{}/Nope", f.role),
        format!("/ClientCredentialClients/{}/Nope", f.cc),
        format!("/AuthorizationCodeClients/{}/Secrets", f.ac),
        format!("/AuthorizationCodeClients/{}/Roles", f.ac),
        format!("/HybridClients/{}/Roles", f.hybrid),
        format!("/Clients/{}", f.cc),
        // OCS has communities; Portcullis does not (invitations, once an example here, exist now).
        "/Communities".to_owned(),
    ] {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let r = call(
                http()
                    .request(method.clone(), f.server.api(&path))
                    .bearer_auth(&f.admin),
            )
            .await;
            assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
            assert!(r.body.is_object(), "{method} {path}: no ErrorResponse");
            r.error(404);
        }
    }
    let r = get(&f.server.api("/Nope"), &f.admin).await;
    insta::assert_json_snapshot!("unknown_path", redact(r.error(404).clone()));

    let before = f.state().await;
    for (method, path) in [
        (Method::POST, String::new()),
        (Method::DELETE, String::new()),
        (Method::PATCH, String::new()),
        (Method::DELETE, "/Users".to_owned()),
        (Method::PUT, "/Users".to_owned()),
        (Method::PATCH, format!("/Users/{}", f.user)),
        (Method::POST, format!("/Users/{}", f.user)),
        (Method::POST, format!("/Users/{}/Roles", f.user)),
        (Method::DELETE, format!("/Users/{}/Roles", f.user)),
        (Method::DELETE, "/Roles".to_owned()),
        (Method::POST, format!("/Roles/{}", f.role)),
        (Method::POST, format!("/Roles/{}/users", f.role)),
        (
            Method::DELETE,
            format!("/Roles/{}/clientcredentialclients", f.role),
        ),
        (Method::PUT, "/ClientCredentialClients".to_owned()),
        (Method::POST, format!("/ClientCredentialClients/{}", f.cc)),
        (Method::DELETE, format!("/Clients/{}/Roles", f.cc)),
        (
            Method::PATCH,
            format!("/HybridClients/{}/Secrets/1", f.hybrid),
        ),
    ] {
        let r = call(
            http()
                .request(method.clone(), f.server.api(&path))
                .bearer_auth(&f.admin)
                .json(&json!({"Name": "x"})),
        )
        .await;
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text);
        assert!(r.body.is_object(), "{method} {path}: no ErrorResponse");
        r.error(405);
    }
    assert_eq!(f.state().await, before);
    let r = delete(&f.server.api("/Users"), &f.admin).await;
    insta::assert_json_snapshot!("method_not_allowed", redact(r.error(405).clone()));
}

#[tokio::test]
async fn missing_or_bad_tokens_are_401_error_responses() {
    let f = Fixture::new().await;
    let url = f.server.api("/Users");
    let expired = signed_token(
        &f.server,
        &f.server.admin.tenant_id,
        &[TENANT_MEMBER.role_type_id()],
        None,
    );
    f.server.clock().advance(601);
    for auth in [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some("Bearer garbage".to_owned()),
        Some("Bearer a.b.c".to_owned()),
        Some(format!("Basic {}", "YTpi")),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {}x", &f.admin[..f.admin.len() - 1])),
    ] {
        let mut req = http().get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let r = call(req).await;
        r.error(401);
        assert!(
            r.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{auth:?}"
        );
    }
    // A write without a token writes nothing.
    let r = call(
        http()
            .post(f.server.api("/Roles"))
            .json(&json!({"Name": "anonymous"})),
    )
    .await;
    r.error(401);
    insta::assert_json_snapshot!("no_token", redact(r.body.clone()));
    let r = get(&f.server.api("/Roles?roleTypeId=x"), &f.admin).await;
    assert_eq!(r.total_count(), 0);
    let r = get(&f.server.api("/Roles"), &f.admin).await;
    assert_eq!(r.total_count(), 6);
}

#[tokio::test]
async fn refused_creates_never_leave_half_written_rows() {
    let f = Fixture::new().await;
    let before = f.state().await;
    let m = f.member_role.clone();
    let past = portcullis::domain::time::format_time(f.server.clock().now() - 60);
    let cases = [
        // The client row would be valid; its secret is not.
        (
            "/ClientCredentialClients",
            json!({"Name": "half", "RoleIds": [m], "SecretExpirationDate": past}),
        ),
        (
            "/ClientCredentialClients",
            json!({"Name": "half", "RoleIds": [m], "SecretExpirationDate": "tomorrow"}),
        ),
        (
            "/HybridClients",
            json!({"Name": "half", "RedirectUris": ["https://a.example/cb"], "SecretExpirationDate": past}),
        ),
        // Taken ids (the client id is taken by another kind).
        (
            "/ClientCredentialClients",
            json!({"Id": f.ac, "Name": "half", "RoleIds": [m]}),
        ),
        (
            "/HybridClients",
            json!({"Id": f.cc.to_uppercase(), "Name": "half", "RedirectUris": ["https://a.example/cb"]}),
        ),
        (
            "/Users",
            json!({"Id": f.user, "Email": "half@example.com", "Password": "a long enough password"}),
        ),
        ("/Roles", json!({"Id": f.role, "Name": "Half"})),
        // One bad value among good ones.
        (
            "/HybridClients",
            json!({"Name": "half", "RedirectUris": ["https://a.example/cb", "not a url"]}),
        ),
        (
            "/HybridClients",
            json!({"Name": "half", "RedirectUris": ["https://a.example/cb#frag"]}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "half", "RedirectUris": ["https://a.example/cb"], "AllowedCorsOrigins": ["https://ok.example", "https://bad.example/path"]}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "half", "RedirectUris": []}),
        ),
        (
            "/AuthorizationCodeClients",
            json!({"Name": "half", "RedirectUris": ["https://a.example/cb"], "AllowOfflineAccess": true}),
        ),
        (
            "/ClientCredentialClients",
            json!({"Name": "half", "RoleIds": [m, TENANT_ADMINISTRATOR.role_type_id()]}),
        ),
        (
            "/ClientCredentialClients",
            json!({"Name": "half", "RoleIds": [m], "Tags": ["ok", " "]}),
        ),
        ("/ClientCredentialClients", json!({"Name": "half"})),
        (
            "/Users",
            json!({"Email": "half@example.com", "Password": "a long enough password", "RoleIds": [m, f.role, "nope"]}),
        ),
    ];
    for (path, body) in cases {
        let r = f.send(&Method::POST, path, &body).await;
        assert!(
            r.status == 400 || r.status == 409,
            "{path} {body}: {}",
            r.text
        );
        r.error(r.status);
        assert_eq!(f.state().await, before, "{path} {body} left a trace");
    }
    // Eleven redirect URIs: over the limit of ten, named in the reason.
    let uris: Vec<String> = (0..11)
        .map(|i| format!("https://a.example/cb{i}"))
        .collect();
    let r = f
        .send(
            &Method::POST,
            "/HybridClients",
            &json!({"Name": "many", "RedirectUris": uris}),
        )
        .await;
    assert!(
        r.error(400)["Reason"].as_str().unwrap().contains("10"),
        "{}",
        r.text
    );
    assert_eq!(f.state().await, before);
}
