//! Clients of the three OCS kinds, sharing one id space, and their secrets.

use super::{ClientId, RoleId, SecretId, TenantId};
use crate::clock::UnixTime;

/// The kind of a client; fixed at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// Server-to-server, `client_credentials` grant, secrets and roles.
    ClientCredentials,
    /// Public browser/native app: authorization code + PKCE, no secret, no refresh tokens.
    AuthorizationCode,
    /// Confidential server-side web app: hybrid flow, secrets, optional refresh tokens.
    Hybrid,
}

impl ClientKind {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::ClientCredentials => "client_credentials",
            ClientKind::AuthorizationCode => "authorization_code",
            ClientKind::Hybrid => "hybrid",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "client_credentials" => Some(ClientKind::ClientCredentials),
            "authorization_code" => Some(ClientKind::AuthorizationCode),
            "hybrid" => Some(ClientKind::Hybrid),
            _ => None,
        }
    }

    /// Whether the kind holds secrets (confidential clients).
    pub fn has_secrets(self) -> bool {
        !matches!(self, ClientKind::AuthorizationCode)
    }
}

/// Limits of SPEC §3.1.
pub mod limits {
    /// Clients of all kinds in one tenant.
    pub const CLIENTS_PER_TENANT: i64 = 50_000;
    /// Secrets of one client.
    pub const SECRETS_PER_CLIENT: i64 = 10;
    /// Entries of `RedirectUris`, `PostLogoutRedirectUris` and `AllowedCorsOrigins` each.
    pub const URIS_PER_LIST: usize = 10;
    /// Bounds of `AccessTokenLifetime`, seconds.
    pub const MIN_TOKEN_LIFETIME: i64 = 60;
    pub const MAX_TOKEN_LIFETIME: i64 = 3600;
    pub const DEFAULT_TOKEN_LIFETIME: i64 = 3600;
    /// Longest accepted name, description, URI or tag (characters).
    pub const MAX_TEXT: usize = 2000;
    /// Most tags on one client.
    pub const TAGS_PER_CLIENT: usize = 50;
}

/// A client. Fields that do not apply to a kind keep their neutral value (empty list, false).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub tenant_id: TenantId,
    pub kind: ClientKind,
    pub name: String,
    pub enabled: bool,
    pub access_token_lifetime: i64,
    pub tags: Vec<String>,
    pub role_ids: Vec<RoleId>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub allowed_cors_origins: Vec<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub allow_offline_access: bool,
    pub allow_access_tokens_via_browser: bool,
    pub created: UnixTime,
}

impl Client {
    /// Origins allowed to call the identity endpoints from a browser (SPEC §7): the configured
    /// `AllowedCorsOrigins`, plus for authorization-code clients the origins of their redirect URIs.
    pub fn cors_origins(&self) -> Vec<String> {
        cors_origins_of(self.kind, &self.allowed_cors_origins, &self.redirect_uris)
    }
}

/// The origins of SPEC §7 for a client of `kind` with these `AllowedCorsOrigins` (stored
/// normalised) and `RedirectUris`: the configured origins, plus for authorization-code clients the
/// origins of their redirect URIs. Shared by [`Client::cors_origins`] (the preflight index) and the
/// token endpoint's authentication record, so both always agree.
pub fn cors_origins_of(
    kind: ClientKind,
    allowed: &[String],
    redirect_uris: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = allowed.to_vec();
    if kind == ClientKind::AuthorizationCode {
        for uri in redirect_uris {
            if let Some(o) = origin_of(uri) {
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        }
    }
    out
}

/// The origin (`scheme://host[:port]`, lowercase) of an http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    Some(u.origin().ascii_serialization().to_lowercase())
}

/// Normalises an origin as configured in `AllowedCorsOrigins`: scheme://host[:port], no path.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
        return None;
    }
    origin_of(raw)
}

/// A client secret as stored: only its SHA-256 hash is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSecret {
    pub client_id: ClientId,
    pub id: SecretId,
    pub description: Option<String>,
    /// `None` = never expires.
    pub expiration: Option<UnixTime>,
    pub secret_hash: String,
    pub created: UnixTime,
}

impl ClientSecret {
    /// Whether the secret may still authenticate at `now`.
    pub fn is_valid_at(&self, now: UnixTime) -> bool {
        self.expiration.is_none_or(|exp| exp > now)
    }
}

/// A client as the endpoints where it authenticates see it (token, revocation, introspection):
/// what authenticates it, what its tokens carry, and its browser origins. Loaded in one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenClient {
    pub id: ClientId,
    pub tenant_id: TenantId,
    pub kind: ClientKind,
    pub enabled: bool,
    pub access_token_lifetime: i64,
    /// The secrets stored under the presented secret's hash (the read loads no others).
    pub secrets: Vec<ClientSecret>,
    pub role_ids: Vec<RoleId>,
    /// RoleTypeIds of the built-in roles among `role_ids` (the `role_type` claim).
    pub role_type_ids: Vec<String>,
    pub allowed_cors_origins: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Hybrid clients only: may hold refresh tokens.
    pub allow_offline_access: bool,
}

impl TokenClient {
    /// The origins of SPEC §7 (the same rule as [`Client::cors_origins`]).
    pub fn cors_origins(&self) -> Vec<String> {
        cors_origins_of(self.kind, &self.allowed_cors_origins, &self.redirect_uris)
    }

    /// The secrets that may authenticate at `now`.
    pub fn live_secrets(&self, now: UnixTime) -> impl Iterator<Item = &ClientSecret> {
        self.secrets.iter().filter(move |s| s.is_valid_at(now))
    }
}
