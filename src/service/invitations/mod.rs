//! Invitations (SPEC §12.3, OCS `Identity_Invitation`): the management API's use cases (all
//! Tenant Administrator), the portal's Invite, and accepting a link — with a password for the
//! Local provider ([`accept_local`]) or, from the federation callback, with an upstream identity
//! ([`accept_upstream`]).
//!
//! The link's code is 256 random bits, shown only in the create and PUT answers (a PUT issues a
//! new code and the old link stops working) and stored only as its SHA-256. Acceptance claims the
//! row atomically, so a code is used once on any node.

use super::audit;
use super::users::parse_user_id;
use super::{authorize, validate, Context, Rule, ServiceError, ServiceResult};
use crate::clock::UnixTime;
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::audit::AuditAction;
use crate::domain::invitation::{self as rules, STATE_NONE};
use crate::domain::{Caller, Invitation, InvitationId, ListQuery, Page, TenantId, User, UserId};
use crate::store::{self, DbConn};
use serde::Deserialize;

/// `InvitationCreateOrUpdate`. `State` is OCS-internal and ignored; no e-mail is ever sent, so
/// `SendInvitation` changes nothing (the administrator passes the link on).
#[derive(Deserialize, Default, Debug, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct InvitationInput {
    pub expires_date_time: Option<String>,
    pub identity_provider_id: Option<String>,
    pub send_invitation: Option<bool>,
    pub state: Option<i32>,
}

/// The link of a new or renewed invitation, shown once.
#[derive(Clone)]
pub struct InvitationUrl(String);

impl InvitationUrl {
    /// The link in clear: only for the create / PUT answer and the portal's Invite.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for InvitationUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationUrl([REDACTED])")
    }
}

/// An invitation with its freshly issued link.
#[derive(Debug)]
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub url: InvitationUrl,
}

/// Which invitation a path names.
#[derive(Clone, Debug)]
pub enum Target {
    /// `/Users/{userId}/Invitation`.
    User(UserId),
    /// `/Invitations/{invitationId}`.
    Id(InvitationId),
}

/// Parses `{invitationId}`.
pub fn parse_invitation_id(raw: &str) -> ServiceResult<InvitationId> {
    InvitationId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Invitation id '{raw}' is not a valid GUID."),
            "Use an invitation Id from GET /Invitations.",
        )
    })
}

/// Parses the target of a `/Users/{userId}/Invitation` path.
pub fn user_target(raw: &str) -> ServiceResult<Target> {
    parse_user_id(raw).map(Target::User)
}

/// The storage form of a link's code (SHA-256, base64url, like every other bearer value).
pub fn code_hash(code: &str) -> String {
    sha256_b64url(code)
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Invitation".to_owned())
}

/// `ExpiresDateTime`: in the future, at most two months ahead; absent → 21 days (OCS).
fn expiry(raw: Option<&str>, now: UnixTime) -> ServiceResult<Option<UnixTime>> {
    let Some(at) = validate::timestamp("ExpiresDateTime", raw)? else {
        return Ok(None);
    };
    if at <= now {
        return Err(ServiceError::bad_request(
            "ExpiresDateTime is not in the future.",
            "Send a future ExpiresDateTime, or leave it out for 21 days from now.",
        ));
    }
    if at > rules::latest_expiry(now) {
        return Err(ServiceError::bad_request(
            "ExpiresDateTime is more than two months ahead.",
            "Send an ExpiresDateTime at most two months from now.",
        ));
    }
    Ok(Some(at))
}

/// `IdentityProviderId`: the user's own provider (the default). Another one is refused, since the
/// user could not sign in through it after accepting (a user's provider does not change).
fn provider(raw: Option<&str>, user: &User) -> ServiceResult<String> {
    let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(user.identity_provider_id.clone());
    };
    let id = crate::domain::ids::canonical_guid(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("IdentityProviderId '{raw}' is not a valid GUID."),
            "Leave it out to use the user's identity provider.",
        )
    })?;
    if id != user.identity_provider_id {
        return Err(ServiceError::bad_request(
            "IdentityProviderId differs from the user's identity provider.",
            format!(
                "Leave it out, or send the user's IdentityProviderId ({}).",
                user.identity_provider_id
            ),
        ));
    }
    Ok(id)
}

fn user_of(conn: &mut DbConn, tenant: &TenantId, id: &UserId) -> ServiceResult<User> {
    store::users::get(conn, tenant, id)?.ok_or_else(|| ServiceError::NotFound("User".to_owned()))
}

fn find(conn: &mut DbConn, tenant: &TenantId, target: &Target) -> ServiceResult<Invitation> {
    let found = match target {
        Target::User(user) => {
            user_of(conn, tenant, user)?;
            store::invitations::of_user(conn, tenant, user)?
        }
        Target::Id(id) => store::invitations::get(conn, tenant, id)?,
    };
    found.ok_or_else(not_found)
}

/// A fresh code for `invitation` (stored hashed) and its link.
fn issue_code(ctx: &Context, invitation: &mut Invitation) -> ServiceResult<InvitationUrl> {
    let code = random_token(rules::CODE_BYTES)?;
    invitation.code_hash = code_hash(&code);
    Ok(InvitationUrl(format!(
        "{}/account/invitation?code={code}",
        ctx.config.issuer()
    )))
}

fn create_row(
    ctx: &Context,
    conn: &mut DbConn,
    tenant: &TenantId,
    user: &UserId,
    input: &InvitationInput,
    now: UnixTime,
) -> ServiceResult<IssuedInvitation> {
    let user = user_of(conn, tenant, user)?;
    let expires = expiry(input.expires_date_time.as_deref(), now)?
        .unwrap_or(now + rules::DEFAULT_LIFETIME_SECONDS);
    let identity_provider_id = provider(input.identity_provider_id.as_deref(), &user)?;
    let conflict = || ServiceError::Conflict("the user already has an invitation".to_owned());
    if store::invitations::of_user(conn, tenant, &user.id)?.is_some() {
        return Err(conflict());
    }
    let mut invitation = Invitation {
        id: InvitationId::generate(),
        tenant_id: tenant.clone(),
        user_id: user.id,
        identity_provider_id,
        code_hash: String::new(),
        issued: now,
        expires,
        accepted: None,
        state: STATE_NONE,
        created: now,
    };
    let url = issue_code(ctx, &mut invitation)?;
    store::invitations::insert(conn, &invitation).map_err(|e| match e {
        store::StoreError::Conflict => conflict(),
        other => other.into(),
    })?;
    Ok(IssuedInvitation { invitation, url })
}

/// Merges a partial update and issues a new code: the old link stops working, and the
/// invitation is open again (not accepted) until its expiry, which a PUT does not extend unless
/// it sends `ExpiresDateTime` (OCS).
fn renew_row(
    ctx: &Context,
    conn: &mut DbConn,
    mut invitation: Invitation,
    input: &InvitationInput,
    now: UnixTime,
) -> ServiceResult<IssuedInvitation> {
    let user = user_of(conn, &invitation.tenant_id, &invitation.user_id)?;
    if let Some(at) = expiry(input.expires_date_time.as_deref(), now)? {
        invitation.expires = at;
    }
    if input.identity_provider_id.is_some() {
        invitation.identity_provider_id = provider(input.identity_provider_id.as_deref(), &user)?;
    }
    invitation.issued = now;
    invitation.accepted = None;
    invitation.state = STATE_NONE;
    let url = issue_code(ctx, &mut invitation)?;
    store::invitations::update(conn, &invitation)?;
    Ok(IssuedInvitation { invitation, url })
}

/// POST `/Users/{userId}/Invitation` (TA): one per user, a second one → 409.
pub fn create(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    user: &UserId,
    input: InvitationInput,
) -> ServiceResult<IssuedInvitation> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let issued = create_row(ctx, conn, tenant, user, &input, now)?;
        audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::InvitationCreated,
            issued.invitation.id.as_str(),
        )?;
        Ok(issued)
    })
}

/// GET one invitation (TA).
pub fn get(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    target: &Target,
) -> ServiceResult<Invitation> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        find(conn, tenant, target)
    })
}

/// PUT (TA): a partial update that issues a new link.
pub fn update(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    target: &Target,
    input: InvitationInput,
) -> ServiceResult<IssuedInvitation> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let invitation = find(conn, tenant, target)?;
        let issued = renew_row(ctx, conn, invitation, &input, now)?;
        audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::InvitationRenewed,
            issued.invitation.id.as_str(),
        )?;
        Ok(issued)
    })
}

/// DELETE (TA).
pub fn delete(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    target: &Target,
) -> ServiceResult<()> {
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let invitation = find(conn, tenant, target)?;
        store::invitations::delete(conn, &invitation.id)?;
        audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::InvitationRevoked,
            invitation.id.as_str(),
        )
    })
}

/// GET `/Invitations` (TA): a page; expired ones only with `includeExpiredInvitations`.
pub fn list(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    query: &ListQuery,
    include_expired: bool,
) -> ServiceResult<Page<Invitation>> {
    let now = ctx.now();
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        Ok(store::invitations::list(
            conn,
            tenant,
            query,
            include_expired,
            now,
        )?)
    })
}

/// The portal's Invite (TA): creates the user's invitation, or renews it for another 21 days.
pub fn invite(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    user: &UserId,
) -> ServiceResult<IssuedInvitation> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let input = InvitationInput::default();
        let (issued, action) = match store::invitations::of_user(conn, tenant, user)? {
            None => (
                create_row(ctx, conn, tenant, user, &input, now)?,
                AuditAction::InvitationCreated,
            ),
            Some(mut existing) => {
                existing.expires = now + rules::DEFAULT_LIFETIME_SECONDS;
                (
                    renew_row(ctx, conn, existing, &input, now)?,
                    AuditAction::InvitationRenewed,
                )
            }
        };
        audit::changed(ctx, conn, caller, action, issued.invitation.id.as_str())?;
        Ok(issued)
    })
}

mod accept;

pub use accept::{accept_local, accept_upstream, open, AcceptLocal, Opened};
