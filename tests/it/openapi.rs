//! The management API description (SPEC §13.3): served publicly as OpenAPI 3.1, and describing
//! exactly the operations the router serves — compared with `api::route_table()` (built by the code
//! that registers the routes) and by calling every documented operation — with schemas whose
//! properties are the ones the API really returns.

use crate::harness::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const DOC: &str = "/api/v1/openapi.json";

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "head", "post", "put", "delete", "patch", "options", "trace",
];

/// A path pattern with its case and parameter names taken out: `/api/v1/tenants/{}/roles/{}`.
fn normalized(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

async fn document(server: &TestServer) -> Value {
    let r = call(http().get(server.url(DOC))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Every (method, path template) the document describes.
fn documented(doc: &Value) -> Vec<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = Vec::new();
    for (path, item) in paths {
        for m in METHODS {
            if item.get(m).is_some() {
                out.push((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The names of a schema's properties, following `$ref` and `allOf`.
fn properties(doc: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a schema ref");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut out: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, part));
    }
    out
}

fn schema_properties(doc: &Value, name: &str) -> BTreeSet<String> {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    properties(doc, schema)
}

fn keys_of(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("$ref", Value::String(s)) => out.push(s),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_description_is_public_cacheable_openapi_3_1_with_the_bearer_scheme() {
    let server = TestServer::spawn().await;
    let r = call(http().get(server.url(DOC))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let cache = r.header("cache-control").unwrap_or_default();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let doc = &r.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], json!(server.base));
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    assert_eq!(
        schema_properties(doc, "ErrorResponse"),
        [
            "OperationId",
            "Error",
            "Reason",
            "Resolution",
            "DynamicProperties"
        ]
        .map(String::from)
        .into()
    );
    // Every operation lists the ErrorResponse answers, and every reference resolves.
    for (method, path) in documented(doc) {
        let op = &doc["paths"][&path][method.to_ascii_lowercase()];
        for status in ["400", "401", "403", "404"] {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path}: no {status}"
            );
        }
    }
    let mut all = Vec::new();
    refs(doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let mut target = doc;
        for part in r.strip_prefix("#/").expect("a local ref").split('/') {
            target = &target[part];
        }
        assert!(target.is_object(), "dangling reference {r}");
    }
    // Also by path segments in another case, and HEAD.
    let head = call(http().head(server.url("/API/v1/OpenAPI.json"))).await;
    assert_eq!(head.status, 200);
    assert!(head.text.is_empty());
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let server = TestServer::spawn().await;
    let doc = document(&server).await;
    let in_doc: BTreeSet<(String, String)> = documented(&doc)
        .into_iter()
        .map(|(m, p)| (m, normalized(&p)))
        .collect();
    let routed: BTreeSet<(String, String)> = portcullis::http::api::route_table()
        .into_iter()
        .map(|e| (e.method.to_owned(), normalized(&e.path)))
        .collect();
    assert!(routed.len() > 40, "the route table looks empty: {routed:?}");
    let undocumented: Vec<_> = routed.difference(&in_doc).collect();
    let unrouted: Vec<_> = in_doc.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routed but not documented: {undocumented:#?}\ndocumented but not routed: {unrouted:#?}"
    );
}

/// A request path for a documented template: the real tenant, well-formed other ids.
fn concrete(server: &TestServer, template: &str) -> String {
    let path = template
        .replace("{tenantId}", &server.admin.tenant_id)
        .replace("{secretId}", "1");
    let mut out = String::new();
    let mut rest = path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("closed parameter") + start;
        out.push_str(&rest[..start]);
        out.push_str("5b0a6c2e-8d5f-4c1a-9a43-2f7d9e1b6c01");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    server.url(&out)
}

/// Asks the live router rather than the table: each documented operation reaches a handler (401
/// without a token: an unrouted one would be 404 or 405), and each other method is a 405.
#[tokio::test]
async fn every_documented_operation_reaches_a_handler_and_no_other_method_does() {
    let server = TestServer::spawn().await;
    let doc = document(&server).await;
    let ops = documented(&doc);
    assert!(ops.len() > 40);
    for (method, path) in &ops {
        let url = concrete(&server, path);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = call(http().request(m, &url)).await;
        assert_eq!(r.status, 401, "{method} {path} ({url}): {}", r.text);
    }
    let paths: BTreeSet<&String> = ops.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] {
            if ops.iter().any(|(m, p)| m == method && p == path) {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = call(http().request(m, concrete(&server, path))).await;
            assert_eq!(
                r.status, 405,
                "{method} {path} is routed but not documented"
            );
        }
    }
}

/// The schemas are the handlers' own types: their properties are exactly what the API returns.
#[tokio::test]
async fn the_schemas_have_the_properties_the_api_returns() {
    let server = TestServer::spawn().await;
    let doc = document(&server).await;
    let admin = server.admin_token().await;
    let member = server.role_id(TENANT_MEMBER).await;
    let same = |name: &str, v: &Value| {
        assert_eq!(
            schema_properties(&doc, name),
            keys_of(v),
            "schema {name} vs {v}"
        );
    };

    let cc = post(
        &server.api("/ClientCredentialClients"),
        &admin,
        json!({"Name": "doc", "RoleIds": [member]}),
    )
    .await;
    assert_eq!(cc.status, 201, "{}", cc.text);
    same("ClientCreateResponse", &cc.body);
    same("ClientCredentialClient", &cc.body["Client"]);
    let id = cc.body["Client"]["Id"].as_str().unwrap().to_owned();
    let secrets = get(
        &server.api(&format!("/ClientCredentialClients/{id}/Secrets")),
        &admin,
    )
    .await;
    same("ClientSecret", &secrets.body[0]);
    let added = post(
        &server.api(&format!("/ClientCredentialClients/{id}/Secrets")),
        &admin,
        json!({"Description": "second", "Expires": false}),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text);
    same("ClientSecretResponse", &added.body);

    let redirect = json!(["https://app.example/cb"]);
    let ac = post(
        &server.api("/AuthorizationCodeClients"),
        &admin,
        json!({"Name": "spa", "RedirectUris": redirect}),
    )
    .await;
    assert_eq!(ac.status, 201, "{}", ac.text);
    same("AuthorizationCodeClient", &ac.body);
    let hybrid = post(
        &server.api("/HybridClients"),
        &admin,
        json!({"Name": "web", "RedirectUris": redirect}),
    )
    .await;
    assert_eq!(hybrid.status, 201, "{}", hybrid.text);
    same("HybridClient", &hybrid.body["Client"]);

    same("Tenant", &get(&server.api(""), &admin).await.body);
    same("Role", &get(&server.api("/Roles"), &admin).await.body[0]);
    same("User", &get(&server.api("/Users"), &admin).await.body[0]);

    let multi = get(
        &server.api(&format!(
            "/Users?id={}",
            "5b0a6c2e-8d5f-4c1a-9a43-2f7d9e1b6c01"
        )),
        &admin,
    )
    .await;
    assert_eq!(multi.status, 207, "{}", multi.text);
    same("MultiStatus_User", &multi.body);
    same("ChildError", &multi.body["ChildErrors"][0]);

    let denied = get(&server.api("/Users"), "not-a-token").await;
    same("ErrorResponse", &denied.body);
}
