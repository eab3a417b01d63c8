//! The Audit page (SPEC §11, §13.2): the tenant's audit events, newest first, filterable by
//! action, paged like the other lists; through `service::audit` (Tenant Administrators only).

use super::views::{Frame, Pager, PAGE_SIZE};
use super::{list_skip, query_value, Portal, PortalResult};
use crate::domain::audit::{AuditAction, AuditRecord};
use crate::domain::time::format_time;
use crate::http::AppState;
use crate::service::audit::{self, AuditParams};
use actix_web::{web, HttpRequest};
use askama::Template;

/// One event as the table shows it.
pub struct AuditRow {
    pub time: String,
    pub action: &'static str,
    pub actor: String,
    pub target: String,
    pub outcome: &'static str,
    pub address: String,
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> Self {
        let e = r.event;
        AuditRow {
            time: format_time(e.time),
            action: e.action.as_str(),
            actor: e.actor,
            target: e.target_id.unwrap_or_default(),
            outcome: e.outcome.as_str(),
            address: e.origin.client_address.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal_audit.html")]
pub struct AuditPage {
    pub frame: Frame,
    pub pager: Pager,
    /// Every action name, for the filter, and whether it is the chosen one.
    pub actions: Vec<(&'static str, bool)>,
    /// The chosen action; empty for all.
    pub action: String,
    pub rows: Vec<AuditRow>,
}

/// `GET /portal/audit[?action=<name>][&skip=<n>]`.
pub(super) async fn audit(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let action = query_value(&req, "action").unwrap_or_default();
    let skip = list_skip(&req);
    let params = AuditParams {
        skip: Some(skip),
        count: Some(PAGE_SIZE),
        action: Some(action.clone()),
        ..AuditParams::default()
    };
    let page = portal
        .run(move |ctx, user| {
            let query = audit::query(&params)?;
            audit::list(ctx, &user.caller, &user.caller.tenant_id, &query)
        })
        .await?;
    portal.render("audit", |frame| {
        let base = match action.as_str() {
            "" => format!("{}/audit?", frame.root),
            a => format!(
                "{}/audit?action={}&",
                frame.root,
                url::form_urlencoded::byte_serialize(a.as_bytes()).collect::<String>()
            ),
        };
        AuditPage {
            pager: Pager::new(&base, skip, page.items.len(), page.total),
            frame,
            actions: AuditAction::ALL
                .iter()
                .map(|a| (a.as_str(), a.as_str() == action))
                .collect(),
            action,
            rows: page.items.into_iter().map(AuditRow::from).collect(),
        }
    })
}
