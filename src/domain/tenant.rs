//! Tenants: the unit of isolation. Every client, user and role belongs to exactly one tenant.

use super::TenantId;
use crate::clock::UnixTime;

/// OCS `TenantProvisioningState.Active`.
pub const TENANT_STATE_ACTIVE: i32 = 1;

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub company_name: String,
    pub alias: Option<String>,
    pub state: i32,
    pub created: UnixTime,
    pub last_updated: UnixTime,
}
