//! The Users pages (SPEC §11): the list, Details with Edit, Invite and Remove, Add User (without
//! a password: invited at once) and Edit User (Name, roles), all through `service::users` and
//! `service::invitations` with the portal user's `Caller`.

use super::views::{
    AddUserPage, EditUserPage, InvitedPage, Pager, UserDetails, UserFieldMessages, UserRow,
    UsersPage, PAGE_SIZE,
};
use super::{
    all_roles, list_skip, query_value, role_checks, role_names, Portal, PortalError, PortalResult,
};
use crate::domain::time::format_date;
use crate::domain::User;
use crate::http::AppState;
use crate::service::invitations;
use crate::service::portal::{self, Field, FieldError};
use crate::service::users::{self, UserInput};
use crate::service::{validate, ServiceError};
use actix_web::{web, HttpRequest};

fn display_name(u: &User) -> String {
    u.name.clone().unwrap_or_default()
}

/// `GET /portal/users[?id=<user id>]`.
pub(super) async fn users(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let selected = query_value(&req, "id");
    let skip = list_skip(&req);
    let (page, details, roles) = portal
        .run(move |ctx, user| {
            let (caller, tenant) = (&user.caller, &user.caller.tenant_id);
            let query = validate::list_query(&[], &[], Some(skip), Some(PAGE_SIZE))?;
            let page = users::list(ctx, caller, tenant, &query)?.page;
            let details = match selected {
                Some(raw) => Some(users::get(
                    ctx,
                    caller,
                    tenant,
                    &users::parse_user_id(&raw)?,
                )?),
                None => None,
            };
            Ok((page, details, all_roles(ctx, user)?))
        })
        .await?;
    let selected_id = details.as_ref().map(|u| u.id.as_str().to_owned());
    portal.render("users", |frame| UsersPage {
        pager: Pager::new(
            &format!("{}/users?", frame.root),
            skip,
            page.items.len(),
            page.total,
        ),
        frame,
        rows: page
            .items
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
    let password = Some(form.get("password").to_owned()).filter(|p| !p.is_empty());
    let invite = password.is_none();
    let input = UserInput {
        email: Some(fields.0.clone()),
        name: Some(fields.1.clone()),
        password,
        role_ids: Some(fields.2.clone()),
        ..Default::default()
    };
    let created = portal
        .try_run(move |ctx, user| users::create(ctx, &user.caller, &user.caller.tenant_id, input))
        .await;
    match created {
        // Without a password the user is invited at once: the link is the result.
        Ok(u) if invite => invited_page(&portal, u).await,
        Ok(u) => portal.redirect(&format!("/users?id={}", u.id.as_str())),
        Err(e) => user_form(&portal, fields, create_refusal(&portal, e)?).await,
    }
}

/// Creates (or renews) the invitation of `user` and shows its link once.
async fn invited_page(portal: &Portal<'_>, user: User) -> PortalResult {
    let id = user.id.clone();
    let issued = portal
        .run(move |ctx, u| invitations::invite(ctx, &u.caller, &u.caller.tenant_id, &id))
        .await?;
    portal.render("users", |frame| InvitedPage {
        frame,
        user_id: user.id.as_str().to_owned(),
        email: user.email.clone(),
        link: issued.url.expose_secret().to_owned(),
        expires: format_date(issued.invitation.expires),
    })
}

/// `POST /portal/users/invite`: id. Shows the user's new invitation link (SPEC §11, §12.3).
pub(super) async fn invite_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let user = user_named(&portal, form.get("id").to_owned()).await?;
    invited_page(&portal, user).await
}

/// The fields of the Edit User form: name, the chosen role ids.
type EditFields = (String, Vec<String>);

async fn edit_user_page(
    portal: &Portal<'_>,
    user: User,
    fields: Option<EditFields>,
    errors: UserFieldMessages,
) -> PortalResult {
    let roles = portal.run(all_roles).await?;
    let (name, chosen) = fields.unwrap_or_else(|| {
        let ids = user
            .role_ids
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect();
        (display_name(&user), ids)
    });
    portal.render("users", |frame| EditUserPage {
        frame,
        id: user.id.as_str().to_owned(),
        email: user.email.clone(),
        name,
        roles: role_checks(&roles, &chosen),
        errors,
    })
}

/// The user named by `raw` (a query or form id), as the portal user may see it.
async fn user_named(portal: &Portal<'_>, raw: String) -> Result<User, PortalError> {
    portal
        .run(move |ctx, user| {
            let id = users::parse_user_id(&raw)?;
            users::get(ctx, &user.caller, &user.caller.tenant_id, &id)
        })
        .await
}

/// `GET /portal/users/edit?id=`.
pub(super) async fn edit_user_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let user = user_named(&portal, query_value(&req, "id").unwrap_or_default()).await?;
    edit_user_page(&portal, user, None, UserFieldMessages::default()).await
}

/// `POST /portal/users/edit`: id, name, role (repeated).
pub(super) async fn edit_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let user = user_named(&portal, form.get("id").to_owned()).await?;
    let fields = (form.get("name").to_owned(), form.all("role"));
    if let Err(e) = validate::optional_text("Name", Some(&fields.0)) {
        let errors = create_refusal(&portal, e)?;
        let errors = UserFieldMessages {
            name: errors.form,
            ..Default::default()
        };
        return edit_user_page(&portal, user, Some(fields), errors).await;
    }
    let input = UserInput {
        name: Some(fields.0.clone()),
        // No role field at all (not this page's form: it always sends the locked Tenant
        // Member) leaves the roles as they are.
        role_ids: Some(fields.1.clone()).filter(|r| !r.is_empty()),
        ..Default::default()
    };
    let id = user.id.clone();
    let saved = portal
        .try_run(move |ctx, u| users::update(ctx, &u.caller, &u.caller.tenant_id, &id, input))
        .await;
    match saved {
        Ok(u) => portal.redirect(&format!("/users?id={}", u.id.as_str())),
        Err(e) => {
            let errors = create_refusal(&portal, e)?;
            edit_user_page(&portal, user, Some(fields), errors).await
        }
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
