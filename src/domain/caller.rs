//! The authenticated caller of the management API, read from the bearer access token, and the role
//! matrix of SPEC §3.1 (TA, TM, Self).

use super::{BuiltinRole, ClientId, TenantId, UserId};

/// Who is calling: taken from a verified access token of this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: TenantId,
    /// The client the token was issued to; `None` for a portal session, which no client acts
    /// for (so no client is ever the portal user's "Self").
    pub client_id: Option<ClientId>,
    /// The user, for tokens issued to a signed-in user.
    pub user_id: Option<UserId>,
    /// RoleTypeIds of the built-in roles held: as the token says until the management API
    /// replaces them with the caller's current [`Standing`].
    pub role_type_ids: Vec<String>,
    /// The token's `jti`, checked against the revocation list.
    pub token_id: String,
    /// Where the call came from (set by the HTTP layer; for the audit trail).
    pub origin: super::audit::Origin,
}

/// What a caller is *now*, read from the database in the unit of work of each management call
/// (SPEC §3.1: authority is never frozen in the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Clients can be disabled; users are always enabled while they exist.
    pub enabled: bool,
    /// RoleTypeIds of the built-in roles held now.
    pub role_type_ids: Vec<String>,
}

/// Who may perform an operation (SPEC §3 tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Any valid token of the tenant.
    TenantMember,
    /// Tenant Administrators only.
    TenantAdministrator,
}

impl Caller {
    /// Whether the token holds the given built-in role.
    pub fn has_role(&self, role: BuiltinRole) -> bool {
        self.role_type_ids.iter().any(|r| r == role.role_type_id())
    }

    /// Whether the token belongs to `tenant`.
    pub fn in_tenant(&self, tenant: &TenantId) -> bool {
        &self.tenant_id == tenant
    }

    /// Whether the caller meets `access` in `tenant`.
    pub fn may(&self, tenant: &TenantId, access: Access) -> bool {
        self.in_tenant(tenant)
            && match access {
                Access::TenantMember => true,
                Access::TenantAdministrator => self.has_role(BuiltinRole::TenantAdministrator),
            }
    }

    /// "Self" for a client resource: the token was issued to that client.
    pub fn is_client(&self, tenant: &TenantId, client: &ClientId) -> bool {
        self.in_tenant(tenant) && self.client_id.as_ref() == Some(client)
    }

    /// "Self" for a user resource: the token's subject is that user.
    pub fn is_user(&self, tenant: &TenantId, user: &UserId) -> bool {
        self.in_tenant(tenant) && self.user_id.as_ref() == Some(user)
    }
}
