//! The suite's witness of secrets: the harness reports every secret, password, code and token a
//! request sent or a response carried ([`saw_json`], [`saw_form`], [`saw_location`]), and every
//! test server, when it stops, greps every column of every audit event it wrote for every secret
//! the suite has seen so far ([`check_no_secret`]).

use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Names under which a request or response carries a secret.
const SECRET_NAMES: [&str; 12] = [
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "client_secret",
    "token",
    "password",
    "secret",
    "adminclientsecret",
    "adminpassword",
    "csrf",
];

fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.contains(&name.to_ascii_lowercase().as_str())
}

/// Remembers a secret (short values are test fillers like "x", never real secrets).
pub(crate) fn saw(value: &str) {
    if value.len() >= 12 {
        SEEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(value.to_owned());
    }
}

/// Every string under a secret's name anywhere in a JSON body.
pub(crate) fn saw_json(v: &Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if is_secret_name(k) => saw(s),
                    other => saw_json(other),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(saw_json),
        _ => {}
    }
}

/// The secret fields of a form.
pub(crate) fn saw_form(form: &[(&str, &str)]) {
    for (k, v) in form {
        if is_secret_name(k) {
            saw(v);
        }
    }
}

/// Codes and tokens in a redirect's query or fragment.
pub(crate) fn saw_location(location: &str) {
    let params = location
        .split(['?', '#'])
        .skip(1)
        .collect::<Vec<_>>()
        .join("&");
    for (k, v) in url::form_urlencoded::parse(params.as_bytes()) {
        if is_secret_name(&k) {
            saw(&v);
        }
    }
}

/// Asserts that no audit event of this server's database holds any secret seen so far.
/// Called when a test server stops (not while a test is already failing).
pub(crate) fn check_no_secret(ctx: &portcullis::service::Context) {
    if std::thread::panicking() {
        return;
    }
    let Ok(events) = ctx.store.read(portcullis::store::audit::all) else {
        return;
    };
    let seen = SEEN.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for r in &events {
        let e = &r.event;
        let columns = [
            e.tenant_id.as_ref().map(|t| t.as_str().to_owned()),
            Some(e.actor.clone()),
            e.target_id.clone(),
            e.origin.client_address.clone(),
            e.origin.request_id.clone(),
        ];
        for column in columns.iter().flatten() {
            if let Some(secret) = seen.iter().find(|s| column.contains(s.as_str())) {
                panic!(
                    "audit event {} ({}) holds a secret the suite saw ({} characters)",
                    r.id,
                    e.action.as_str(),
                    secret.len()
                );
            }
        }
    }
}

#[test]
fn the_witness_finds_secrets_by_name_at_any_depth() {
    let marker = "witness-test-secret-value-1234";
    saw_json(&serde_json::json!({"Client": {"x": [{"Secret": marker}]}}));
    saw_location("https://app.example/cb#state=1&access_token=witness-token-value-5678");
    let seen = SEEN.lock().unwrap().clone();
    assert!(seen.contains(marker));
    assert!(seen.contains("witness-token-value-5678"));
    assert!(!seen.contains("1"));
}
