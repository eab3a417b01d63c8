//! The Users and Roles pages (SPEC §11): lists, Details with Remove, Add User and Add Role, all
//! through `service::users` and `service::roles` with the portal user's `Caller`.

use super::views::{
    AddRolePage, AddUserPage, RoleCheck, RoleRow, RolesPage, UserDetails, UserRow, UsersPage,
};
use super::{
    frame, query_value, render, root, service_error, signed_in, signed_in_admin,
    signed_in_admin_form,
};
use crate::domain::{BuiltinRole, Role, User};
use crate::http::pages::respond::redirect;
use crate::http::{blocking, AppState};
use crate::service::portal::PortalUser;
use crate::service::roles::{self, RoleInput};
use crate::service::users::{self, UserInput};
use crate::service::{validate, Context, ServiceError, ServiceResult};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

async fn run<T, F>(user: &PortalUser, state: &AppState, work: F) -> ServiceResult<T>
where
    F: FnOnce(&Context, &PortalUser) -> ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let ctx = state.ctx.clone();
    let user = user.clone();
    blocking(move || work(&ctx, &user)).await
}

fn all_roles(ctx: &Context, user: &PortalUser) -> ServiceResult<Vec<Role>> {
    Ok(roles::list(ctx, &user.caller, &user.caller.tenant_id, None, 0, 1000)?.items)
}

fn is_member_role(r: &Role) -> bool {
    r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id())
}

fn display_name(u: &User) -> String {
    u.name.clone().unwrap_or_default()
}

/// `GET /portal/users[?id=<user id>]`.
pub(super) async fn users(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let selected = query_value(&req, "id");
    let data = run(&user, &state, move |ctx, user| {
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
    .await;
    let (list, details, roles) = match data {
        Ok(d) => d,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "users") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let selected_id = details.as_ref().map(|u| u.id.as_str().to_owned());
    let page = UsersPage {
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
            roles: roles
                .iter()
                .filter(|r| u.role_ids.contains(&r.id))
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    };
    render(StatusCode::OK, cookie, &page)
}

fn role_checks(all: &[Role], chosen: &[String]) -> Vec<RoleCheck> {
    all.iter()
        .map(|r| RoleCheck {
            id: r.id.as_str().to_owned(),
            name: r.name.clone(),
            checked: is_member_role(r) || chosen.iter().any(|c| c == r.id.as_str()),
            locked: is_member_role(r),
        })
        .collect()
}

async fn user_form(
    state: &AppState,
    req: &HttpRequest,
    user: &PortalUser,
    fields: (String, String, Vec<String>),
    message: Option<String>,
) -> HttpResponse {
    let roles = match run(user, state, all_roles).await {
        Ok(r) => r,
        Err(e) => return service_error(state, &e),
    };
    let (frame, cookie) = match frame(state, req, user, "users") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let page = AddUserPage {
        frame,
        email: fields.0,
        name: fields.1,
        roles: role_checks(&roles, &fields.2),
        message,
    };
    render(StatusCode::OK, cookie, &page)
}

/// `GET /portal/users/add`.
pub(super) async fn add_user_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    user_form(&state, &req, &user, Default::default(), None).await
}

/// `POST /portal/users/add`: email, name, password, role (repeated).
pub(super) async fn add_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_admin_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let fields = (
        form.get("email").to_owned(),
        form.get("name").to_owned(),
        form.all("role"),
    );
    let input = UserInput {
        email: Some(fields.0.clone()),
        name: Some(fields.1.clone()),
        password: Some(form.get("password").to_owned()),
        role_ids: Some(fields.2.clone()),
        ..Default::default()
    };
    let created = run(&user, &state, move |ctx, user| {
        users::create(ctx, &user.caller, &user.caller.tenant_id, input)
    })
    .await;
    match created {
        Ok(u) => redirect(&format!(
            "{}/users?id={}",
            root(&state.ctx.config),
            u.id.as_str()
        ))
        .finish(),
        Err(ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason))
            if user.is_admin =>
        {
            user_form(&state, &req, &user, fields, Some(reason)).await
        }
        Err(e) => service_error(&state, &e),
    }
}

/// `POST /portal/users/remove`: id.
pub(super) async fn remove_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_admin_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let raw = form.get("id").to_owned();
    let outcome = run(&user, &state, move |ctx, user| {
        let id = users::parse_user_id(&raw)?;
        users::delete(ctx, &user.caller, &user.caller.tenant_id, &id)
    })
    .await;
    match outcome {
        Ok(()) => redirect(&format!("{}/users", root(&state.ctx.config))).finish(),
        Err(e) => service_error(&state, &e),
    }
}

/// `GET /portal/roles`: built-in and custom roles.
pub(super) async fn roles(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let list = match run(&user, &state, all_roles).await {
        Ok(r) => r,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "roles") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let page = RolesPage {
        frame,
        rows: list
            .into_iter()
            .map(|r| RoleRow {
                builtin: r.is_builtin(),
                name: r.name,
                description: r.description.unwrap_or_default(),
            })
            .collect(),
    };
    render(StatusCode::OK, cookie, &page)
}

fn role_form(
    state: &AppState,
    req: &HttpRequest,
    user: &PortalUser,
    fields: (String, String),
    message: Option<String>,
) -> HttpResponse {
    let (frame, cookie) = match frame(state, req, user, "roles") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let page = AddRolePage {
        frame,
        name: fields.0,
        description: fields.1,
        message,
    };
    render(StatusCode::OK, cookie, &page)
}

/// `GET /portal/roles/add`.
pub(super) async fn add_role_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    role_form(&state, &req, &user, Default::default(), None)
}

/// `POST /portal/roles/add`: name, description.
pub(super) async fn add_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_admin_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let fields = (
        form.get("name").to_owned(),
        form.get("description").to_owned(),
    );
    let input = RoleInput {
        name: Some(fields.0.clone()),
        description: Some(fields.1.clone()),
        ..Default::default()
    };
    let created = run(&user, &state, move |ctx, user| {
        roles::create(ctx, &user.caller, &user.caller.tenant_id, input)
    })
    .await;
    match created {
        Ok(_) => redirect(&format!("{}/roles", root(&state.ctx.config))).finish(),
        Err(ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason))
            if user.is_admin =>
        {
            role_form(&state, &req, &user, fields, Some(reason))
        }
        Err(e) => service_error(&state, &e),
    }
}
