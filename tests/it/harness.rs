//! `TestServer`: the real application on 127.0.0.1:0 over a fresh database (a temporary SQLite
//! file, or a fresh PostgreSQL schema when `PORTCULLIS_TEST_DATABASE_URL` is set), with a settable
//! clock. It shuts down on drop.
//!
//! It is also the suite's one request vocabulary (crates.io's `RequestHelper` idea): every API test
//! reads a response as a [`Reply`] and says who calls.
//! - a management API caller with a bearer token: [`get`], [`head`], [`post`], [`put`], [`delete`];
//!   anything else (no token, raw bodies, other headers): [`call`] with a builder from [`http`];
//! - an OAuth client at the token endpoint: [`TestServer::token_request`] (Basic),
//!   [`TestServer::token_form`] (no Basic), [`TestServer::client_credentials`],
//!   [`TestServer::token_for`], [`TestServer::admin_token`];
//! - more tenants and callers: [`TestServer::member_client`], [`TestServer::member_token`],
//!   [`TestServer::other_tenant`], [`signed_token`] (any tenant, roles or user);
//! - reading bodies: [`keys`], [`ids`], [`jwt_claims`], [`jwt_header`], [`redact`];
//! - the expected answer: [`Reply::error`], [`Reply::error_named`], [`Reply::bad_request`],
//!   [`Reply::forbidden`], [`Reply::not_found`], [`Reply::header`], [`Reply::total_count`];
//! - the built-in roles: the library's [`BuiltinRole`], named once here ([`TENANT_MEMBER`], ...),
//!   and [`TestServer::role_id`] for a tenant's Id of one.

use base64::Engine;
use portcullis::app;
use portcullis::clock::Clock;
use portcullis::config::{Config, ConfigArgs};
use portcullis::service::bootstrap::{bootstrap, BootstrapOutput};
use portcullis::service::Context;
use reqwest::Method;
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
    /// `PORTCULLIS_TRUSTED_PROXIES` (comma-separated addresses or CIDRs).
    pub trusted_proxies: Option<String>,
    /// A public URL other than the one the server is reached at (default: that one).
    pub public_url: Option<String>,
    /// `PORTCULLIS_KEY_ROTATION_DAYS` (default here 0: the template keys activated long ago, so
    /// tests rotate by hand unless they ask).
    pub key_rotation_days: Option<i64>,
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
            public_url: Some(options.public_url.clone().unwrap_or_else(|| base.clone())),
            database_url: Some(database_url),
            keys_dir: Some(keys_dir),
            master_key_file: Some(dir.path().join("master.key")),
            access_token_alg: options.access_token_alg.clone(),
            trusted_proxies: options.trusted_proxies.clone(),
            key_rotation_days: Some(options.key_rotation_days.unwrap_or(0)),
            ..Default::default()
        })
        .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let ctx = app::build_context(config, Clock::fixed(now)).expect("context");
        let admin = bootstrap(&ctx, "Default", "admin@localhost").expect("bootstrap");
        crate::audit_witness::saw(&admin.admin_client_secret);
        crate::audit_witness::saw(&admin.admin_password);
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

    /// A token request authenticated with client_secret_basic.
    pub async fn token_request(
        &self,
        client_id: &str,
        secret: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        crate::audit_witness::saw(secret);
        crate::audit_witness::saw_form(form);
        call(
            http()
                .post(self.token_url())
                .basic_auth(client_id, Some(secret))
                .form(form),
        )
        .await
    }

    /// A token request without client_secret_basic: client_secret_post, a public client, or no
    /// client authentication at all.
    pub async fn token_form(&self, form: &[(&str, &str)]) -> Reply {
        crate::audit_witness::saw_form(form);
        call(http().post(self.token_url()).form(form)).await
    }

    /// A client_credentials request of any client, whatever the answer.
    pub async fn client_credentials(&self, client_id: &str, secret: &str) -> Reply {
        self.token_request(client_id, secret, &[("grant_type", "client_credentials")])
            .await
    }

    /// A client-credentials token for any client.
    pub async fn token_for(&self, client_id: &str, secret: &str) -> String {
        let res = self.client_credentials(client_id, secret).await;
        assert_eq!(res.status, 200, "token request failed");
        res.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A token of the bootstrap administrator client (Tenant Administrator).
    pub async fn admin_token(&self) -> String {
        self.token_for(&self.admin.admin_client_id, &self.admin.admin_client_secret)
            .await
    }

    /// The bootstrap tenant's role Id of a built-in role.
    pub async fn role_id(&self, role: BuiltinRole) -> String {
        let token = self.admin_token().await;
        let url = format!("{}?roleTypeId={}", self.api("/Roles"), role.role_type_id());
        let roles = get(&url, &token).await;
        assert_eq!(roles.status, 200, "{}", roles.text);
        roles.body[0]["Id"].as_str().unwrap().to_owned()
    }

    /// A token of a new client-credentials client holding only Tenant Member.
    pub async fn member_token(&self) -> String {
        let (id, secret) = self.member_client().await;
        self.token_for(&id, &secret).await
    }

    /// Creates a second tenant ("Other") with its own administrator client; returns (tenant id,
    /// that administrator's token).
    pub async fn other_tenant(&self) -> (String, String) {
        let ctx = self.ctx.clone();
        let other = tokio::task::spawn_blocking(move || bootstrap(&ctx, "Other", "x@y.z"))
            .await
            .unwrap()
            .expect("second tenant");
        let token = self
            .token_for(&other.admin_client_id, &other.admin_client_secret)
            .await;
        (other.tenant_id, token)
    }

    /// Creates a client-credentials client holding only Tenant Member; returns (id, secret).
    pub async fn member_client(&self) -> (String, String) {
        let member = self.role_id(TENANT_MEMBER).await;
        let res = post(
            &self.api("/ClientCredentialClients"),
            &self.admin_token().await,
            serde_json::json!({"Name": "member", "RoleIds": [member]}),
        )
        .await;
        assert_eq!(res.status, 201);
        (
            res.body["Client"]["Id"].as_str().unwrap().to_owned(),
            res.body["Secret"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
        crate::audit_witness::check_no_secret(&self.ctx);
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

/// The built-in roles, as the library declares them (`role_type_id()` gives the RoleTypeId).
/// `people_api::the_five_builtin_roles_have_their_fixed_role_type_ids` pins their OCS values.
pub use portcullis::domain::BuiltinRole;
pub const TENANT_ADMINISTRATOR: BuiltinRole = BuiltinRole::TenantAdministrator;
pub const TENANT_MEMBER: BuiltinRole = BuiltinRole::TenantMember;
pub const TENANT_CONTRIBUTOR: BuiltinRole = BuiltinRole::TenantContributor;
pub const TENANT_DATA_STEWARD: BuiltinRole = BuiltinRole::TenantDataSteward;
pub const TENANT_VIEWER: BuiltinRole = BuiltinRole::TenantViewer;

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
        amr: None,
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
    crate::audit_witness::saw_json(&body);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

/// A management API request with a bearer token and, optionally, a JSON body.
async fn send(method: Method, url: &str, token: &str, body: Option<&Value>) -> Reply {
    let mut req = http().request(method, url).bearer_auth(token);
    if let Some(b) = body {
        crate::audit_witness::saw_json(b);
        req = req.json(b);
    }
    call(req).await
}

/// `GET` as a bearer-token caller.
pub async fn get(url: &str, token: &str) -> Reply {
    send(Method::GET, url, token, None).await
}

/// `HEAD` as a bearer-token caller.
pub async fn head(url: &str, token: &str) -> Reply {
    send(Method::HEAD, url, token, None).await
}

/// `POST` of a JSON body (a `Value` or a reference to one) as a bearer-token caller.
pub async fn post(url: &str, token: &str, body: impl serde::Serialize) -> Reply {
    let body = serde_json::to_value(body).expect("a JSON body");
    send(Method::POST, url, token, Some(&body)).await
}

/// `PUT` of a JSON body (a `Value` or a reference to one) as a bearer-token caller.
pub async fn put(url: &str, token: &str, body: impl serde::Serialize) -> Reply {
    let body = serde_json::to_value(body).expect("a JSON body");
    send(Method::PUT, url, token, Some(&body)).await
}

/// `DELETE` as a bearer-token caller.
pub async fn delete(url: &str, token: &str) -> Reply {
    send(Method::DELETE, url, token, None).await
}

impl Reply {
    /// A response header, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

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
    #[track_caller]
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

    /// Asserts an [`error`](Reply::error) whose `Error` is `error`; returns the body.
    #[track_caller]
    pub fn error_named(&self, status: u16, error: &str) -> &Value {
        let body = self.error(status);
        assert_eq!(body["Error"], error, "{body}");
        body
    }

    /// Asserts a 400 `Bad request` error; returns the body.
    #[track_caller]
    pub fn bad_request(&self) -> &Value {
        self.error_named(400, "Bad request")
    }

    /// Asserts a 403 `Forbidden` error; returns the body.
    #[track_caller]
    pub fn forbidden(&self) -> &Value {
        self.error_named(403, "Forbidden")
    }

    /// Asserts a 404 `Not found` error; returns the body.
    #[track_caller]
    pub fn not_found(&self) -> &Value {
        self.error_named(404, "Not found")
    }
}

/// The keys of a JSON object, in order.
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The `Id`s of a JSON array of objects, in order.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|i| i["Id"].as_str().unwrap().to_owned())
        .collect()
}

/// A JWT's decoded claims (the payload), unverified.
pub fn jwt_claims(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

/// A JWT's decoded JOSE header, unverified.
pub fn jwt_header(jwt: &str) -> Value {
    jwt_part(jwt, 0)
}

fn jwt_part(jwt: &str, index: usize) -> Value {
    let part = jwt
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("not a JWT: {jwt}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
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
        front_channel_jti: None,
        front_channel_exp: None,
        refresh_family_id: None,
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
