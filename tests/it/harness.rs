//! `TestServer`: the real application on 127.0.0.1:0 over a fresh database (a temporary SQLite
//! file, or a fresh PostgreSQL schema when `PORTCULLIS_TEST_DATABASE_URL` is set), with a settable
//! clock. It shuts down on drop.

use portcullis::app;
use portcullis::clock::Clock;
use portcullis::config::{Config, ConfigArgs};
use portcullis::service::bootstrap::{bootstrap, BootstrapOutput};
use portcullis::service::Context;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Key files generated once per test run and copied into each server's key directory: RSA key
/// generation is too slow to repeat for every test.
fn template_keys() -> &'static PathBuf {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("portcullis-test-keys-{}", std::process::id()));
        let store = portcullis::crypto::keys::KeyStore::new(&dir);
        store
            .ensure_active(
                &[
                    portcullis::crypto::keys::SigningAlg::RS256,
                    portcullis::crypto::keys::SigningAlg::ES256,
                    portcullis::crypto::keys::SigningAlg::EdDSA,
                ],
                // Active since long ago, so a fixed clock set to "now" sees it active.
                1_000_000_000,
            )
            .expect("template keys");
        dir
    })
}

fn copy_keys(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(template_keys()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), to.join(name)).unwrap();
        }
    }
}

/// Options of a test server.
#[derive(Default, Clone)]
pub struct Options {
    pub access_token_alg: Option<String>,
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub ctx: Context,
    pub admin: BootstrapOutput,
    handle: actix_web::dev::ServerHandle,
    pg_schema: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// The PostgreSQL URL given to the suite, if any.
pub fn pg_url() -> Option<String> {
    std::env::var("PORTCULLIS_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh database: a SQLite file in `dir`, or a new schema of the PostgreSQL test database
/// (returned as `(base URL, schema)` so the caller can drop it).
pub fn fresh_database(dir: &Path) -> (String, Option<(String, String)>) {
    match pg_url() {
        Some(base) => {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&base).expect("connect to PostgreSQL");
            conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            (
                format!("{base}{sep}options=-csearch_path%3D{schema}"),
                Some((base, schema)),
            )
        }
        None => (
            format!("sqlite://{}", dir.join("portcullis.db").display()),
            None,
        ),
    }
}

impl TestServer {
    pub async fn spawn() -> TestServer {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestServer {
        tokio::task::spawn_blocking(move || Self::start(options))
            .await
            .unwrap()
    }

    fn start(options: Options) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg_schema) = fresh_database(dir.path());
        let keys_dir = dir.path().join("keys");
        copy_keys(&keys_dir);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = Config::resolve(&ConfigArgs {
            public_url: Some(base.clone()),
            database_url: Some(database_url),
            keys_dir: Some(keys_dir),
            access_token_alg: options.access_token_alg.clone(),
            ..Default::default()
        })
        .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let ctx = app::build_context(config, Clock::fixed(now)).expect("context");
        let admin = bootstrap(&ctx, "Default", "admin@localhost").expect("bootstrap");
        let state = app::app_state(ctx.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = app::server(state, listener, Some(1)).unwrap();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        let handle = rx.recv().unwrap();
        TestServer {
            base,
            ctx,
            admin,
            handle,
            pg_schema,
            _dir: dir,
        }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The issuer.
    pub fn issuer(&self) -> String {
        format!("{}/identity", self.base)
    }

    /// The token endpoint.
    pub fn token_url(&self) -> String {
        self.url("/identity/connect/token")
    }

    /// A management API URL below the bootstrap tenant.
    pub fn api(&self, path: &str) -> String {
        self.url(&format!("/api/v1/Tenants/{}{}", self.admin.tenant_id, path))
    }

    /// The fixed clock of the server.
    pub fn clock(&self) -> &Clock {
        &self.ctx.clock
    }

    /// A client-credentials token for any client.
    pub async fn token_for(&self, client_id: &str, secret: &str) -> String {
        let res = http()
            .post(self.token_url())
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "token request failed");
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A token of the bootstrap administrator client (Tenant Administrator).
    pub async fn admin_token(&self) -> String {
        self.token_for(&self.admin.admin_client_id, &self.admin.admin_client_secret)
            .await
    }

    /// The tenant's role Id for a RoleTypeId.
    pub async fn role_id(&self, role_type_id: &str) -> String {
        let token = self.admin_token().await;
        let roles: Vec<Value> = http()
            .get(self.api("/Roles"))
            .query(&[("roleTypeId", role_type_id)])
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        roles[0]["Id"].as_str().unwrap().to_owned()
    }

    /// Creates a client-credentials client holding only Tenant Member; returns (id, secret).
    pub async fn member_client(&self) -> (String, String) {
        let member = self.role_id(TENANT_MEMBER).await;
        let res = http()
            .post(self.api("/ClientCredentialClients"))
            .bearer_auth(self.admin_token().await)
            .json(&serde_json::json!({"Name": "member", "RoleIds": [member]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        (
            body["Client"]["Id"].as_str().unwrap().to_owned(),
            body["Secret"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
        drop_database(&self.pg_schema);
    }
}

/// Drops a PostgreSQL schema made by [`fresh_database`] (SQLite files go with their temp dir).
pub fn drop_database(pg_schema: &Option<(String, String)>) {
    if let Some((base, schema)) = pg_schema {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        if let Ok(mut conn) = diesel::PgConnection::establish(base) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// RoleTypeIds.
pub const TENANT_ADMINISTRATOR: &str = "2dc742ab-39ea-4fc0-a39e-2bcb71c26a5f";
pub const TENANT_MEMBER: &str = "7ad2b9ef-5386-4ead-ac9f-ad99c5c5b977";

/// An HTTP client as a script would use it: no redirects followed.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Replaces the volatile `OperationId` so error bodies can be snapshotted.
pub fn redact(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        if o.contains_key("OperationId") {
            o.insert("OperationId".into(), Value::String("[operation-id]".into()));
        }
        if let Some(children) = o.get_mut("ChildErrors").and_then(Value::as_array_mut) {
            for c in children {
                if let Some(co) = c.as_object_mut() {
                    co.insert("OperationId".into(), Value::String("[operation-id]".into()));
                }
            }
        }
    }
    v
}

/// A management API access token for any tenant, roles and (optionally) signed-in user, issued by
/// the server's own issuer (`service::token::issue`) with its active key: for callers the token
/// endpoint cannot produce (a tenant that does not exist, a user without a sign-in).
pub fn signed_token(
    server: &TestServer,
    tid: &str,
    role_types: &[&str],
    user: Option<&str>,
) -> String {
    use portcullis::domain::{ClientId, Scope, TenantId, UserId};
    use portcullis::service::token::{issue, AccessGrant, SignIn};
    let ctx = &server.ctx;
    let tenant_id = TenantId::parse(tid).expect("a GUID tenant id");
    let client_id = ClientId::generate();
    let scope = Scope::of([ctx.config.api_scope.as_str()]);
    let user = user.map(|id| {
        let id = UserId::parse(id).expect("a GUID user id");
        ctx.store
            .read(|conn| portcullis::store::users::get(conn, &tenant_id, &id))
            .expect("reading the user")
            .expect("the user exists")
    });
    let grant = AccessGrant {
        tenant_id: &tenant_id,
        client_id: &client_id,
        lifetime: 600,
        scope: &scope,
        role_ids: &[],
        role_type_ids: role_types.iter().map(|r| (*r).to_owned()).collect(),
        sign_in: user.as_ref().map(|user| SignIn {
            user,
            sid: "",
            auth_time: ctx.now(),
        }),
    };
    issue::access_token(ctx, &grant).expect("issuing").token
}

/// A response read whole: status, headers, raw text and JSON body (`Null` when empty).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

/// Sends a request and reads the whole response.
pub async fn call(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.expect("response body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Reply {
        status,
        headers,
        text,
        body,
    }
}

impl Reply {
    /// The `Total-Count` header.
    pub fn total_count(&self) -> i64 {
        self.headers
            .get("total-count")
            .unwrap_or_else(|| panic!("no Total-Count header (status {})", self.status))
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Asserts `status` with an `ErrorResponse` body whose `OperationId` is the `request-id`
    /// header; returns the body.
    pub fn error(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        let o = self
            .body
            .as_object()
            .unwrap_or_else(|| panic!("error body is not an object: {}", self.text));
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "OperationId",
                "Error",
                "Reason",
                "Resolution",
                "DynamicProperties"
            ],
            "{}",
            self.text
        );
        for k in ["OperationId", "Error", "Reason", "Resolution"] {
            assert!(
                o[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k} is not a non-empty string: {}",
                self.text
            );
        }
        let request_id = self
            .headers
            .get("request-id")
            .expect("request-id header")
            .to_str()
            .unwrap();
        assert_eq!(o["OperationId"], request_id);
        &self.body
    }
}

/// Plants a session and a code for `user` at `client` (as the sign-in pages would), so that the
/// code can be redeemed at the token endpoint. Returns the code.
pub async fn plant_code(
    server: &TestServer,
    client: &str,
    redirect: &str,
    user: &str,
    scope: &str,
) -> String {
    let code = uuid::Uuid::new_v4().simple().to_string();
    let ctx = server.ctx.clone();
    let tenant = portcullis::domain::TenantId::from_stored(server.admin.tenant_id.clone());
    let stored = portcullis::domain::AuthorizationCode {
        code_hash: portcullis::crypto::secrets::sha256_b64url(&code),
        client_id: portcullis::domain::ClientId::from_stored(client.to_owned()),
        user_id: portcullis::domain::UserId::from_stored(user.to_owned()),
        redirect_uri: redirect.to_owned(),
        scope: portcullis::domain::Scope::parse(scope),
        nonce: None,
        code_challenge: None,
        sid: String::new(),
        auth_time: ctx.now(),
        expires_at: ctx.now() + 60,
        redeemed_at: None,
        access_token_jti: None,
        access_token_exp: None,
    };
    tokio::task::spawn_blocking(move || {
        ctx.store
            .write(|conn| -> Result<(), portcullis::service::ServiceError> {
                let now = ctx.now();
                let (session, _cookie) = portcullis::service::sessions::start_session(
                    &ctx,
                    conn,
                    None,
                    &tenant,
                    &stored.user_id,
                    now,
                )?;
                let code = portcullis::domain::AuthorizationCode {
                    sid: session.sid,
                    ..stored
                };
                portcullis::store::grants::insert_code(conn, &code)?;
                Ok(())
            })
    })
    .await
    .unwrap()
    .unwrap();
    code
}
