//! The Users and Roles pages (SPEC §11): lists, Details with Remove, Add User and Add Role, all
//! through `service::users` and `service::roles` with the portal user's `Caller`.

use super::views::{
    AddRolePage, AddUserPage, RoleRow, RolesPage, UserDetails, UserFieldMessages, UserRow,
    UsersPage,
};
use super::{all_roles, query_value, role_checks, role_names, Portal, PortalError, PortalResult};
use crate::domain::User;
use crate::http::AppState;
use crate::service::portal::{self, Field, FieldError};
use crate::service::roles::{self, RoleInput};
use crate::service::users::{self, UserInput};
use crate::service::{validate, ServiceError};
use actix_web::{web, HttpRequest};

fn display_name(u: &User) -> String {
    u.name.clone().unwrap_or_default()
}

/// The message an Add form shows again for a bad or taken value; any other failure is the
/// portal's error page.
fn field_refusal(portal: &Portal<'_>, error: ServiceError) -> Result<String, PortalError> {
    match error {
        ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason) => Ok(reason),
        e => Err(portal.fail(e)),
    }
}

/// `GET /portal/users[?id=<user id>]`.
pub(super) async fn users(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let selected = query_value(&req, "id");
    let (list, details, roles) = portal
        .run(move |ctx, user| {
            let (caller, tenant) = (&user.caller, &user.caller.tenant_id);
            let query = validate::list_query(&[], &[], Some(0), Some(validate::MAX_COUNT))?;
            let list = users::list(ctx, caller, tenant, &query)?.page.items;
            let details = match selected {
                Some(raw) => Some(users::get(
                    ctx,
                    caller,
                    tenant,
                    &users::parse_user_id(&raw)?,
                )?),
                None => None,
            };
            Ok((list, details, all_roles(ctx, user)?))
        })
        .await?;
    let selected_id = details.as_ref().map(|u| u.id.as_str().to_owned());
    portal.render("users", |frame| UsersPage {
        frame,
        rows: list
            .iter()
            .map(|u| UserRow {
                id: u.id.as_str().to_owned(),
                name: display_name(u),
                email: u.email.clone(),
                selected: selected_id.as_deref() == Some(u.id.as_str()),
            })
            .collect(),
        details: details.map(|u| UserDetails {
            id: u.id.as_str().to_owned(),
            name: display_name(&u),
            email: u.email.clone(),
            roles: role_names(&roles, &u.role_ids),
        }),
    })
}

/// The fields of the Add User form: email, name, the chosen role ids.
type UserFields = (String, String, Vec<String>);

async fn user_form(
    portal: &Portal<'_>,
    fields: UserFields,
    errors: UserFieldMessages,
) -> PortalResult {
    let roles = portal.run(all_roles).await?;
    portal.render("users", |frame| AddUserPage {
        frame,
        email: fields.0,
        name: fields.1,
        roles: role_checks(&roles, &fields.2),
        errors,
    })
}

/// Puts each message of the Add User checks next to its field.
fn user_messages(errors: Vec<FieldError>) -> UserFieldMessages {
    let mut m = UserFieldMessages::default();
    for e in errors {
        match e.field {
            Field::Email => m.email = Some(e.message),
            Field::Name => m.name = Some(e.message),
            Field::Password => m.password = Some(e.message),
            _ => m.form = Some(e.message),
        }
    }
    m
}

/// Where a refusal of `users::create` stands: a taken e-mail next to Email, any other bad value
/// above the form; anything else is the portal's error page.
fn create_refusal(
    portal: &Portal<'_>,
    error: ServiceError,
) -> Result<UserFieldMessages, PortalError> {
    let mut m = UserFieldMessages::default();
    match error {
        ServiceError::Conflict(reason) => m.email = Some(reason),
        ServiceError::BadRequest { reason, .. } => m.form = Some(reason),
        e => return Err(portal.fail(e)),
    }
    Ok(m)
}

/// `GET /portal/users/add`.
pub(super) async fn add_user_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    user_form(&portal, Default::default(), UserFieldMessages::default()).await
}

/// `POST /portal/users/add`: email, name, password, role (repeated).
pub(super) async fn add_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let fields = (
        form.get("email").to_owned(),
        form.get("name").to_owned(),
        form.all("role"),
    );
    let errors = portal::check_user_fields(&fields.0, &fields.1, form.get("password"));
    if !errors.is_empty() {
        return user_form(&portal, fields, user_messages(errors)).await;
    }
    let input = UserInput {
        email: Some(fields.0.clone()),
        name: Some(fields.1.clone()),
        password: Some(form.get("password").to_owned()),
        role_ids: Some(fields.2.clone()),
        ..Default::default()
    };
    let created = portal
        .try_run(move |ctx, user| users::create(ctx, &user.caller, &user.caller.tenant_id, input))
        .await;
    match created {
        Ok(u) => portal.redirect(&format!("/users?id={}", u.id.as_str())),
        Err(e) => user_form(&portal, fields, create_refusal(&portal, e)?).await,
    }
}

/// `POST /portal/users/remove`: id.
pub(super) async fn remove_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let raw = form.get("id").to_owned();
    portal
        .run(move |ctx, user| {
            let id = users::parse_user_id(&raw)?;
            users::delete(ctx, &user.caller, &user.caller.tenant_id, &id)
        })
        .await?;
    portal.redirect("/users")
}

/// `GET /portal/roles`: built-in and custom roles.
pub(super) async fn roles(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let list = portal.run(all_roles).await?;
    portal.render("roles", |frame| RolesPage {
        frame,
        rows: list
            .into_iter()
            .map(|r| RoleRow {
                builtin: r.is_builtin(),
                name: r.name,
                description: r.description.unwrap_or_default(),
            })
            .collect(),
    })
}

fn role_form(
    portal: &Portal<'_>,
    fields: (String, String),
    message: Option<String>,
) -> PortalResult {
    portal.render("roles", |frame| AddRolePage {
        frame,
        name: fields.0,
        description: fields.1,
        message,
    })
}

/// `GET /portal/roles/add`.
pub(super) async fn add_role_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    role_form(&portal, Default::default(), None)
}

/// `POST /portal/roles/add`: name, description.
pub(super) async fn add_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let fields = (
        form.get("name").to_owned(),
        form.get("description").to_owned(),
    );
    let input = RoleInput {
        name: Some(fields.0.clone()),
        description: Some(fields.1.clone()),
        ..Default::default()
    };
    let created = portal
        .try_run(move |ctx, user| roles::create(ctx, &user.caller, &user.caller.tenant_id, input))
        .await;
    match created {
        Ok(_) => portal.redirect("/roles"),
        Err(e) => role_form(&portal, fields, Some(field_refusal(&portal, e)?)),
    }
}
