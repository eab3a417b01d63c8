//! Roles. Every tenant has the five built-in roles with fixed RoleTypeIds (SPEC §2); `RoleIds`
//! everywhere hold the tenant's per-tenant role Id, never the RoleTypeId.

use super::{RoleId, TenantId};
use crate::clock::UnixTime;

/// The built-in roles, with the RoleTypeIds that OCS clients and `role_type` claims rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinRole {
    TenantAdministrator,
    TenantMember,
    TenantContributor,
    TenantDataSteward,
    TenantViewer,
}

impl BuiltinRole {
    /// All built-in roles, in the order they are created for a new tenant.
    pub const ALL: [BuiltinRole; 5] = [
        BuiltinRole::TenantAdministrator,
        BuiltinRole::TenantMember,
        BuiltinRole::TenantContributor,
        BuiltinRole::TenantDataSteward,
        BuiltinRole::TenantViewer,
    ];

    /// The global RoleTypeId (OCS well-known values).
    pub fn role_type_id(self) -> &'static str {
        match self {
            BuiltinRole::TenantAdministrator => "2dc742ab-39ea-4fc0-a39e-2bcb71c26a5f",
            BuiltinRole::TenantMember => "7ad2b9ef-5386-4ead-ac9f-ad99c5c5b977",
            BuiltinRole::TenantContributor => "f1439595-e5a2-487f-8a4f-0627fefe75df",
            BuiltinRole::TenantDataSteward => "45b66433-5f57-420b-bbdf-8bbd60c1cd9d",
            BuiltinRole::TenantViewer => "e6cbf91e-0be8-4858-92b5-f88ecafd5574",
        }
    }

    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::TenantAdministrator => "Tenant Administrator",
            BuiltinRole::TenantMember => "Tenant Member",
            BuiltinRole::TenantContributor => "Tenant Contributor",
            BuiltinRole::TenantDataSteward => "Tenant Data Steward",
            BuiltinRole::TenantViewer => "Tenant Viewer",
        }
    }

    /// A one-line description shown in role listings.
    pub fn description(self) -> &'static str {
        match self {
            BuiltinRole::TenantAdministrator => {
                "Manages users, clients, secrets and roles of the tenant."
            }
            BuiltinRole::TenantMember => {
                "Held by every user and client of the tenant; cannot be removed."
            }
            BuiltinRole::TenantContributor => "Reads and writes data by default.",
            BuiltinRole::TenantDataSteward => "Stewards data; no default permissions.",
            BuiltinRole::TenantViewer => "Views data; no default permissions.",
        }
    }
}

/// `RoleScope` of OCS: Tenant = 1 is the only scope Portcullis has.
pub const ROLE_SCOPE_TENANT: i32 = 1;

/// A role of a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: RoleId,
    pub tenant_id: TenantId,
    pub name: String,
    pub description: Option<String>,
    /// Set only on built-in roles.
    pub role_type_id: Option<String>,
    pub created: UnixTime,
}

impl Role {
    /// Built-in roles cannot be changed or deleted.
    pub fn is_builtin(&self) -> bool {
        self.role_type_id.is_some()
    }
}
