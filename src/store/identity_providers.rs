//! Identity providers of a tenant, the pending upstream logins (single use: taken by deleting
//! exactly one row), the user lookups of the federation mapping and the upstream origin of a
//! session (`idp`, `amr`).

use super::schema::{federation_logins, identity_providers, sessions, users};
use super::{from_json_list, to_json_list, DbConn, StoreError, StoreResult};
use crate::clock::UnixTime;
use crate::domain::identity_provider::{IdentityProvider, ProviderKind};
use crate::domain::{RoleId, TenantId, UserId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = identity_providers, treat_none_as_null = true)]
struct ProviderRow {
    tenant_id: String,
    id: String,
    kind: String,
    display_name: String,
    authority: String,
    client_id: String,
    client_secret_sealed: Option<String>,
    scopes: String,
    enabled: bool,
    allow_auto_provisioning: bool,
    default_role_ids: String,
    created: i64,
}

fn to_row(p: &IdentityProvider) -> ProviderRow {
    let roles: Vec<String> = p
        .default_role_ids
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    ProviderRow {
        tenant_id: p.tenant_id.as_str().to_owned(),
        id: p.id.clone(),
        kind: p.kind.as_str().to_owned(),
        display_name: p.display_name.clone(),
        authority: p.authority.clone(),
        client_id: p.client_id.clone(),
        client_secret_sealed: p.client_secret_sealed.clone(),
        scopes: p.scopes.clone(),
        enabled: p.enabled,
        allow_auto_provisioning: p.allow_auto_provisioning,
        default_role_ids: to_json_list(&roles),
        created: p.created,
    }
}

fn from_row(r: ProviderRow) -> StoreResult<IdentityProvider> {
    let kind = ProviderKind::parse(&r.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("identity provider kind '{}'", r.kind)))?;
    Ok(IdentityProvider {
        id: r.id,
        tenant_id: TenantId::from_stored(r.tenant_id),
        kind,
        display_name: r.display_name,
        authority: r.authority,
        client_id: r.client_id,
        client_secret_sealed: r.client_secret_sealed,
        scopes: r.scopes,
        enabled: r.enabled,
        allow_auto_provisioning: r.allow_auto_provisioning,
        default_role_ids: from_json_list(&r.default_role_ids)?
            .into_iter()
            .map(RoleId::from_stored)
            .collect(),
        created: r.created,
    })
}

/// The stored providers of a tenant (the Local one only once changed), by creation then id.
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> StoreResult<Vec<IdentityProvider>> {
    identity_providers::table
        .filter(identity_providers::tenant_id.eq(tenant.as_str()))
        .order((
            identity_providers::created.asc(),
            identity_providers::id.asc(),
        ))
        .select(ProviderRow::as_select())
        .load(conn)?
        .into_iter()
        .map(from_row)
        .collect()
}

pub fn get(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &str,
) -> StoreResult<Option<IdentityProvider>> {
    identity_providers::table
        .find((tenant.as_str(), id))
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?
        .map(from_row)
        .transpose()
}

pub fn insert(conn: &mut DbConn, p: &IdentityProvider) -> StoreResult<()> {
    diesel::insert_into(identity_providers::table)
        .values(to_row(p))
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, p: &IdentityProvider) -> StoreResult<()> {
    diesel::update(identity_providers::table.find((p.tenant_id.as_str(), p.id.as_str())))
        .set(to_row(p))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, tenant: &TenantId, id: &str) -> StoreResult<()> {
    diesel::delete(identity_providers::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(())
}

/// A sign-in sent upstream and not yet answered. Only hashes of the state and of the browser
/// cookie are kept; the PKCE verifier is sealed.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = federation_logins)]
pub struct PendingLogin {
    pub state_hash: String,
    pub browser_hash: String,
    pub tenant_id: String,
    pub provider_id: String,
    /// The relying party's urlencoded authorization request, to continue after sign-in.
    pub request: String,
    pub nonce: String,
    pub pkce_verifier_sealed: String,
    /// The invitation code being accepted, if any (SPEC §12.3).
    pub invitation: Option<String>,
    pub expires_at: i64,
}

pub fn insert_pending(conn: &mut DbConn, login: &PendingLogin) -> StoreResult<()> {
    diesel::insert_into(federation_logins::table)
        .values(login)
        .execute(conn)?;
    Ok(())
}

/// Takes the pending login of `state_hash`: deleted and returned by one statement, so two
/// callbacks with one state cannot both proceed.
pub fn take_pending(conn: &mut DbConn, state_hash: &str) -> StoreResult<Option<PendingLogin>> {
    let taken = || diesel::delete(federation_logins::table.find(state_hash));
    // Per backend: the returned row's columns are typed for one.
    Ok(match conn {
        DbConn::Pg(c) => taken()
            .returning(PendingLogin::as_returning())
            .get_result(c)
            .optional()?,
        DbConn::Sqlite(c) => taken()
            .returning(PendingLogin::as_returning())
            .get_result(c)
            .optional()?,
    })
}

/// Deletes up to `batch` pending logins that expired before `now`.
pub fn purge_pending(conn: &mut DbConn, now: UnixTime, batch: i64) -> StoreResult<usize> {
    let expired: Vec<String> = federation_logins::table
        .filter(federation_logins::expires_at.lt(now))
        .select(federation_logins::state_hash)
        .limit(batch)
        .load(conn)?;
    if expired.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(
        federation_logins::table.filter(federation_logins::state_hash.eq_any(&expired)),
    )
    .execute(conn)?)
}

/// The user of `tenant` bound to (provider, external id) — mapping rule 1 (index
/// `users_external_identity`). The management API does not stop two users from holding the same
/// binding; then the older one is the answer, every time.
pub fn user_by_external_id(
    conn: &mut DbConn,
    tenant: &TenantId,
    provider: &str,
    external_id: &str,
) -> StoreResult<Option<UserId>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::identity_provider_id.eq(provider))
        .filter(users::external_user_id.eq(external_id))
        .order((users::created.asc(), users::id.asc()))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .map(UserId::from_stored))
}

/// The user of `tenant` and `provider` with this e-mail (case-insensitive) and no external id
/// yet — mapping rule 3.
pub fn unbound_user_by_email(
    conn: &mut DbConn,
    tenant: &TenantId,
    provider: &str,
    email: &str,
) -> StoreResult<Option<UserId>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::identity_provider_id.eq(provider))
        .filter(users::external_user_id.is_null())
        .filter(users::email_lower.eq(email.to_lowercase()))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .map(UserId::from_stored))
}

/// Binds a user to its upstream identity (only while unbound: one row or none).
pub fn bind_external_id(
    conn: &mut DbConn,
    user: &UserId,
    external_id: &str,
    now: UnixTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(user.as_str()))
            .filter(users::external_user_id.is_null()),
    )
    .set((
        users::external_user_id.eq(external_id),
        users::last_updated.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records on a session how its user signed in upstream: the provider (`idp`) and `amr`.
pub fn set_session_origin(
    conn: &mut DbConn,
    session_hash: &str,
    idp: &str,
    amr: &[String],
) -> StoreResult<()> {
    diesel::update(sessions::table.find(session_hash))
        .set((sessions::idp.eq(idp), sessions::amr.eq(to_json_list(amr))))
        .execute(conn)?;
    Ok(())
}

/// The upstream origin of the session with this `sid`: `(idp, amr)`, when it came from one.
pub fn session_origin(conn: &mut DbConn, sid: &str) -> StoreResult<Option<(String, Vec<String>)>> {
    let row: Option<(Option<String>, Option<String>)> = sessions::table
        .filter(sessions::sid.eq(sid))
        .select((sessions::idp, sessions::amr))
        .first(conn)
        .optional()?;
    match row {
        Some((Some(idp), amr)) => {
            let amr = match amr {
                Some(text) => from_json_list(&text)?,
                None => Vec::new(),
            };
            Ok(Some((idp, amr)))
        }
        _ => Ok(None),
    }
}
