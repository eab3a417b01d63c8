//! Use cases. Each public function checks who may call it, loads what it needs, decides (with the
//! pure `oauth`/`oidc` rules), persists in ONE transaction and returns domain results. Functions are
//! synchronous: the HTTP layer runs each one as a single blocking unit of work.

pub mod api_auth;
pub mod audit;
pub mod bootstrap;
pub mod clients;
pub mod cors;
pub mod credentials;
pub mod federation;
pub mod identity_providers;
pub mod invitations;
pub mod keys;
pub mod logout;
pub mod passwords;
pub mod portal;
pub mod roles;
pub mod scrape;
pub mod secrets;
pub mod sessions;
pub mod signin;
pub mod tenants;
pub mod token;
pub mod upkeep;
pub mod userinfo;
pub mod users;
pub mod validate;

use crate::clock::{Clock, UnixTime};
use crate::config::Config;
use crate::domain::caller::Access;
use crate::domain::{Caller, ClientId, Tenant, TenantId};
use crate::oauth::OAuthError;
use crate::store::{DbConn, Store, StoreError};
use std::sync::Arc;

pub use keys::KeyCache;
pub use passwords::PasswordWork;

/// Everything a use case needs; shared by all requests (cheap to clone).
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
    pub keys: Arc<KeyCache>,
    /// The password threads: argon2 never runs on the blocking pool, and only so much at once.
    pub passwords: Arc<PasswordWork>,
    /// The key of the CSRF tokens, shared by every node through the database.
    pub csrf: Arc<crate::crypto::secrets::CsrfKey>,
    /// Seals what is stored but must not be readable from the database alone (SPEC §1.2).
    pub master: Arc<crate::crypto::master_key::MasterKey>,
    /// Where requests and security events are counted (SPEC §13.1).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Outbound HTTP to upstream identity providers, and their cached discovery documents.
    pub federation: Arc<federation::upstream::Upstreams>,
}

impl Context {
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }
}

/// Runs one unit of work on the blocking pool (diesel, signing and argon2's hand-off are
/// synchronous) once the store admits it: units wait in line, first come first served, at most
/// as many running as the pool has connections, and no longer than a connection is waited for
/// (then 503, SPEC §9). Every handler's unit of work, and the async use cases (federation,
/// identity providers) between their upstream HTTP calls, go through here.
pub async fn blocking_unit<T, F>(ctx: &Context, work: F) -> ServiceResult<T>
where
    F: FnOnce(&Context) -> ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let admitted = ctx.store.admit().await?;
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || {
        let _entered = admitted.enter();
        work(&ctx)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("blocking task failed: {e}")))?
}

/// The one error type of the service layer. The HTTP layer renders it per endpoint style.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// 400: the request is malformed or breaks a rule; `resolution` tells how to fix it.
    #[error("{reason}")]
    BadRequest { reason: String, resolution: String },
    /// 401: no valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: valid credentials without the needed role, or another tenant.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: the named thing does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// 405: the path exists, but not for this method (the message names the method).
    #[error("method not allowed: {0}")]
    MethodNotAllowed(String),
    /// 409: an id or unique value is already taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A protocol endpoint's OAuth error.
    #[error("{0}")]
    OAuth(OAuthError),
    /// 503: the database cannot be reached.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or corrupt data; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn bad_request(reason: impl Into<String>, resolution: impl Into<String>) -> Self {
        ServiceError::BadRequest {
            reason: reason.into(),
            resolution: resolution.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ServiceError::Conflict("the item already exists".to_owned()),
            StoreError::Unavailable(m) => ServiceError::Unavailable(m),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<OAuthError> for ServiceError {
    fn from(e: OAuthError) -> Self {
        ServiceError::OAuth(e)
    }
}

impl From<crate::crypto::CryptoError> for ServiceError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

/// Result of use cases.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// The outcome of a unit of work that must COMMIT even when it refuses the request.
/// CAUTION: returning `Err` from a `Store::write` closure rolls its transaction back; a refusal
/// whose side effect is the point (a replayed code revokes the token it produced, a reused refresh
/// token revokes its family, RFC 6749 §4.1.2 / §10.4) must instead return `Ok(Settled::Refused)`,
/// so the side effect is committed, and only then become an error with [`Settled::into_result`].
#[derive(Debug)]
pub enum Settled<T> {
    /// The request succeeded.
    Done(T),
    /// The request is refused; what the work wrote before refusing is committed.
    Refused(ServiceError),
}

impl<T> Settled<T> {
    /// The committed outcome as a result.
    pub fn into_result(self) -> ServiceResult<T> {
        match self {
            Settled::Done(value) => Ok(value),
            Settled::Refused(error) => Err(error),
        }
    }
}

/// Who may run an operation on a tenant's resource.
#[derive(Clone, Copy, Debug)]
pub enum Rule<'a> {
    /// Any token of the tenant (TM; covers Self too).
    Member,
    /// Tenant Administrator.
    Admin,
    /// Tenant Administrator, or the client itself.
    AdminOrSelfClient(&'a ClientId),
}

/// Checks that the token was not revoked (RFC 7009), that the caller still exists, is enabled and
/// holds the role the rule needs *now* (SPEC §3.1: never as frozen in the token), then that the
/// tenant exists. Another tenant's token gets 403 before anything about that tenant is revealed.
/// Runs inside the use case's unit of work: the revocation and standing checks cost two indexed
/// reads and no extra hop, and a change of the caller applies at once on every node.
pub fn authorize(
    conn: &mut DbConn,
    caller: &Caller,
    tenant: &TenantId,
    rule: Rule<'_>,
) -> ServiceResult<Tenant> {
    if crate::store::grants::is_revoked(conn, &caller.token_id)? {
        return Err(ServiceError::Unauthorized(
            "the access token has been revoked".to_owned(),
        ));
    }
    if !caller.in_tenant(tenant) {
        return Err(ServiceError::Forbidden(
            "the token belongs to another tenant".to_owned(),
        ));
    }
    let standing = match (&caller.user_id, &caller.client_id) {
        (Some(user), _) => crate::store::users::standing(conn, tenant, user)?,
        (None, Some(client)) => crate::store::clients::standing(conn, tenant, client)?,
        (None, None) => None,
    };
    let Some(standing) = standing.filter(|s| s.enabled) else {
        return Err(ServiceError::Unauthorized(
            "the caller of this token no longer exists or is disabled".to_owned(),
        ));
    };
    let current = Caller {
        role_type_ids: standing.role_type_ids,
        ..caller.clone()
    };
    let allowed = match rule {
        Rule::Member => current.may(tenant, Access::TenantMember),
        Rule::Admin => current.may(tenant, Access::TenantAdministrator),
        Rule::AdminOrSelfClient(client) => {
            current.may(tenant, Access::TenantAdministrator) || current.is_client(tenant, client)
        }
    };
    if !allowed {
        return Err(ServiceError::Forbidden(
            "this operation needs the Tenant Administrator role".to_owned(),
        ));
    }
    crate::store::tenants::get(conn, tenant)?
        .ok_or_else(|| ServiceError::NotFound("Tenant".to_owned()))
}
