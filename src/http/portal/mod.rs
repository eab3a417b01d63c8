//! The administrator portal (SPEC §11) at `{public URL}/portal`: server-rendered pages that work
//! without JavaScript (a small static script adds the menu toggle, auto-submit and clipboard).
//!
//! Signing in: the session is the identity session (its cookie's path covers `/portal`), so a
//! user already signed in at the identity service is signed in here too. A visitor without one is
//! sent to the identity login page (`/identity/account/login?return_url=<the portal page>`),
//! which signs them in (the tenant is the one whose account has the e-mail; when an e-mail
//! exists in several tenants, `/portal?tenant=<tenant id>` chooses) and sends them back.
//!
//! Every page turns the session into a `Caller` (`service::portal::portal_user`) and calls the
//! same service functions as the management API, so authorization, validation, limits and
//! messages are the API's. Handlers are adapters returning `Result<_, PortalError>`: a [`Portal`]
//! request (the signed-in user) runs the service call and renders the page; every form carries
//! the CSRF token.

mod audit_page;
mod clients;
mod error;
mod idp_pages;
mod people;
mod role_pages;
mod views;

pub use error::PortalError;

use crate::domain::{BuiltinRole, Role, RoleId};
use crate::http::browser::cookies::{session_removal, session_value};
use crate::http::browser::csp::portal_csp;
use crate::http::browser::csrf::csrf_for_form;
use crate::http::browser::form::{read_form, Form};
use crate::http::browser::paths::{portal_login_url, portal_root, Layout};
use crate::http::browser::response::{html, page, redirect};
use crate::http::browser::{assets, form_page};
use crate::http::{blocking, AppState};
use crate::service::portal::{self, PortalUser};
use crate::service::roles;
use crate::service::{Context, ServiceError, ServiceResult};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use views::{Frame, RoleCheck};

/// What a portal handler answers.
pub type PortalResult = Result<HttpResponse, PortalError>;

/// Registers the portal under `/portal`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/portal")
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/logout", web::post().to(logout))
            .route("/static/portal.css", web::get().to(assets::portal_css))
            .route("/static/portal.js", web::get().to(assets::portal_js))
            .route("/clients", web::get().to(clients::list))
            .service(form_page("/clients/add", clients::add_form, clients::add))
            .service(form_page(
                "/clients/edit",
                clients::edit_form,
                clients::edit,
            ))
            .service(form_page(
                "/clients/delete",
                clients::delete_form,
                clients::delete,
            ))
            .service(form_page(
                "/clients/secrets/add",
                clients::secret_form,
                clients::add_secret,
            ))
            .route(
                "/clients/secrets/remove",
                web::post().to(clients::remove_secret),
            )
            .route("/users", web::get().to(people::users))
            .service(form_page(
                "/users/add",
                people::add_user_form,
                people::add_user,
            ))
            .service(form_page(
                "/users/edit",
                people::edit_user_form,
                people::edit_user,
            ))
            .route("/users/remove", web::post().to(people::remove_user))
            .route("/users/invite", web::post().to(people::invite_user))
            .route("/roles", web::get().to(role_pages::roles))
            .service(form_page(
                "/roles/add",
                role_pages::add_role_form,
                role_pages::add_role,
            ))
            .service(form_page(
                "/roles/edit",
                role_pages::edit_role_form,
                role_pages::edit_role,
            ))
            .service(form_page(
                "/roles/delete",
                role_pages::delete_role_form,
                role_pages::delete_role,
            ))
            .route("/audit", web::get().to(audit_page::audit))
            .route("/identityproviders", web::get().to(idp_pages::list))
            .service(form_page(
                "/identityproviders/add",
                idp_pages::add_form,
                idp_pages::add,
            ))
            .service(form_page(
                "/identityproviders/edit",
                idp_pages::edit_form,
                idp_pages::edit,
            ))
            .service(form_page(
                "/identityproviders/delete",
                idp_pages::delete_form,
                idp_pages::delete,
            )),
    );
}

/// One query parameter (the first one of that name), unless empty.
pub(super) fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    crate::http::browser::form::query_param(req, name).filter(|v| !v.is_empty())
}

/// The `skip` of a list page (the API's paging parameter): a whole number from 0, else 0.
pub(super) fn list_skip(req: &HttpRequest) -> i64 {
    query_value(req, "skip")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .map_or(0, |n| n.min(i64::from(i32::MAX)))
}

/// Where a visitor without a session goes: the identity login page, coming back to the page asked
/// for (a GET), or to the portal's start (after a POST, which cannot be repeated by a redirect).
fn sign_in_first(state: &AppState, req: &HttpRequest) -> PortalError {
    let config = &state.ctx.config;
    let root = portal_root(config);
    let back = if req.method() == Method::GET {
        // The route matched below `/portal`; the prefix of the public URL is not in the path.
        let path = req.path().strip_prefix("/portal").unwrap_or("");
        match req.query_string() {
            "" => format!("{root}{path}"),
            q => format!("{root}{path}?{q}"),
        }
    } else {
        root
    };
    PortalError::ready(
        "not signed in",
        redirect(&portal_login_url(config, &back)).finish(),
    )
}

/// A request of a signed-in portal user.
pub(super) struct Portal<'a> {
    state: &'a AppState,
    req: &'a HttpRequest,
    user: PortalUser,
}

impl<'a> Portal<'a> {
    /// The signed-in user, or the redirect to the identity login page.
    pub(super) async fn signed_in(
        state: &'a AppState,
        req: &'a HttpRequest,
    ) -> Result<Portal<'a>, PortalError> {
        let ctx = state.ctx.clone();
        let cookie = session_value(req, &state.ctx.config);
        let found = blocking(&state.ctx, move || {
            portal::portal_user(&ctx, cookie.as_deref())
        })
        .await;
        let fail = |e| PortalError::Service(e, state.ctx.config.clone());
        match found.map_err(fail)? {
            Some(mut user) => {
                let trusted = &state.ctx.config.trusted_proxies;
                user.caller.origin = crate::http::client_address::origin(req, trusted);
                Ok(Portal { state, req, user })
            }
            None => Err(sign_in_first(state, req)),
        }
    }

    /// The signed-in user, who must be a Tenant Administrator: the forms that change things are
    /// not even shown to read-only members (the service layer refuses their changes anyway).
    pub(super) async fn admin(
        state: &'a AppState,
        req: &'a HttpRequest,
    ) -> Result<Portal<'a>, PortalError> {
        Portal::signed_in(state, req).await?.administrator()
    }

    /// This portal request, if its user is a Tenant Administrator.
    fn administrator(self) -> Result<Self, PortalError> {
        if self.user.is_admin {
            Ok(self)
        } else {
            Err(self.fail(ServiceError::Forbidden(
                "this operation needs the Tenant Administrator role".to_owned(),
            )))
        }
    }

    /// A signed-in POST: the user, then the CSRF-checked form. Without a session the visitor is
    /// sent to sign in (a harmless redirect) before the form is read: its token was bound to a
    /// session that has ended, so it could only be refused.
    pub(super) async fn form(
        state: &'a AppState,
        req: &'a HttpRequest,
        payload: web::Payload,
    ) -> Result<(Portal<'a>, Form), PortalError> {
        let portal = Portal::signed_in(state, req).await?;
        let form = read_form(&state.ctx, req, payload)
            .await
            .map_err(|res| PortalError::ready("form refused", res))?;
        Ok((portal, form))
    }

    /// [`Portal::form`] for a Tenant Administrator.
    pub(super) async fn admin_form(
        state: &'a AppState,
        req: &'a HttpRequest,
        payload: web::Payload,
    ) -> Result<(Portal<'a>, Form), PortalError> {
        let (portal, form) = Portal::form(state, req, payload).await?;
        Ok((portal.administrator()?, form))
    }

    /// The signed-in user (for the async use cases that run their own units of work).
    pub(super) fn user(&self) -> &PortalUser {
        &self.user
    }

    pub(super) fn state(&self) -> &AppState {
        self.state
    }

    /// The portal's path as the browser sees it.
    pub(super) fn root(&self) -> String {
        portal_root(&self.state.ctx.config)
    }

    /// A service failure as the portal renders it.
    pub(super) fn fail(&self, error: ServiceError) -> PortalError {
        PortalError::Service(error, self.state.ctx.config.clone())
    }

    /// Runs service calls for the user on the blocking pool; the error as it came.
    pub(super) async fn try_run<T, F>(&self, work: F) -> ServiceResult<T>
    where
        F: FnOnce(&Context, &PortalUser) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let ctx = self.state.ctx.clone();
        let user = self.user.clone();
        blocking(&self.state.ctx, move || work(&ctx, &user)).await
    }

    /// [`Portal::try_run`], a failure rendered as the portal's error page.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, PortalError>
    where
        F: FnOnce(&Context, &PortalUser) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.try_run(work).await.map_err(|e| self.fail(e))
    }

    /// The frame of a page in `section` (its CSRF token is the portal's own cookie's).
    pub(super) fn frame(
        &self,
        section: &'static str,
    ) -> Result<(Frame, actix_web::cookie::Cookie<'static>), PortalError> {
        let config = &self.state.ctx.config;
        let root = self.root();
        let (csrf, cookie) =
            csrf_for_form(self.req, &self.state.ctx, root.clone()).map_err(|e| self.fail(e))?;
        let frame = Frame {
            root,
            identity: Layout::of(config).root,
            csrf,
            email: self.user.email.clone(),
            admin: self.user.is_admin,
            section,
        };
        Ok((frame, cookie))
    }

    /// A 200 page of `section`, built around its frame, with the security headers of the
    /// identity pages and the CSRF cookie.
    pub(super) fn render<T: Template>(
        &self,
        section: &'static str,
        view: impl FnOnce(Frame) -> T,
    ) -> PortalResult {
        let (frame, cookie) = self.frame(section)?;
        let mut res = html(StatusCode::OK, &portal_csp(), true);
        res.cookie(cookie);
        Ok(page(res, &view(frame)))
    }

    /// A 302 to a portal page (`path` below the root, with its query).
    pub(super) fn redirect(&self, path: &str) -> PortalResult {
        Ok(redirect(&format!("{}{path}", self.root())).finish())
    }
}

/// Every role of the user's tenant.
pub(super) fn all_roles(ctx: &Context, user: &PortalUser) -> ServiceResult<Vec<Role>> {
    Ok(roles::list(ctx, &user.caller, &user.caller.tenant_id, None, 0, 1000)?.items)
}

/// The names of those of `all` roles whose ids are in `ids`, as the Details regions list them.
pub(super) fn role_names(all: &[Role], ids: &[RoleId]) -> String {
    all.iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_member_role(r: &Role) -> bool {
    r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id())
}

/// The role checkboxes: every tenant role, Tenant Member checked and locked.
pub(super) fn role_checks(all: &[Role], chosen: &[String]) -> Vec<RoleCheck> {
    all.iter()
        .map(|r| RoleCheck {
            id: r.id.as_str().to_owned(),
            name: r.name.clone(),
            checked: is_member_role(r) || chosen.iter().any(|c| c == r.id.as_str()),
            locked: is_member_role(r),
        })
        .collect()
}

/// `GET /portal`: the Clients page, or the identity login page without a session.
async fn home(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    Portal::signed_in(&state, &req).await?.redirect("/clients")
}

/// `POST /portal/logout`: ends the session (the identity one too: it is the same) and sends the
/// browser to the login page, which would bring it back to the portal.
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let config = &state.ctx.config;
    read_form(&state.ctx, &req, payload)
        .await
        .map_err(|res| PortalError::ready("form refused", res))?;
    let ctx = state.ctx.clone();
    let cookie = session_value(&req, config);
    blocking(&state.ctx, move || {
        portal::portal_logout(&ctx, cookie.as_deref())
    })
    .await
    .map_err(|e| PortalError::Service(e, config.clone()))?;
    Ok(redirect(&portal_login_url(config, &portal_root(config)))
        .cookie(session_removal(config))
        .finish())
}
