//! Accepting an invitation (SPEC §12.3): opening the link ([`open`]), setting a password for the
//! Local provider ([`accept_local`]: the password rules of users, argon2id on the password
//! threads, then a session as the login starts one), and binding an upstream identity from the
//! federation callback ([`accept_upstream`]). An unknown, used or expired code changes nothing.

use super::{code_hash, not_found};
use crate::clock::UnixTime;
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome};
use crate::domain::invitation::STATE_ACCEPTED;
use crate::domain::user::LOCAL_IDENTITY_PROVIDER_ID;
use crate::domain::{Invitation, TenantId, User};
use crate::service::sessions::start_session;
use crate::service::users::check_password_length;
use crate::service::{Context, ServiceError, ServiceResult};
use crate::store::{self, DbConn};

/// What the "Accept invitation" page shows for an open invitation.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The tenant's `CompanyName`.
    pub tenant_name: String,
    pub email: String,
    pub identity_provider_id: String,
    /// The upstream provider's display name, when known (None for Local).
    pub provider_name: Option<String>,
    /// A Local invitation in a tenant whose Local provider is disabled: no password can be set
    /// (SPEC §12.1), so the page says so instead of offering the form.
    pub passwords_off: bool,
}

impl Opened {
    /// Whether the user sets a password (the Local provider) rather than signing in upstream.
    pub fn is_local(&self) -> bool {
        self.identity_provider_id == LOCAL_IDENTITY_PROVIDER_ID
    }
}

/// The outcome of the Set password form.
#[derive(Debug)]
pub enum AcceptLocal {
    /// Accepted: the password is set and a session started; set this cookie.
    SignedIn { cookie: String },
    /// Show the form again with this message (nothing changed).
    Retry { message: String, opened: Opened },
    /// The code is unknown, used or expired, or not for a password (nothing changed).
    Invalid,
    /// A Local invitation, but the tenant has turned password sign-in off (nothing changed).
    PasswordsOff,
}

/// The open invitation behind `code`, if any.
fn open_invitation(
    conn: &mut DbConn,
    code: &str,
    now: UnixTime,
) -> ServiceResult<Option<Invitation>> {
    if code.is_empty() {
        return Ok(None);
    }
    Ok(store::invitations::by_code_hash(conn, &code_hash(code))?.filter(|i| i.is_open(now)))
}

/// Opens a link: what the page shows, or None for an unknown, used or expired code.
pub fn open(ctx: &Context, code: &str) -> ServiceResult<Option<Opened>> {
    let now = ctx.now();
    ctx.store.read(|conn| {
        let Some(invitation) = open_invitation(conn, code, now)? else {
            return Ok(None);
        };
        let tenant = store::tenants::get(conn, &invitation.tenant_id)?;
        let user = store::users::get(conn, &invitation.tenant_id, &invitation.user_id)?;
        let (Some(tenant), Some(user)) = (tenant, user) else {
            return Ok(None);
        };
        let local = invitation.identity_provider_id == LOCAL_IDENTITY_PROVIDER_ID;
        let passwords_off =
            local && !crate::service::federation::password_enabled(conn, &invitation.tenant_id)?;
        let provider_name = if local {
            None
        } else {
            store::identity_providers::get(
                conn,
                &invitation.tenant_id,
                &invitation.identity_provider_id,
            )?
            .map(|p| p.display_name)
        };
        Ok(Some(Opened {
            tenant_name: tenant.company_name,
            email: user.email,
            identity_provider_id: invitation.identity_provider_id,
            provider_name,
            passwords_off,
        }))
    })
}

/// Sets the password of a Local invitation's user, accepts the invitation and signs the user in.
/// The password rules are the users' (length); the hash is computed on the password threads
/// before the transaction, which then claims the invitation atomically.
pub fn accept_local(
    ctx: &Context,
    code: &str,
    password: &str,
    confirm: &str,
    old_cookie: Option<&str>,
) -> ServiceResult<AcceptLocal> {
    let Some(opened) = open(ctx, code)?.filter(Opened::is_local) else {
        return Ok(AcceptLocal::Invalid);
    };
    if opened.passwords_off {
        return Ok(AcceptLocal::PasswordsOff);
    }
    if password != confirm {
        return Ok(AcceptLocal::Retry {
            message: "The passwords do not match.".to_owned(),
            opened,
        });
    }
    if let Err(e) = check_password_length(Some(password)) {
        let message = match e {
            ServiceError::BadRequest { reason, .. } => reason,
            other => return Err(other),
        };
        return Ok(AcceptLocal::Retry { message, opened });
    }
    let hash = ctx.passwords.hash(password)?;
    let now = ctx.now();
    ctx.store.write(|conn| {
        let Some(invitation) = open_invitation(conn, code, now)? else {
            return Ok(AcceptLocal::Invalid);
        };
        // A tenant whose Local provider is disabled has no passwords (SPEC §12.1).
        if invitation.identity_provider_id != LOCAL_IDENTITY_PROVIDER_ID
            || !crate::service::federation::password_enabled(conn, &invitation.tenant_id)?
            || !store::invitations::claim(conn, &invitation.id, now, STATE_ACCEPTED)?
        {
            return Ok(AcceptLocal::Invalid);
        }
        let mut user = store::users::get(conn, &invitation.tenant_id, &invitation.user_id)?
            .ok_or_else(not_found)?;
        user.last_updated = now;
        store::users::update(conn, &user, Some(&hash))?;
        accepted_event(conn, &invitation, now)?;
        let (_, cookie) =
            start_session(ctx, conn, old_cookie, &invitation.tenant_id, &user.id, now)?;
        Ok(AcceptLocal::SignedIn { cookie })
    })
}

fn unusable() -> ServiceError {
    ServiceError::bad_request(
        "The invitation is unknown, has expired or was already used.",
        "Ask your administrator for a new invitation link.",
    )
}

/// Accepts an invitation with an upstream identity (SPEC §12.2 (2)), inside the federation
/// callback's transaction: the invitation (found by [`code_hash`] of its code) must be open, of
/// `tenant` and for `provider_id`; the user's `ExternalUserId` becomes `subject` and the invitation is
/// accepted, both in the caller's unit of work. Returns the bound user.
pub fn accept_upstream(
    conn: &mut DbConn,
    tenant: &TenantId,
    invitation_code_hash: &str,
    provider_id: &str,
    subject: &str,
    now: UnixTime,
) -> ServiceResult<User> {
    let invitation = store::invitations::by_code_hash(conn, invitation_code_hash)?
        .filter(|i| i.is_open(now) && i.tenant_id == *tenant)
        .ok_or_else(unusable)?;
    let provider = crate::domain::ids::canonical_guid(provider_id).unwrap_or_default();
    if provider != invitation.identity_provider_id || provider == LOCAL_IDENTITY_PROVIDER_ID {
        return Err(ServiceError::bad_request(
            "The invitation is for another identity provider.",
            "Sign in with the identity provider the invitation names.",
        ));
    }
    if subject.trim().is_empty() {
        return Err(ServiceError::bad_request(
            "The upstream identity has no subject.",
            "Sign in again with the identity provider.",
        ));
    }
    let tenant = &invitation.tenant_id;
    if store::identity_providers::user_by_external_id(conn, tenant, &provider, subject)?
        .is_some_and(|holder| holder != invitation.user_id)
    {
        return Err(ServiceError::Conflict(
            "another user of this tenant is already bound to that upstream identity".to_owned(),
        ));
    }
    if !store::invitations::claim(conn, &invitation.id, now, STATE_ACCEPTED)? {
        return Err(unusable());
    }
    let mut user = store::users::get(conn, tenant, &invitation.user_id)?.ok_or_else(not_found)?;
    user.external_user_id = Some(subject.to_owned());
    user.last_updated = now;
    store::users::update(conn, &user, None)?;
    accepted_event(conn, &invitation, now)?;
    Ok(user)
}

/// `invitation.accepted`, by the invited user, in the accepting unit of work.
fn accepted_event(conn: &mut DbConn, invitation: &Invitation, now: UnixTime) -> ServiceResult<()> {
    let event = AuditEvent::security(
        &invitation.tenant_id,
        invitation.user_id.as_str(),
        AuditAction::InvitationAccepted,
        Outcome::Success,
        &Origin::default(),
        now,
    )
    .on(invitation.id.as_str());
    Ok(store::audit::record(conn, &event)?)
}
