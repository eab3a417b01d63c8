//! The audit trail (SPEC §13.2). [`record`] runs inside the unit of work of the change it
//! records, so the event commits or rolls back with it.

use super::schema::audit_events;
use super::{DbConn, StoreError, StoreResult};
use crate::clock::UnixTime;
use crate::domain::audit::{AuditAction, AuditEvent, AuditQuery, AuditRecord, Origin, Outcome};
use crate::domain::{Page, TenantId};
use diesel::prelude::*;

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewRow<'a> {
    occurred_at: i64,
    tenant_id: Option<&'a str>,
    actor: &'a str,
    action: &'a str,
    target_id: Option<&'a str>,
    outcome: &'a str,
    client_address: Option<&'a str>,
    request_id: Option<&'a str>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct Row {
    id: i64,
    occurred_at: i64,
    tenant_id: Option<String>,
    actor: String,
    action: String,
    target_id: Option<String>,
    outcome: String,
    client_address: Option<String>,
    request_id: Option<String>,
}

impl TryFrom<Row> for AuditRecord {
    type Error = StoreError;

    fn try_from(r: Row) -> StoreResult<AuditRecord> {
        let action = AuditAction::parse(&r.action)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown audit action {}", r.action)))?;
        let outcome = Outcome::parse(&r.outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown audit outcome {}", r.outcome)))?;
        Ok(AuditRecord {
            id: r.id,
            event: AuditEvent {
                time: r.occurred_at,
                tenant_id: r.tenant_id.map(TenantId::from_stored),
                actor: r.actor,
                action,
                target_id: r.target_id,
                outcome,
                origin: Origin {
                    client_address: r.client_address,
                    request_id: r.request_id,
                },
            },
        })
    }
}

/// Writes one event. Call it inside the `Store::write` of the change it records.
pub fn record(conn: &mut DbConn, event: &AuditEvent) -> StoreResult<()> {
    diesel::insert_into(audit_events::table)
        .values(NewRow {
            occurred_at: event.time,
            tenant_id: event.tenant_id.as_ref().map(TenantId::as_str),
            actor: &event.actor,
            action: event.action.as_str(),
            target_id: event.target_id.as_deref(),
            outcome: event.outcome.as_str(),
            client_address: event.origin.client_address.as_deref(),
            request_id: event.origin.request_id.as_deref(),
        })
        .execute(conn)?;
    Ok(())
}

/// The boxed filter of `tenant`'s events matching `query` (without paging).
fn matching<'a>(
    tenant: &'a TenantId,
    query: &'a AuditQuery,
) -> audit_events::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend> {
    let mut q = audit_events::table
        .filter(audit_events::tenant_id.eq(tenant.as_str()))
        .into_boxed();
    if let Some(action) = query.action {
        q = q.filter(audit_events::action.eq(action.as_str()));
    }
    if let Some(since) = query.since {
        q = q.filter(audit_events::occurred_at.ge(since));
    }
    if let Some(until) = query.until {
        q = q.filter(audit_events::occurred_at.lt(until));
    }
    q
}

/// One page of `tenant`'s events, newest first (time, then insertion order), and how many match.
pub fn list(
    conn: &mut DbConn,
    tenant: &TenantId,
    query: &AuditQuery,
) -> StoreResult<Page<AuditRecord>> {
    let total: i64 = matching(tenant, query).count().get_result(conn)?;
    let rows: Vec<Row> = matching(tenant, query)
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .offset(query.skip)
        .limit(query.count)
        .select(Row::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(AuditRecord::try_from)
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, total })
}

/// Every event of every tenant and the server, oldest first (for tests and exports).
pub fn all(conn: &mut DbConn) -> StoreResult<Vec<AuditRecord>> {
    audit_events::table
        .order(audit_events::id.asc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditRecord::try_from)
        .collect()
}

/// Deletes up to `batch` events that happened before `before`; returns how many went.
pub fn purge(conn: &mut DbConn, before: UnixTime, batch: i64) -> StoreResult<usize> {
    let old: Vec<i64> = audit_events::table
        .filter(audit_events::occurred_at.lt(before))
        .select(audit_events::id)
        .limit(batch)
        .load(conn)?;
    Ok(diesel::delete(audit_events::table.filter(audit_events::id.eq_any(&old))).execute(conn)?)
}
