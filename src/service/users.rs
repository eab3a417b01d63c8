//! Users of a tenant (SPEC §3.6). Local accounts get an argon2id password hash (the `Password`
//! extension, write-only); the hash is computed before the transaction so no lock is held for it.

use super::clients::Listing;
use super::validate;
use super::{authorize, Context, Rule, ServiceError, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::user::{LOCAL_IDENTITY_PROVIDER_ID, MIN_PASSWORD_LENGTH};
use crate::domain::{BuiltinRole, Caller, ListQuery, Role, RoleId, TenantId, User, UserId};
use crate::store::{self, DbConn};
use serde::Deserialize;

/// Create or partial-update body of a user (`UserCreateOrUpdate` plus `Password`).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UserInput {
    pub id: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub contact_email: Option<String>,
    pub contact_given_name: Option<String>,
    pub contact_surname: Option<String>,
    pub external_user_id: Option<String>,
    pub identity_provider_id: Option<String>,
    pub role_ids: Option<Vec<String>>,
    /// Portcullis extension: a local account's password (at least 12 characters); never returned.
    #[schema(write_only)]
    pub password: Option<String>,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password must never reach a log line.
        f.debug_struct("UserInput")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

/// Parses a user id from a path.
pub fn parse_user_id(raw: &str) -> ServiceResult<UserId> {
    UserId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("User id '{raw}' is not a valid GUID."),
            "Use a user Id from GET /Users.",
        )
    })
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("User".to_owned())
}

pub(super) fn valid_email(raw: &str) -> ServiceResult<String> {
    let email = validate::required_text("Email", Some(raw))?;
    let ok = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if !ok {
        return Err(ServiceError::bad_request(
            format!("Email '{email}' is not an e-mail address."),
            "Send an address such as name@example.com.",
        ));
    }
    Ok(email)
}

/// Checks a new password's length (cheap, before anything else).
pub(super) fn check_password_length(password: Option<&str>) -> ServiceResult<()> {
    match password {
        Some(p) if p.chars().count() < MIN_PASSWORD_LENGTH => Err(ServiceError::bad_request(
            format!("Password must have at least {MIN_PASSWORD_LENGTH} characters."),
            "Choose a longer password; a passphrase of several words works well.",
        )),
        _ => Ok(()),
    }
}

/// Hashes a new password on the bounded password threads, outside any transaction (argon2 is
/// slow). SPEC §8: only after the caller is known to be allowed — `authorized` runs first, so a
/// caller without the role costs no hash.
fn password_hash(
    ctx: &Context,
    password: Option<&str>,
    authorized: impl FnOnce() -> ServiceResult<()>,
) -> ServiceResult<Option<String>> {
    check_password_length(password)?;
    authorized()?;
    password.map(|p| ctx.passwords.hash(p)).transpose()
}

fn member_role(roles: &[Role]) -> ServiceResult<RoleId> {
    roles
        .iter()
        .find(|r| r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id()))
        .map(|r| r.id.clone())
        .ok_or_else(|| ServiceError::Internal("tenant has no Tenant Member role".to_owned()))
}

fn apply_profile(user: &mut User, input: &UserInput) -> ServiceResult<()> {
    let text = |field: &str, v: &Option<String>| validate::optional_text(field, v.as_deref());
    if input.given_name.is_some() {
        user.given_name = text("GivenName", &input.given_name)?;
    }
    if input.surname.is_some() {
        user.surname = text("Surname", &input.surname)?;
    }
    if input.name.is_some() {
        user.name = text("Name", &input.name)?;
    }
    if input.contact_email.is_some() {
        user.contact_email = text("ContactEmail", &input.contact_email)?;
    }
    if input.contact_given_name.is_some() {
        user.contact_given_name = text("ContactGivenName", &input.contact_given_name)?;
    }
    if input.contact_surname.is_some() {
        user.contact_surname = text("ContactSurname", &input.contact_surname)?;
    }
    if input.external_user_id.is_some() {
        user.external_user_id = text("ExternalUserId", &input.external_user_id)?;
    }
    Ok(())
}

/// Creates a user inside an open transaction (API, CLI and bootstrap share it).
pub(crate) fn create_user_rows(
    conn: &mut DbConn,
    tenant: &TenantId,
    input: &UserInput,
    password_hash: Option<&str>,
    now: i64,
) -> ServiceResult<User> {
    let email = valid_email(input.email.as_deref().unwrap_or(""))?;
    let id = match input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => parse_user_id(raw)?,
        None => UserId::generate(),
    };
    let idp = match input
        .identity_provider_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        Some(raw) => crate::domain::ids::canonical_guid(raw).map_err(|_| {
            ServiceError::bad_request(
                format!("IdentityProviderId '{raw}' is not a valid GUID."),
                format!("Leave it out for a local account ({LOCAL_IDENTITY_PROVIDER_ID})."),
            )
        })?,
        None => LOCAL_IDENTITY_PROVIDER_ID.to_owned(),
    };
    if password_hash.is_some() && idp != LOCAL_IDENTITY_PROVIDER_ID {
        return Err(ServiceError::bad_request(
            "Only local accounts have a Password.",
            "Leave Password out for users of an external identity provider.",
        ));
    }
    let taken_in = store::users::tenant_of(conn, &id)?;
    validate::new_id("user", id.as_str(), taken_in.as_ref(), tenant)?;
    let roles = store::roles::list(conn, tenant)?;
    let role_ids = match &input.role_ids {
        Some(ids) => validate::role_ids(&roles, ids)?,
        None => vec![member_role(&roles)?],
    };
    if store::users::count(conn, tenant)? >= 50_000 {
        return Err(ServiceError::bad_request(
            "The tenant already has the maximum of 50000 users.",
            "Delete users who no longer need access.",
        ));
    }
    if store::users::find_by_email(conn, tenant, &email)?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "a user with e-mail '{email}' already exists in this tenant"
        )));
    }
    let mut user = User {
        id,
        tenant_id: tenant.clone(),
        given_name: None,
        surname: None,
        name: None,
        email,
        contact_email: None,
        contact_given_name: None,
        contact_surname: None,
        external_user_id: None,
        identity_provider_id: idp,
        role_ids,
        created: now,
        last_updated: now,
    };
    apply_profile(&mut user, input)?;
    store::users::insert(conn, &user, password_hash).map_err(|e| match e {
        crate::store::StoreError::Conflict => {
            ServiceError::Conflict(format!("a user with id '{}' already exists", user.id))
        }
        other => other.into(),
    })?;
    Ok(user)
}

/// POST a user (TA).
pub fn create(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    input: UserInput,
) -> ServiceResult<User> {
    let hash = password_hash(ctx, input.password.as_deref(), || {
        ctx.store
            .read(|conn| authorize(conn, caller, tenant, Rule::Admin).map(drop))
    })?;
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let user = create_user_rows(conn, tenant, &input, hash.as_deref(), now)?;
        super::audit::changed(
            ctx,
            conn,
            caller,
            AuditAction::UserCreated,
            user.id.as_str(),
        )?;
        Ok(user)
    })
}

/// `user add` on the command line (no caller: the operator has the database).
pub fn create_local(
    ctx: &Context,
    tenant: &TenantId,
    input: UserInput,
    admin: bool,
) -> ServiceResult<User> {
    let hash = password_hash(ctx, input.password.as_deref(), || Ok(()))?;
    if hash.is_none() {
        return Err(ServiceError::bad_request(
            "A password is required.",
            "Pipe the password to --password-stdin.",
        ));
    }
    let now = ctx.now();
    ctx.store.write(|conn| {
        if store::tenants::get(conn, tenant)?.is_none() {
            return Err(ServiceError::NotFound("Tenant".to_owned()));
        }
        let roles = store::roles::list(conn, tenant)?;
        let mut role_ids = vec![member_role(&roles)?.into_string()];
        if admin {
            if let Some(r) = roles.iter().find(|r| {
                r.role_type_id.as_deref() == Some(BuiltinRole::TenantAdministrator.role_type_id())
            }) {
                role_ids.push(r.id.as_str().to_owned());
            }
        }
        let input = UserInput {
            role_ids: Some(role_ids),
            ..input
        };
        let user = create_user_rows(conn, tenant, &input, hash.as_deref(), now)?;
        let event = AuditEvent::cli(
            Some(tenant),
            AuditAction::UserCreated,
            user.id.as_str(),
            now,
        );
        store::audit::record(conn, &event)?;
        Ok(user)
    })
}

/// GET users (TM); ids not found are reported for 207.
pub fn list(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    query: &ListQuery,
) -> ServiceResult<Listing<User>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        let page = store::users::list(conn, tenant, query)?;
        let missing = query
            .ids
            .iter()
            .filter(|id| !page.items.iter().any(|u| u.id.as_str() == id.as_str()))
            .cloned()
            .collect();
        Ok(Listing { page, missing })
    })
}

/// GET one user (TM, Self).
pub fn get(ctx: &Context, caller: &Caller, tenant: &TenantId, id: &UserId) -> ServiceResult<User> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        store::users::get(conn, tenant, id)?.ok_or_else(not_found)
    })
}

/// PUT a partial update (TA). `Password` may be set; the identity provider cannot change.
pub fn update(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &UserId,
    input: UserInput,
) -> ServiceResult<User> {
    if let Some(raw) = input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        if UserId::parse(raw).ok().as_ref() != Some(id) {
            return Err(ServiceError::bad_request(
                "The Id in the body differs from the user id in the path.",
                "Leave Id out of the body or send the same id as in the path.",
            ));
        }
    }
    let hash = password_hash(ctx, input.password.as_deref(), || {
        ctx.store
            .read(|conn| authorize(conn, caller, tenant, Rule::Admin).map(drop))
    })?;
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let mut user = store::users::get(conn, tenant, id)?.ok_or_else(not_found)?;
        if let Some(idp) = input
            .identity_provider_id
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            if crate::domain::ids::canonical_guid(idp).ok().as_deref()
                != Some(user.identity_provider_id.as_str())
            {
                return Err(ServiceError::bad_request(
                    "IdentityProviderId cannot change.",
                    "Delete the user and create it again with the other identity provider.",
                ));
            }
        }
        if hash.is_some() && user.identity_provider_id != LOCAL_IDENTITY_PROVIDER_ID {
            return Err(ServiceError::bad_request(
                "Only local accounts have a Password.",
                "Leave Password out for users of an external identity provider.",
            ));
        }
        if let Some(email) = input.email.as_deref() {
            let email = valid_email(email)?;
            if let Some((other, _)) = store::users::find_by_email(conn, tenant, &email)? {
                if other.id != user.id {
                    return Err(ServiceError::Conflict(format!(
                        "a user with e-mail '{email}' already exists in this tenant"
                    )));
                }
            }
            user.email = email;
        }
        apply_profile(&mut user, &input)?;
        if let Some(ids) = &input.role_ids {
            let roles = store::roles::list(conn, tenant)?;
            user.role_ids = validate::role_ids(&roles, ids)?;
            store::users::set_roles(conn, &user)?;
        }
        user.last_updated = now;
        store::users::update(conn, &user, hash.as_deref())?;
        super::audit::changed(ctx, conn, caller, AuditAction::UserUpdated, id.as_str())?;
        Ok(user)
    })
}

/// DELETE a user (TA); a user cannot delete itself.
pub fn delete(ctx: &Context, caller: &Caller, tenant: &TenantId, id: &UserId) -> ServiceResult<()> {
    if caller.is_user(tenant, id) {
        return Err(ServiceError::bad_request(
            "A user cannot delete itself.",
            "Ask another Tenant Administrator to delete this user.",
        ));
    }
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        store::users::get(conn, tenant, id)?.ok_or_else(not_found)?;
        store::users::delete(conn, id)?;
        super::audit::changed(ctx, conn, caller, AuditAction::UserDeleted, id.as_str())?;
        Ok(())
    })
}

/// GET a user's roles (TM, Self).
pub fn roles(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &UserId,
) -> ServiceResult<Vec<Role>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        let user = store::users::get(conn, tenant, id)?.ok_or_else(not_found)?;
        Ok(store::roles::list(conn, tenant)?
            .into_iter()
            .filter(|r| user.role_ids.contains(&r.id))
            .collect())
    })
}

/// PUT a user's roles (TA): replaces the list; Tenant Member must stay.
pub fn set_roles(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &UserId,
    role_ids: &[String],
) -> ServiceResult<Vec<Role>> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let mut user = store::users::get(conn, tenant, id)?.ok_or_else(not_found)?;
        let all = store::roles::list(conn, tenant)?;
        user.role_ids = validate::role_ids(&all, role_ids)?;
        user.last_updated = now;
        store::users::set_roles(conn, &user)?;
        store::users::update(conn, &user, None)?;
        super::audit::changed(ctx, conn, caller, AuditAction::UserRolesSet, id.as_str())?;
        Ok(all
            .into_iter()
            .filter(|r| user.role_ids.contains(&r.id))
            .collect())
    })
}
