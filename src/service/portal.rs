//! The administrator portal's own use cases (SPEC §11): signing in without a client (the tenant
//! is found by the e-mail), turning the identity session into a [`Caller`] so that every portal
//! action runs through the same service functions as the management API (same role matrix,
//! validation, limits and messages), and the per-field checks of the portal's forms, which call
//! the same `validate` rules so the message can stand next to the field it concerns.

use super::credentials::{check_password, PasswordCheck};
use super::{sessions, validate, Context, ServiceError, ServiceResult};
use crate::domain::audit::Origin;
use crate::domain::caller::Access;
use crate::domain::{Caller, TenantId};
use crate::store;

/// The tenant searched when an e-mail names no single tenant: the nil GUID, never a tenant, so
/// the password check finds no account and does its dummy work.
const NO_TENANT: &str = "00000000-0000-0000-0000-000000000000";
/// The `token_id` of a portal caller. CAUTION: no token carries this id, so it is never on the
/// revocation list; ending the session is what ends portal access.
pub const PORTAL_TOKEN_ID: &str = "portal-session";

/// The portal login POST's result.
#[derive(Debug)]
pub enum PortalLogin {
    /// Signed in: set this session cookie value.
    SignedIn { cookie: String },
    /// Show the login page again with this message; `slow_down`: answer only after a pause
    /// (the account is under attack, SPEC §8).
    Retry { message: String, slow_down: bool },
}

/// Signs in to the portal. The tenant is the one whose account has this e-mail; when several
/// tenants have one, `tenant_hint` (`/portal?tenant=<id>`) chooses. An unknown or ambiguous
/// e-mail gets the same work and the same message as a wrong password (SPEC §5, §8).
pub fn portal_login(
    ctx: &Context,
    email: &str,
    password: &str,
    origin: &Origin,
    old_cookie: Option<&str>,
    tenant_hint: Option<&str>,
) -> ServiceResult<PortalLogin> {
    let tenants = ctx
        .store
        .read(|conn| store::users::tenants_with_email(conn, email.trim()))?;
    let hint = tenant_hint.and_then(|h| TenantId::parse(h.trim()).ok());
    let tenant = match (hint, tenants.as_slice()) {
        (Some(h), found) if found.contains(&h) => h,
        (None, [only]) => only.clone(),
        // Nobody, or several tenants and no (matching) hint: no account will be found in the nil
        // tenant, so the check below does the dummy verification and counts the failure.
        _ => TenantId::from_stored(NO_TENANT.to_owned()),
    };
    // SPEC §12.1: with the tenant's Local provider disabled no password signs in; refused like
    // an unknown account (same words, same work).
    let tenant = match ctx
        .store
        .read(|conn| super::federation::password_enabled(conn, &tenant))?
    {
        true => tenant,
        false => TenantId::from_stored(NO_TENANT.to_owned()),
    };
    Ok(
        match check_password(ctx, &tenant, email, password, origin, old_cookie)? {
            PasswordCheck::SignedIn { cookie } => PortalLogin::SignedIn { cookie },
            PasswordCheck::Refused { message, slow_down } => {
                PortalLogin::Retry { message, slow_down }
            }
        },
    )
}

/// The signed-in portal user.
#[derive(Clone, Debug)]
pub struct PortalUser {
    /// The caller every portal action passes to the service functions.
    pub caller: Caller,
    pub email: String,
    /// Whether the user holds Tenant Administrator (manages; others read).
    pub is_admin: bool,
}

/// The portal user behind a session cookie, if the session is alive and its user still exists.
/// Each use counts as activity for the session's idle timeout.
pub fn portal_user(ctx: &Context, cookie: Option<&str>) -> ServiceResult<Option<PortalUser>> {
    let now = ctx.now();
    ctx.store.write(|conn| {
        let Some(session) = sessions::live_session(ctx, conn, cookie, now)? else {
            return Ok(None);
        };
        let Some(user) = store::users::get(conn, &session.tenant_id, &session.user_id)? else {
            return Ok(None);
        };
        store::grants::touch_session(conn, &session.id_hash, now)?;
        let role_type_ids = super::token::issue::role_type_ids_of(conn, &user)?;
        let caller = Caller {
            tenant_id: session.tenant_id.clone(),
            client_id: None,
            user_id: Some(user.id.clone()),
            role_type_ids,
            token_id: PORTAL_TOKEN_ID.to_owned(),
            origin: Default::default(),
        };
        let is_admin = caller.may(&session.tenant_id, Access::TenantAdministrator);
        Ok(Some(PortalUser {
            caller,
            email: user.email,
            is_admin,
        }))
    })
}

/// Signs out of the portal (and the identity pages: it is the same session).
pub fn portal_logout(ctx: &Context, cookie: Option<&str>) -> ServiceResult<()> {
    ctx.store.write(|conn| sessions::end_session(conn, cookie))
}

/// The fields of the portal's client forms that a message can stand next to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Password,
    TokenLifetime,
    RedirectUris,
    LogoutRedirectUris,
    CorsOrigins,
    Description,
    Expiration,
}

/// A message for one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

fn reason(e: ServiceError) -> String {
    match e {
        ServiceError::BadRequest { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// The client form fields as typed.
#[derive(Debug, Default)]
pub struct ClientFields<'a> {
    pub name: &'a str,
    pub token_lifetime: &'a str,
    pub redirect_uris: &'a [String],
    pub post_logout_redirect_uris: &'a [String],
    pub allowed_cors_origins: &'a [String],
}

/// The token lifetime as typed: a number, or a value the lifetime rule refuses.
pub fn parse_lifetime(text: &str) -> i64 {
    text.trim().parse().unwrap_or(i64::MIN)
}

/// Checks each client field with the management API's own rules and messages. The service
/// functions check them all again when the client is saved.
pub fn check_client_fields(f: &ClientFields<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut push = |field, r: ServiceResult<()>| {
        if let Err(e) = r {
            out.push(FieldError {
                field,
                message: reason(e),
            });
        }
    };
    push(
        Field::Name,
        validate::required_text("Name", Some(f.name)).map(drop),
    );
    push(
        Field::TokenLifetime,
        validate::token_lifetime(parse_lifetime(f.token_lifetime)).map(drop),
    );
    push(
        Field::RedirectUris,
        validate::uri_list("RedirectUris", f.redirect_uris).map(drop),
    );
    push(
        Field::LogoutRedirectUris,
        validate::uri_list("PostLogoutRedirectUris", f.post_logout_redirect_uris).map(drop),
    );
    let bad_origin = f
        .allowed_cors_origins
        .iter()
        .find(|o| super::clients::normalize_origin(o).is_none());
    if let Some(o) = bad_origin {
        out.push(FieldError {
            field: Field::CorsOrigins,
            message: format!("'{o}' in AllowedCorsOrigins is not an origin."),
        });
    }
    out
}

/// Checks the fields of the Add User form with the management API's own rules and messages.
/// `Password` may be empty: that user is invited and chooses it (SPEC §12.3). `users::create`
/// checks them all again.
pub fn check_user_fields(email: &str, name: &str, password: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut push = |field, r: ServiceResult<()>| {
        if let Err(e) = r {
            out.push(FieldError {
                field,
                message: reason(e),
            });
        }
    };
    push(Field::Email, super::users::valid_email(email).map(drop));
    push(
        Field::Name,
        validate::optional_text("Name", Some(name)).map(drop),
    );
    push(
        Field::Password,
        super::users::check_password_length(Some(password).filter(|p| !p.is_empty())),
    );
    out
}

/// Checks the fields of a new secret (`Expiration` as a date, `Never Expires`) with the secret
/// rules of SPEC §3.5; returns the wire expiration (`None` = never) or the messages.
pub fn check_secret_fields(
    ctx: &Context,
    description: &str,
    expiration: &str,
    never_expires: bool,
) -> Result<Option<String>, Vec<FieldError>> {
    let mut out = Vec::new();
    if let Err(e) = validate::optional_text("Description", Some(description)) {
        out.push(FieldError {
            field: Field::Description,
            message: reason(e),
        });
    }
    let expiration = expiration.trim();
    let wire = (!never_expires && !expiration.is_empty()).then(|| expiration.to_owned());
    let checked = validate::timestamp("Expiration", wire.as_deref())
        .and_then(|at| validate::secret_expiry(Some(!never_expires), at, ctx.now()).map(drop));
    if let Err(e) = checked {
        out.push(FieldError {
            field: Field::Expiration,
            message: reason(e),
        });
    }
    if out.is_empty() {
        Ok(wire)
    } else {
        Err(out)
    }
}
