//! The Roles pages (SPEC §11): built-in and custom roles, a Details region, Add Role, and Edit and
//! Delete for custom roles (built-in roles are read-only: the service refuses to change them, and
//! the page offers no button). Everything goes through `service::roles` with the portal user's
//! `Caller`.

use super::views::{ConfirmPage, Pager, RoleDetails, RoleFormPage, RoleRow, RolesPage, PAGE_SIZE};
use super::{list_skip, query_value, Portal, PortalError, PortalResult};
use crate::domain::Role;
use crate::http::browser::form::Form;
use crate::http::AppState;
use crate::service::roles::{self, RoleInput};
use crate::service::ServiceError;
use actix_web::{web, HttpRequest};

/// The message a role form shows again for a bad or taken value; any other failure is the
/// portal's error page.
fn field_refusal(portal: &Portal<'_>, error: ServiceError) -> Result<String, PortalError> {
    match error {
        ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason) => Ok(reason),
        e => Err(portal.fail(e)),
    }
}

/// `GET /portal/roles[?id=<role id>]`: built-in and custom roles, and the chosen one's Details.
pub(super) async fn roles(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let selected = query_value(&req, "id");
    let skip = list_skip(&req);
    let (page, details) = portal
        .run(move |ctx, user| {
            let (caller, tenant) = (&user.caller, &user.caller.tenant_id);
            let page = roles::list(ctx, caller, tenant, None, skip, PAGE_SIZE)?;
            let details = match selected {
                Some(raw) => Some(roles::get(
                    ctx,
                    caller,
                    tenant,
                    &roles::parse_role_id(&raw)?,
                )?),
                None => None,
            };
            Ok((page, details))
        })
        .await?;
    let details = details.as_ref();
    let selected_id = details.map(|r| r.id.as_str().to_owned());
    portal.render("roles", |frame| RolesPage {
        pager: Pager::new(
            &format!("{}/roles?", frame.root),
            skip,
            page.items.len(),
            page.total,
        ),
        frame,
        rows: page
            .items
            .iter()
            .map(|r| RoleRow {
                id: r.id.as_str().to_owned(),
                builtin: r.is_builtin(),
                name: r.name.clone(),
                description: r.description.clone().unwrap_or_default(),
                selected: selected_id.as_deref() == Some(r.id.as_str()),
            })
            .collect(),
        details: details.map(|r| RoleDetails {
            id: r.id.as_str().to_owned(),
            name: r.name.clone(),
            description: r.description.clone().unwrap_or_default(),
            builtin: r.is_builtin(),
        }),
    })
}

/// The Add Role form (no `id`) or the Edit form of a custom role.
fn role_form(
    portal: &Portal<'_>,
    id: Option<String>,
    fields: (String, String),
    message: Option<String>,
) -> PortalResult {
    let root = portal.root();
    portal.render("roles", |frame| RoleFormPage {
        frame,
        heading: if id.is_some() {
            "Edit Role"
        } else {
            "Add Role"
        },
        button: if id.is_some() { "Save" } else { "Add" },
        action: format!("{root}/roles/{}", if id.is_some() { "edit" } else { "add" }),
        cancel: match &id {
            Some(id) => format!("{root}/roles?id={id}"),
            None => format!("{root}/roles"),
        },
        id,
        name: fields.0,
        description: fields.1,
        message,
    })
}

/// `GET /portal/roles/add`.
pub(super) async fn add_role_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    role_form(&portal, None, Default::default(), None)
}

/// `POST /portal/roles/add`: name, description.
pub(super) async fn add_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let (fields, input) = role_fields(&form);
    let created = portal
        .try_run(move |ctx, user| roles::create(ctx, &user.caller, &user.caller.tenant_id, input))
        .await;
    match created {
        Ok(_) => portal.redirect("/roles"),
        Err(e) => role_form(&portal, None, fields, Some(field_refusal(&portal, e)?)),
    }
}

/// The Add / Edit Role form's fields (name, description), and the service input they make.
fn role_fields(form: &Form) -> ((String, String), RoleInput) {
    let fields = (
        form.get("name").to_owned(),
        form.get("description").to_owned(),
    );
    let input = RoleInput {
        name: Some(fields.0.clone()),
        description: Some(fields.1.clone()),
        ..Default::default()
    };
    (fields, input)
}

/// The custom role named by `raw`; a built-in role is refused as the service refuses to change
/// it (400 with its words).
async fn custom_role(portal: &Portal<'_>, raw: String) -> Result<Role, PortalError> {
    let role = portal
        .run(move |ctx, user| {
            let id = roles::parse_role_id(&raw)?;
            roles::get(ctx, &user.caller, &user.caller.tenant_id, &id)
        })
        .await?;
    if role.is_builtin() {
        return Err(portal.fail(ServiceError::bad_request(
            format!("'{}' is a built-in role and cannot be changed.", role.name),
            "Create a custom role instead.",
        )));
    }
    Ok(role)
}

/// `GET /portal/roles/edit?id=`.
pub(super) async fn edit_role_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let role = custom_role(&portal, query_value(&req, "id").unwrap_or_default()).await?;
    let fields = (role.name, role.description.unwrap_or_default());
    role_form(&portal, Some(role.id.into_string()), fields, None)
}

/// `POST /portal/roles/edit`: id, name, description.
pub(super) async fn edit_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let role = custom_role(&portal, form.get("id").to_owned()).await?;
    let (fields, input) = role_fields(&form);
    let id = role.id.clone();
    let saved = portal
        .try_run(move |ctx, u| roles::update(ctx, &u.caller, &u.caller.tenant_id, &id, input))
        .await;
    let id = role.id.into_string();
    match saved {
        Ok(_) => portal.redirect(&format!("/roles?id={id}")),
        Err(e) => role_form(&portal, Some(id), fields, Some(field_refusal(&portal, e)?)),
    }
}

/// `GET /portal/roles/delete?id=`: the confirmation.
pub(super) async fn delete_role_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let role = custom_role(&portal, query_value(&req, "id").unwrap_or_default()).await?;
    let root = portal.root();
    let id = role.id.into_string();
    portal.render("roles", |frame| ConfirmPage {
        frame,
        heading: format!("Delete {}?", role.name),
        sentence: "The role is removed from every user and client holding it.".to_owned(),
        action: format!("{root}/roles/delete"),
        carried: vec![("id".to_owned(), id.clone())],
        button: "Delete",
        cancel: format!("{root}/roles?id={id}"),
    })
}

/// `POST /portal/roles/delete`: id.
pub(super) async fn delete_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let role = custom_role(&portal, form.get("id").to_owned()).await?;
    portal
        .run(move |ctx, user| roles::delete(ctx, &user.caller, &user.caller.tenant_id, &role.id))
        .await?;
    portal.redirect("/roles")
}
