//! Which user of the tenant an upstream identity signs in as (SPEC §12.2), in order:
//! (1) the user bound to (provider, `sub`); (2) the user of the invitation being accepted;
//! (3) an unbound user of that provider whose e-mail equals the upstream's verified e-mail, which
//! is then bound; (4) with AllowAutoProvisioning, a new user. Else nobody: 403, nothing created.

use super::Refusal;
use crate::clock::UnixTime;
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome};
use crate::domain::identity_provider::IdentityProvider;
use crate::domain::{BuiltinRole, RoleId, User, UserId};
use crate::oauth::ErrorCode;
use crate::service::{ServiceError, ServiceResult};
use crate::store::{self, DbConn};

/// What the upstream said about the person (from the verified ID token, completed by userinfo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamIdentity {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// `amr` as the upstream sent it.
    pub amr: Vec<String>,
}

/// The user `identity` signs in as, or why nobody.
pub fn map_account(
    conn: &mut DbConn,
    provider: &IdentityProvider,
    identity: &UpstreamIdentity,
    invitation: Option<&str>,
    now: UnixTime,
) -> ServiceResult<Result<UserId, Refusal>> {
    let tenant = &provider.tenant_id;
    if let Some(user) =
        store::identity_providers::user_by_external_id(conn, tenant, &provider.id, &identity.sub)?
    {
        return Ok(Ok(user));
    }
    match invitation_user(conn, provider, identity, invitation, now)? {
        Ok(Some(user)) => return Ok(Ok(user)),
        Ok(None) => {}
        Err(refusal) => return Ok(Err(refusal)),
    }
    let verified_email = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified);
    if let Some(email) = verified_email {
        if let Some(user) =
            store::identity_providers::unbound_user_by_email(conn, tenant, &provider.id, email)?
        {
            if store::identity_providers::bind_external_id(conn, &user, &identity.sub, now)? {
                return Ok(Ok(user));
            }
        }
    }
    match (provider.allow_auto_provisioning, identity.email.as_deref()) {
        (true, Some(email)) => provision(conn, provider, identity, email, now),
        (true, None) => Ok(Err(Refusal::forbidden(
            "Your identity provider did not give your e-mail address, so no account can be \
             made for you. Ask an administrator to invite you."
                .to_owned(),
        ))),
        (false, email) => Ok(Err(Refusal::no_account(email.unwrap_or("this person")))),
    }
}

/// Rule (2): the user of the invitation being accepted (SPEC §12.3), now bound to (provider,
/// sub) with the invitation closed, in the callback's unit of work. A code that is unknown,
/// expired, used or for another provider or tenant is refused with the invitation's own words
/// (the person came from a link, not from an application): nothing is bound or created.
pub fn invitation_user(
    conn: &mut DbConn,
    provider: &IdentityProvider,
    identity: &UpstreamIdentity,
    invitation: Option<&str>,
    now: UnixTime,
) -> ServiceResult<Result<Option<UserId>, Refusal>> {
    let Some(code) = invitation else {
        return Ok(Ok(None));
    };
    let refused = |sentence: String, why: &str| {
        Ok(Err(Refusal::new(
            400,
            sentence,
            ErrorCode::InvalidRequest,
            why,
        )))
    };
    match crate::service::invitations::accept_upstream(
        conn,
        &provider.tenant_id,
        &crate::service::invitations::code_hash(code),
        &provider.id,
        &identity.sub,
        now,
    ) {
        Ok(user) => Ok(Ok(Some(user.id))),
        Err(ServiceError::BadRequest { reason, resolution }) => {
            refused(format!("{reason} {resolution}"), &reason)
        }
        Err(ServiceError::Conflict(why)) => refused(
            format!("This invitation cannot be accepted: {why}. Ask your administrator."),
            &why,
        ),
        Err(e) => Err(e),
    }
}

/// Rule (4): a new user of the provider, bound to `sub`, with the provider's default roles and
/// Tenant Member.
fn provision(
    conn: &mut DbConn,
    provider: &IdentityProvider,
    identity: &UpstreamIdentity,
    email: &str,
    now: UnixTime,
) -> ServiceResult<Result<UserId, Refusal>> {
    let tenant = &provider.tenant_id;
    let roles = store::roles::list(conn, tenant)?;
    let mut role_ids: Vec<RoleId> = roles
        .iter()
        .filter(|r| {
            provider.default_role_ids.contains(&r.id)
                || r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id())
        })
        .map(|r| r.id.clone())
        .collect();
    role_ids.dedup();
    let user = User {
        id: UserId::generate(),
        tenant_id: tenant.clone(),
        given_name: None,
        surname: None,
        name: identity.name.clone(),
        email: email.to_owned(),
        contact_email: None,
        contact_given_name: None,
        contact_surname: None,
        external_user_id: Some(identity.sub.clone()),
        identity_provider_id: provider.id.clone(),
        role_ids,
        created: now,
        last_updated: now,
    };
    // Checked first: on PostgreSQL a failed insert would abort the whole unit of work.
    if store::users::find_by_email(conn, tenant, email)?.is_some() {
        return Ok(Err(Refusal::forbidden(format!(
            "The account {email} of this tenant signs in another way."
        ))));
    }
    store::users::insert(conn, &user, None)?;
    let event = AuditEvent::security(
        tenant,
        user.id.as_str(),
        AuditAction::UserProvisioned,
        Outcome::Success,
        &Origin::default(),
        now,
    )
    .on(user.id.as_str());
    store::audit::record(conn, &event)?;
    Ok(Ok(user.id))
}
