//! Invitation rows (SPEC §12.3): one per user (a unique index), found by id, by user or by the
//! SHA-256 of the link's code. Acceptance is claimed atomically (`UPDATE … WHERE accepted IS
//! NULL AND expires > now`), so one code is accepted once, on any node.

use super::schema::invitations;
use super::{DbConn, StoreResult};
use crate::clock::UnixTime;
use crate::domain::{Invitation, InvitationId, ListQuery, Page, TenantId, UserId};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = invitations, treat_none_as_null = true)]
struct InvitationRow {
    id: String,
    tenant_id: String,
    user_id: String,
    identity_provider_id: String,
    code_hash: String,
    issued: i64,
    expires: i64,
    accepted: Option<i64>,
    state: i32,
    created: i64,
}

fn to_row(i: &Invitation) -> InvitationRow {
    InvitationRow {
        id: i.id.as_str().to_owned(),
        tenant_id: i.tenant_id.as_str().to_owned(),
        user_id: i.user_id.as_str().to_owned(),
        identity_provider_id: i.identity_provider_id.clone(),
        code_hash: i.code_hash.clone(),
        issued: i.issued,
        expires: i.expires,
        accepted: i.accepted,
        state: i.state,
        created: i.created,
    }
}

fn from_row(r: InvitationRow) -> Invitation {
    Invitation {
        id: InvitationId::from_stored(r.id),
        tenant_id: TenantId::from_stored(r.tenant_id),
        user_id: UserId::from_stored(r.user_id),
        identity_provider_id: r.identity_provider_id,
        code_hash: r.code_hash,
        issued: r.issued,
        expires: r.expires,
        accepted: r.accepted,
        state: r.state,
        created: r.created,
    }
}

/// Inserts an invitation; a second one for the same user is a `StoreError::Conflict`.
pub fn insert(conn: &mut DbConn, invitation: &Invitation) -> StoreResult<()> {
    diesel::insert_into(invitations::table)
        .values(to_row(invitation))
        .execute(conn)?;
    Ok(())
}

/// Writes every field (the service merged the partial update already).
pub fn update(conn: &mut DbConn, invitation: &Invitation) -> StoreResult<()> {
    diesel::update(invitations::table.find(invitation.id.as_str()))
        .set(to_row(invitation))
        .execute(conn)?;
    Ok(())
}

pub fn get(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &InvitationId,
) -> StoreResult<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::id.eq(id.as_str()))
        .filter(invitations::tenant_id.eq(tenant.as_str()))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(from_row))
}

/// The invitation of a user, if any.
pub fn of_user(
    conn: &mut DbConn,
    tenant: &TenantId,
    user: &UserId,
) -> StoreResult<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::user_id.eq(user.as_str()))
        .filter(invitations::tenant_id.eq(tenant.as_str()))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(from_row))
}

/// The invitation whose link code hashes to `code_hash`, if any.
pub fn by_code_hash(conn: &mut DbConn, code_hash: &str) -> StoreResult<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::code_hash.eq(code_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(from_row))
}

/// Marks the invitation accepted if it still is open at `now`; whether this call claimed it.
pub fn claim(conn: &mut DbConn, id: &InvitationId, now: UnixTime, state: i32) -> StoreResult<bool> {
    let n = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id.as_str()))
            .filter(invitations::accepted.is_null())
            .filter(invitations::expires.gt(now)),
    )
    .set((
        invitations::accepted.eq(Some(now)),
        invitations::state.eq(state),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A page of the tenant's invitations (by creation, then id); without `include_expired`, only
/// those accepted or not yet expired at `now` (an accepted invitation never counts as expired).
pub fn list(
    conn: &mut DbConn,
    tenant: &TenantId,
    q: &ListQuery,
    include_expired: bool,
    now: UnixTime,
) -> StoreResult<Page<Invitation>> {
    let filtered = || {
        let base = invitations::table
            .filter(invitations::tenant_id.eq(tenant.as_str()))
            .into_boxed();
        if include_expired {
            base
        } else {
            base.filter(
                invitations::accepted
                    .is_not_null()
                    .or(invitations::expires.gt(now)),
            )
        }
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<InvitationRow> = filtered()
        .order((invitations::created.asc(), invitations::id.asc()))
        .offset(q.skip)
        .limit(q.count)
        .select(InvitationRow::as_select())
        .load(conn)?;
    Ok(Page {
        items: rows.into_iter().map(from_row).collect(),
        total,
    })
}

pub fn delete(conn: &mut DbConn, id: &InvitationId) -> StoreResult<()> {
    diesel::delete(invitations::table.find(id.as_str())).execute(conn)?;
    Ok(())
}

/// Deletes up to `batch` invitations that expired before `before`; returns how many went.
pub fn purge(conn: &mut DbConn, before: UnixTime, batch: i64) -> StoreResult<usize> {
    let ids: Vec<String> = invitations::table
        .filter(invitations::expires.lt(before))
        .select(invitations::id)
        .limit(batch)
        .load(conn)?;
    Ok(diesel::delete(invitations::table.filter(invitations::id.eq_any(&ids))).execute(conn)?)
}
