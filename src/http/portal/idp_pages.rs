//! The Identity Providers pages (SPEC §11, §12): the list (Display Name, Type, Enabled), a
//! Details region with the read-only Redirect URI to register upstream (and its copy button),
//! Add Identity Provider, Edit and Delete. Everything goes through `service::identity_providers`
//! with the portal user's `Caller`, so the API's checks (discovery of the Authority, the limit,
//! the sealed secret) apply; the Local provider can only be enabled or disabled.

use super::{all_roles, query_value, role_checks, Portal, PortalError, PortalResult};
use crate::domain::identity_provider::{redirect_uri, IdentityProvider};
use crate::domain::ListQuery;
use crate::http::browser::form::Form;
use crate::http::AppState;
use crate::service::identity_providers::{
    self as svc, parse_provider_id, Actor, IdentityProviderInput, ScopesInput,
};
use crate::service::ServiceError;
use actix_web::{web, HttpRequest};
use askama::Template;

use super::views::{ConfirmPage, Frame, RoleCheck};

/// A provider in the list.
pub struct IdpRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub enabled: bool,
    pub selected: bool,
}

/// The Details region of the chosen provider.
pub struct IdpDetails {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub local: bool,
    pub authority: String,
    pub client_id: String,
    pub scopes: String,
    pub enabled: bool,
    pub auto: bool,
    pub redirect_uri: String,
}

#[derive(Template)]
#[template(path = "portal_idps.html")]
pub struct IdpsPage {
    pub frame: Frame,
    pub rows: Vec<IdpRow>,
    pub details: Option<IdpDetails>,
}

/// Add Identity Provider, or Edit (`id` set).
#[derive(Template)]
#[template(path = "portal_idp_form.html")]
pub struct IdpFormPage {
    pub frame: Frame,
    pub heading: &'static str,
    pub button: &'static str,
    pub action: String,
    pub cancel: String,
    pub id: Option<String>,
    pub local: bool,
    pub fields: IdpFields,
    pub roles: Vec<RoleCheck>,
    pub message: Option<String>,
}

/// What the form shows (the secret is never shown back).
#[derive(Default, Clone)]
pub struct IdpFields {
    pub display_name: String,
    pub authority: String,
    pub client_id: String,
    pub scopes: String,
    pub enabled: bool,
    pub auto: bool,
}

fn details(p: &IdentityProvider, issuer: &str) -> IdpDetails {
    IdpDetails {
        id: p.id.clone(),
        name: p.display_name.clone(),
        kind: p.kind.as_str(),
        local: p.is_local(),
        authority: p.authority.clone(),
        client_id: p.client_id.clone(),
        scopes: p.scopes.clone(),
        enabled: p.enabled,
        auto: p.allow_auto_provisioning,
        redirect_uri: redirect_uri(issuer),
    }
}

/// `GET /portal/identityproviders[?id=]`.
pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let selected = query_value(&req, "id");
    let all = portal
        .run(move |ctx, user| {
            let q = ListQuery {
                count: 1000,
                ..ListQuery::default()
            };
            let tenant = &user.caller.tenant_id;
            Ok(svc::list(ctx, Actor::Caller(&user.caller), tenant, &q)?.items)
        })
        .await?;
    let selected = match selected {
        Some(raw) => Some(parse_provider_id(&raw).map_err(|e| portal.fail(e))?),
        None => None,
    };
    let issuer = state.ctx.config.issuer();
    let chosen = selected
        .as_ref()
        .and_then(|id| all.iter().find(|p| &p.id == id));
    if selected.is_some() && chosen.is_none() {
        return Err(portal.fail(ServiceError::NotFound("IdentityProvider".to_owned())));
    }
    portal.render("idps", |frame| IdpsPage {
        frame,
        rows: all
            .iter()
            .map(|p| IdpRow {
                id: p.id.clone(),
                name: p.display_name.clone(),
                kind: p.kind.as_str(),
                enabled: p.enabled,
                selected: selected.as_deref() == Some(p.id.as_str()),
            })
            .collect(),
        details: chosen.map(|p| details(p, &issuer)),
    })
}

async fn form_page(
    portal: &Portal<'_>,
    id: Option<String>,
    local: bool,
    fields: IdpFields,
    chosen: Vec<String>,
    message: Option<String>,
) -> PortalResult {
    let roles = portal.run(all_roles).await?;
    let root = portal.root();
    portal.render("idps", |frame| IdpFormPage {
        frame,
        heading: if id.is_some() {
            "Edit Identity Provider"
        } else {
            "Add Identity Provider"
        },
        button: if id.is_some() { "Save" } else { "Add" },
        action: format!(
            "{root}/identityproviders/{}",
            if id.is_some() { "edit" } else { "add" }
        ),
        cancel: match &id {
            Some(id) => format!("{root}/identityproviders?id={id}"),
            None => format!("{root}/identityproviders"),
        },
        id,
        local,
        fields,
        roles: role_checks(&roles, &chosen),
        message,
    })
}

/// A refusal shown on the form (bad field, unreachable Authority...); others are the error page.
fn field_refusal(portal: &Portal<'_>, error: ServiceError) -> Result<String, PortalError> {
    match error {
        ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason) => Ok(reason),
        e => Err(portal.fail(e)),
    }
}

/// The form's fields and the service input they make (an empty secret leaves it unchanged).
fn read(form: &Form) -> (IdpFields, Vec<String>, IdentityProviderInput) {
    let fields = IdpFields {
        display_name: form.get("display_name").to_owned(),
        authority: form.get("authority").to_owned(),
        client_id: form.get("client_id").to_owned(),
        scopes: form.get("scopes").to_owned(),
        enabled: form.flag("enabled"),
        auto: form.flag("auto"),
    };
    let roles = form.all("role");
    let secret = form.get("client_secret");
    let input = IdentityProviderInput {
        display_name: Some(fields.display_name.clone()),
        authority: Some(fields.authority.clone()),
        client_id: Some(fields.client_id.clone()),
        client_secret: (!secret.is_empty()).then(|| secret.to_owned()),
        scopes: Some(ScopesInput::Text(fields.scopes.clone())),
        enabled: Some(fields.enabled),
        allow_auto_provisioning: Some(fields.auto),
        default_role_ids: Some(roles.clone()),
        ..Default::default()
    };
    (fields, roles, input)
}

/// `GET /portal/identityproviders/add`.
pub(super) async fn add_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let fields = IdpFields {
        scopes: crate::domain::identity_provider::DEFAULT_SCOPES.to_owned(),
        enabled: true,
        ..IdpFields::default()
    };
    form_page(&portal, None, false, fields, Vec::new(), None).await
}

/// `POST /portal/identityproviders/add`.
pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let (fields, roles, input) = read(&form);
    let caller = portal.user().caller.clone();
    let tenant = caller.tenant_id.clone();
    match svc::create(&state.ctx, Some(caller), tenant, input).await {
        Ok(p) => portal.redirect(&format!("/identityproviders?id={}", p.id)),
        Err(e) => {
            let message = field_refusal(&portal, e)?;
            form_page(&portal, None, false, fields, roles, Some(message)).await
        }
    }
}

async fn load(portal: &Portal<'_>, raw: String) -> Result<IdentityProvider, PortalError> {
    portal
        .run(move |ctx, user| {
            let id = parse_provider_id(&raw)?;
            svc::get(ctx, &user.caller, &user.caller.tenant_id, &id)
        })
        .await
}

/// `GET /portal/identityproviders/edit?id=`.
pub(super) async fn edit_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let p = load(&portal, query_value(&req, "id").unwrap_or_default()).await?;
    let fields = IdpFields {
        display_name: p.display_name.clone(),
        authority: p.authority.clone(),
        client_id: p.client_id.clone(),
        scopes: p.scopes.clone(),
        enabled: p.enabled,
        auto: p.allow_auto_provisioning,
    };
    let roles = p
        .default_role_ids
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    form_page(
        &portal,
        Some(p.id.clone()),
        p.is_local(),
        fields,
        roles,
        None,
    )
    .await
}

/// `POST /portal/identityproviders/edit`.
pub(super) async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let p = load(&portal, form.get("id").to_owned()).await?;
    let (fields, roles, input) = read(&form);
    let caller = portal.user().caller.clone();
    let tenant = caller.tenant_id.clone();
    match svc::update(&state.ctx, caller, tenant, p.id.clone(), input).await {
        Ok(_) => portal.redirect(&format!("/identityproviders?id={}", p.id)),
        Err(e) => {
            let message = field_refusal(&portal, e)?;
            let local = p.is_local();
            form_page(&portal, Some(p.id), local, fields, roles, Some(message)).await
        }
    }
}

/// `GET /portal/identityproviders/delete?id=`: the confirmation.
pub(super) async fn delete_form(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let p = load(&portal, query_value(&req, "id").unwrap_or_default()).await?;
    let root = portal.root();
    portal.render("idps", |frame| ConfirmPage {
        frame,
        heading: format!("Delete {}?", p.display_name),
        sentence: "Its users keep their accounts but cannot sign in until they are moved."
            .to_owned(),
        action: format!("{root}/identityproviders/delete"),
        carried: vec![("id".to_owned(), p.id.clone())],
        button: "Delete",
        cancel: format!("{root}/identityproviders?id={}", p.id),
    })
}

/// `POST /portal/identityproviders/delete`: id.
pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let raw = form.get("id").to_owned();
    portal
        .run(move |ctx, user| {
            let id = parse_provider_id(&raw)?;
            let caller = Actor::Caller(&user.caller);
            svc::delete(ctx, caller, &user.caller.tenant_id, &id)
        })
        .await?;
    portal.redirect("/identityproviders")
}
