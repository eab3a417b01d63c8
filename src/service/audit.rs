//! The audit trail's use cases (SPEC §13.2): reading a tenant's events (Tenant Administrators
//! only), recording a caller's change, and the retention (purged by `service::upkeep`).
//!
//! Recording a change is ONE call inside the `Store::write` closure of the change itself, so the
//! event commits or rolls back with it:
//! `audit::changed(ctx, conn, caller, AuditAction::ClientCreated, id.as_str())?;`
//! The caller carries the request's client address and id (set by the HTTP layer). Events that
//! have no caller (sign-in, the token endpoint, the CLI) build their [`AuditEvent`] and call
//! `store::audit::record` the same way.

use super::{authorize, validate, Context, Rule, ServiceError, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEvent, AuditQuery, AuditRecord};
use crate::domain::{Caller, Page, TenantId};
use crate::store::{self, DbConn};

/// The query parameters of `GET AuditEvents` as they came.
#[derive(Clone, Debug, Default)]
pub struct AuditParams {
    pub skip: Option<i64>,
    pub count: Option<i64>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// The validated query: the paging rules of every list (SPEC §3.1), a known action, times in the
/// API's format.
pub fn query(params: &AuditParams) -> ServiceResult<AuditQuery> {
    let paging = validate::list_query(&[], &[], params.skip, params.count)?;
    let action = match params.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(AuditAction::parse(name).ok_or_else(|| {
            ServiceError::bad_request(
                format!("action '{name}' is not an audit action."),
                "Send a dotted action name such as client.created or signin.failed.",
            )
        })?),
    };
    let since = validate::timestamp("since", params.since.as_deref())?;
    let until = validate::timestamp("until", params.until.as_deref())?;
    Ok(AuditQuery {
        action,
        since,
        until,
        skip: paging.skip,
        count: paging.count,
    })
}

/// GET the tenant's events, newest first (TA).
pub fn list(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    query: &AuditQuery,
) -> ServiceResult<Page<AuditRecord>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        Ok(store::audit::list(conn, tenant, query)?)
    })
}

/// Records that `caller` made a change (`action` on `target`), in the change's unit of work.
pub fn changed(
    ctx: &Context,
    conn: &mut DbConn,
    caller: &Caller,
    action: AuditAction,
    target: &str,
) -> ServiceResult<()> {
    let event = AuditEvent::by(caller, action, target, ctx.now());
    Ok(store::audit::record(conn, &event)?)
}

/// The target id of a client secret event: `{client id}/{secret id}` (secret ids are per client).
pub fn secret_target(client: &crate::domain::ClientId, secret: crate::domain::SecretId) -> String {
    format!("{client}/{secret}")
}

/// The oldest time an event is kept (`audit_retention_days` back); `service::upkeep` purges
/// what is older.
pub fn retained_since(ctx: &Context) -> crate::clock::UnixTime {
    ctx.now() - ctx.config.audit_retention_days.saturating_mul(86_400)
}
