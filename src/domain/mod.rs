//! Plain domain types: identifiers, tenants, roles, users, clients, secrets and the caller of the
//! management API. No I/O and no framework types live here.

pub mod audit;
pub mod caller;
pub mod client;
pub mod grant;
pub mod identity_provider;
pub mod ids;
pub mod invitation;
pub mod refresh;
pub mod role;
pub mod scope;
pub mod tenant;
pub mod time;
pub mod user;

pub use caller::{Caller, Standing};
pub use client::{Client, ClientKind, ClientSecret, TokenClient};
pub use grant::{AuthorizationCode, Session};
pub use ids::{ClientId, InvitationId, RoleId, SecretId, TenantId, UserId};
pub use invitation::Invitation;
pub use role::{BuiltinRole, Role};
pub use scope::Scope;
pub use tenant::Tenant;
pub use user::User;

/// What a list request asks for (SPEC §3.1): either explicit ids (paging ignored) or a page, and
/// optionally tags that every returned item must carry (case-insensitive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Canonical ids; empty means "no id filter".
    pub ids: Vec<String>,
    /// Lowercased tags.
    pub tags: Vec<String>,
    pub skip: i64,
    pub count: i64,
}

/// One page of a list plus the number of all matching items (the `Total-Count` header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}
