//! First-run set-up (SPEC §1.1 `bootstrap`, §1.3): a tenant with its built-in roles, an
//! administrator user with a generated password, and a client-credentials client holding
//! Tenant Administrator with a never-expiring secret. Everything in one transaction.

use super::secrets::create_secret_row;
use super::users::{create_user_rows, UserInput};
use super::{Context, ServiceError, ServiceResult};
use crate::crypto::secrets::{hash_password, random_token};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::client::limits;
use crate::domain::{BuiltinRole, Client, ClientId, ClientKind, TenantId};
use crate::store;
use serde::Serialize;

/// What `bootstrap` prints: the only time these credentials are shown.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BootstrapOutput {
    pub tenant_id: String,
    pub admin_client_id: String,
    pub admin_client_secret: String,
    pub admin_email: String,
    pub admin_password: String,
    pub issuer: String,
}

impl std::fmt::Debug for BootstrapOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapOutput")
            .field("tenant_id", &self.tenant_id)
            .field("admin_client_id", &self.admin_client_id)
            .finish_non_exhaustive()
    }
}

/// Whether the database has no tenant yet (first start).
pub fn is_empty(ctx: &Context) -> ServiceResult<bool> {
    Ok(ctx.store.read(store::tenants::count)? == 0)
}

/// Creates the tenant, its administrator user and administrator client.
pub fn bootstrap(
    ctx: &Context,
    tenant_name: &str,
    admin_email: &str,
) -> ServiceResult<BootstrapOutput> {
    let password = random_token(18)?;
    let hash = hash_password(&password)?;
    let now = ctx.now();
    ctx.store.write(|conn| {
        if store::tenants::find_by_name(conn, tenant_name)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "a tenant named '{tenant_name}' already exists"
            )));
        }
        let tenant =
            super::tenants::create_tenant_rows(conn, TenantId::generate(), tenant_name, now)?;
        let event = AuditEvent::cli(
            Some(&tenant.id),
            AuditAction::TenantCreated,
            tenant.id.as_str(),
            now,
        );
        store::audit::record(conn, &event)?;
        let roles = store::roles::list(conn, &tenant.id)?;
        let role = |b: BuiltinRole| {
            roles
                .iter()
                .find(|r| r.role_type_id.as_deref() == Some(b.role_type_id()))
                .map(|r| r.id.clone())
                .ok_or_else(|| ServiceError::Internal("built-in role missing".to_owned()))
        };
        let admin_roles = vec![
            role(BuiltinRole::TenantAdministrator)?,
            role(BuiltinRole::TenantMember)?,
        ];
        let user = create_user_rows(
            conn,
            &tenant.id,
            &UserInput {
                email: Some(admin_email.to_owned()),
                name: Some("Administrator".to_owned()),
                role_ids: Some(admin_roles.iter().map(|r| r.as_str().to_owned()).collect()),
                ..UserInput::default()
            },
            Some(&hash),
            now,
        )?;
        let client = Client {
            id: ClientId::generate(),
            tenant_id: tenant.id.clone(),
            kind: ClientKind::ClientCredentials,
            name: "Administrator client".to_owned(),
            enabled: true,
            access_token_lifetime: limits::DEFAULT_TOKEN_LIFETIME,
            tags: Vec::new(),
            role_ids: admin_roles,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            allowed_cors_origins: Vec::new(),
            client_uri: None,
            logo_uri: None,
            allow_offline_access: false,
            allow_access_tokens_via_browser: false,
            created: now,
        };
        store::clients::insert(conn, &client)?;
        let secret = create_secret_row(
            conn,
            &client.id,
            Some("Created by bootstrap".to_owned()),
            None,
            now,
        )?;
        Ok(BootstrapOutput {
            tenant_id: tenant.id.into_string(),
            admin_client_id: client.id.into_string(),
            admin_client_secret: secret.value.expose_secret().to_owned(),
            admin_email: user.email,
            admin_password: password.clone(),
            issuer: ctx.config.issuer(),
        })
    })
}
