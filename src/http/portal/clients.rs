//! The Clients pages (SPEC §11): the list by Client Type with a Details region, the Add Client
//! procedures of the three kinds, Edit, Delete, Add Secret and Remove. Every change goes through
//! `service::clients` / `service::secrets` with the portal user's `Caller`. A client is created
//! only by the final Add (the earlier steps carry their fields in hidden inputs), and a secret
//! value appears only in the response to the POST that created it.

use super::views::{
    AddClientPage, AddSecretPage, ClientDetails, ClientRow, ClientsPage, ConfirmPage, CreatedPage,
    EditClientPage, FieldMessages, Frame, RoleCheck, SecretRow, UrlList,
};
use super::{
    frame, query_value, render, root, service_error, signed_in, signed_in_admin,
    signed_in_admin_form, signed_in_form, Form,
};
use crate::domain::time::format_time;
use crate::domain::{BuiltinRole, Client, ClientKind, ClientSecret, Role};
use crate::http::pages::respond::redirect;
use crate::http::{blocking, AppState};
use crate::service::clients::{self, ClientInput, CreatedClient};
use crate::service::portal::{self, ClientFields, Field, FieldError, PortalUser};
use crate::service::secrets::{self, SecretInput};
use crate::service::{roles, validate, ServiceError, ServiceResult};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// A client kind as the portal names it (`type=cc|ac|hybrid`).
#[derive(Clone, Copy)]
struct Kind {
    kind: ClientKind,
    code: &'static str,
    label: &'static str,
}

const KINDS: [Kind; 3] = [
    Kind {
        kind: ClientKind::ClientCredentials,
        code: "cc",
        label: "Client-Credentials",
    },
    Kind {
        kind: ClientKind::AuthorizationCode,
        code: "ac",
        label: "Authorization Code",
    },
    Kind {
        kind: ClientKind::Hybrid,
        code: "hybrid",
        label: "Hybrid",
    },
];

/// The kind named by `type` (Client-Credentials when absent or unknown).
fn kind_named(code: &str) -> Kind {
    KINDS
        .iter()
        .copied()
        .find(|k| k.code == code)
        .unwrap_or(KINDS[0])
}

/// The Clients page's query for Close: the kind, and the client to show.
fn list_query(kind: Kind, id: &str) -> Vec<(String, String)> {
    vec![
        ("type".to_owned(), kind.code.to_owned()),
        ("id".to_owned(), id.to_owned()),
    ]
}

fn list_url(root: &str, kind: Kind, id: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("type", kind.code);
    if let Some(id) = id {
        q.append_pair("id", id);
    }
    format!("{root}/clients?{}", q.finish())
}

/// Runs service calls for `user` on the blocking pool.
async fn run<T, F>(user: &PortalUser, state: &AppState, work: F) -> ServiceResult<T>
where
    F: FnOnce(&crate::service::Context, &PortalUser) -> ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let ctx = state.ctx.clone();
    let user = user.clone();
    blocking(move || work(&ctx, &user)).await
}

fn all_roles(ctx: &crate::service::Context, user: &PortalUser) -> ServiceResult<Vec<Role>> {
    Ok(roles::list(ctx, &user.caller, &user.caller.tenant_id, None, 0, 1000)?.items)
}

fn is_member_role(r: &Role) -> bool {
    r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id())
}

/// The role checkboxes: every tenant role, Tenant Member checked and locked.
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

/// The secrets of the chosen client, or why the caller may not see them.
type SecretsShown = Option<Result<Vec<ClientSecret>, String>>;

struct ListData {
    clients: Vec<Client>,
    /// The chosen client, its secrets and the tenant's roles (for their names).
    details: Option<(Client, SecretsShown, Vec<Role>)>,
}

/// `GET /portal/clients?type=cc|ac|hybrid&id=<client id>`.
pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let kind = kind_named(&query_value(&req, "type").unwrap_or_default());
    let selected = query_value(&req, "id");
    let data = run(&user, &state, move |ctx, user| {
        let (caller, tenant) = (&user.caller, &user.caller.tenant_id);
        let query = validate::list_query(&[], &[], Some(0), Some(validate::MAX_COUNT))?;
        let clients = clients::list(ctx, caller, tenant, kind.kind, &query)?
            .page
            .items;
        let details = match selected {
            None => None,
            Some(raw) => {
                let id = clients::parse_client_id(&raw)?;
                let client = clients::get(ctx, caller, tenant, kind.kind, &id)?;
                let secrets = if kind.kind.has_secrets() {
                    Some(
                        match secrets::list(ctx, caller, tenant, kind.kind, &id, 0, 100) {
                            Ok((s, _)) => Ok(s),
                            Err(ServiceError::Forbidden(_)) => {
                                Err("Only Tenant Administrators can see this client's secrets."
                                    .to_owned())
                            }
                            Err(e) => return Err(e),
                        },
                    )
                } else {
                    None
                };
                Some((client, secrets, all_roles(ctx, user)?))
            }
        };
        Ok(ListData { clients, details })
    })
    .await;
    let data = match data {
        Ok(d) => d,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let selected_id = data.details.as_ref().map(|d| d.0.id.as_str().to_owned());
    let rows = data
        .clients
        .iter()
        .map(|c| ClientRow {
            id: c.id.as_str().to_owned(),
            name: c.name.clone(),
            enabled: c.enabled,
            lifetime: c.access_token_lifetime,
            selected: selected_id.as_deref() == Some(c.id.as_str()),
        })
        .collect();
    let details = data.details.map(|(c, secrets, all)| ClientDetails {
        id: c.id.as_str().to_owned(),
        name: c.name.clone(),
        enabled: c.enabled,
        lifetime: c.access_token_lifetime,
        roles: all
            .iter()
            .filter(|r| c.role_ids.contains(&r.id))
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        redirect_uris: c.redirect_uris.clone(),
        logout_uris: c.post_logout_redirect_uris.clone(),
        cors_origins: c.allowed_cors_origins.clone(),
        allow_refresh: c.allow_offline_access,
        secrets: secrets.map(|r| {
            r.map(|list| {
                list.into_iter()
                    .map(|s| SecretRow {
                        id: s.id,
                        description: s.description.unwrap_or_default(),
                        expiration: s.expiration.map_or_else(|| "Never".to_owned(), format_time),
                    })
                    .collect()
            })
        }),
    });
    render(
        StatusCode::OK,
        cookie,
        &ClientsPage {
            frame,
            kind: kind.code,
            kinds: KINDS
                .iter()
                .map(|k| (k.code, k.label, k.code == kind.code))
                .collect(),
            rows,
            details,
        },
    )
}

/// What the Add Client form holds between its round trips.
struct AddForm {
    kind: Kind,
    name: String,
    lifetime: String,
    roles: Vec<String>,
    allow_refresh: bool,
    /// (entries, typed) per list: redirect, logout, cors.
    lists: [(Vec<String>, String); 3],
}

const LISTS: [(&str, &str, &str, Field); 3] = [
    (
        "redirect",
        "Allowed Redirect URL(s)",
        "Add Redirect URL",
        Field::RedirectUris,
    ),
    (
        "logout",
        "Allowed Logout Redirect URL(s)",
        "Add Logout Redirect URL",
        Field::LogoutRedirectUris,
    ),
    (
        "cors",
        "Allowed CORS Origin(s)",
        "Add CORS Origin",
        Field::CorsOrigins,
    ),
];

impl AddForm {
    fn new(kind: Kind) -> AddForm {
        AddForm {
            kind,
            name: String::new(),
            lifetime: "3600".to_owned(),
            roles: Vec::new(),
            allow_refresh: false,
            lists: Default::default(),
        }
    }

    fn read(form: &Form) -> AddForm {
        let list = |key: &str| {
            (
                form.all(key),
                form.get(&format!("{key}_new")).trim().to_owned(),
            )
        };
        AddForm {
            kind: kind_named(form.get("type")),
            name: form.get("name").to_owned(),
            lifetime: form.get("lifetime").to_owned(),
            roles: form.all("role"),
            allow_refresh: form.flag("allow_refresh"),
            lists: [list("redirect"), list("logout"), list("cors")],
        }
    }

    /// How many lists the kind has: none, redirect + logout (hybrid), or all three.
    fn list_count(&self) -> usize {
        match self.kind.kind {
            ClientKind::ClientCredentials => 0,
            ClientKind::Hybrid => 2,
            ClientKind::AuthorizationCode => 3,
        }
    }

    /// The lists with what was typed but not yet added (the final Add takes it too).
    fn full_list(&self, i: usize) -> Vec<String> {
        let (values, typed) = &self.lists[i];
        let mut out = values.clone();
        if !typed.is_empty() && !out.contains(typed) {
            out.push(typed.clone());
        }
        out
    }

    fn check(&self, full: bool) -> Vec<FieldError> {
        let lists: Vec<Vec<String>> = (0..3)
            .map(|i| {
                if i < self.list_count() && full {
                    self.full_list(i)
                } else if i < self.list_count() {
                    self.lists[i].0.clone()
                } else {
                    Vec::new()
                }
            })
            .collect();
        portal::check_client_fields(&ClientFields {
            name: &self.name,
            token_lifetime: &self.lifetime,
            redirect_uris: &lists[0],
            post_logout_redirect_uris: &lists[1],
            allowed_cors_origins: &lists[2],
        })
    }

    /// The + button of list `i`: moves the typed entry into the list if it passes the list's
    /// rule, else keeps it typed with the message.
    fn add_entry(&mut self, i: usize) -> Option<String> {
        let candidate = self.full_list(i);
        let errors = portal::check_client_fields(&ClientFields {
            name: "x",
            token_lifetime: "3600",
            redirect_uris: if i == 0 { &candidate } else { &[] },
            post_logout_redirect_uris: if i == 1 { &candidate } else { &[] },
            allowed_cors_origins: if i == 2 { &candidate } else { &[] },
        });
        match errors.into_iter().next() {
            Some(e) => Some(e.message),
            None => {
                self.lists[i] = (candidate, String::new());
                None
            }
        }
    }

    fn input(&self) -> ClientInput {
        let mut input = ClientInput {
            name: Some(self.name.clone()),
            access_token_lifetime: Some(portal::parse_lifetime(&self.lifetime)),
            ..Default::default()
        };
        match self.kind.kind {
            ClientKind::ClientCredentials => input.role_ids = Some(self.roles.clone()),
            ClientKind::AuthorizationCode => {
                input.redirect_uris = Some(self.full_list(0));
                input.post_logout_redirect_uris = Some(self.full_list(1));
                input.allowed_cors_origins = Some(self.full_list(2));
            }
            ClientKind::Hybrid => {
                input.redirect_uris = Some(self.full_list(0));
                input.post_logout_redirect_uris = Some(self.full_list(1));
                input.allow_offline_access = Some(self.allow_refresh);
            }
        }
        input
    }

    /// The step-1 fields as hidden inputs for the Add Secret step.
    fn carried(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("type".to_owned(), self.kind.code.to_owned()),
            ("name".to_owned(), self.name.clone()),
            ("lifetime".to_owned(), self.lifetime.clone()),
        ];
        out.extend(self.roles.iter().map(|r| ("role".to_owned(), r.clone())));
        out
    }
}

/// Puts each message next to its field; list messages go with their list.
fn messages(errors: Vec<FieldError>, lists: &mut [UrlList]) -> FieldMessages {
    let mut m = FieldMessages::default();
    for e in errors {
        match e.field {
            Field::Name => m.name = Some(e.message),
            Field::TokenLifetime => m.lifetime = Some(e.message),
            Field::Description => m.description = Some(e.message),
            Field::Expiration => m.expiration = Some(e.message),
            list_field => {
                match LISTS
                    .iter()
                    .position(|l| l.3 == list_field)
                    .and_then(|i| lists.get_mut(i))
                {
                    Some(l) => l.error = Some(e.message),
                    None => m.form = Some(e.message),
                }
            }
        }
    }
    m
}

fn add_page(
    frame: Frame,
    f: &AddForm,
    all_roles: &[Role],
    errors: Vec<FieldError>,
    list_error: Option<(usize, String)>,
    form_error: Option<String>,
) -> AddClientPage {
    let mut lists: Vec<UrlList> = LISTS
        .iter()
        .take(f.list_count())
        .enumerate()
        .map(|(i, (key, label, add_label, _))| UrlList {
            key,
            label,
            add_label,
            values: f.lists[i].0.clone(),
            pending: f.lists[i].1.clone(),
            error: None,
        })
        .collect();
    let mut errors = messages(errors, &mut lists);
    if let Some((i, message)) = list_error {
        if let Some(l) = lists.get_mut(i) {
            l.error = Some(message);
        }
    }
    if form_error.is_some() {
        errors.form = form_error;
    }
    AddClientPage {
        frame,
        kind: f.kind.code,
        kind_label: f.kind.label,
        name: f.name.clone(),
        lifetime: f.lifetime.clone(),
        allow_refresh: f.allow_refresh,
        roles: role_checks(all_roles, &f.roles),
        lists,
        errors,
    }
}

/// One year from today, as the Expiration date input wants it.
fn default_expiration(state: &AppState) -> String {
    chrono::DateTime::from_timestamp(state.ctx.now() + 365 * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn secret_page(
    state: &AppState,
    frame: Frame,
    action: String,
    carried: Vec<(String, String)>,
    form: Option<&Form>,
    errors: FieldMessages,
    cancel: String,
) -> AddSecretPage {
    AddSecretPage {
        frame,
        heading: "Add Secret",
        action,
        carried,
        description: form
            .map(|f| f.get("description").to_owned())
            .unwrap_or_default(),
        expiration: form
            .map(|f| f.get("expiration").to_owned())
            .unwrap_or_else(|| default_expiration(state)),
        never_expires: form.is_some_and(|f| f.flag("never_expires")),
        errors,
        cancel,
    }
}

/// `GET /portal/clients/add?type=`: step 1 of Add Client.
pub(super) async fn add_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let f = AddForm::new(kind_named(&query_value(&req, "type").unwrap_or_default()));
    let roles = match run(&user, &state, all_roles).await {
        Ok(r) => r,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    render(
        StatusCode::OK,
        cookie,
        &add_page(frame, &f, &roles, Vec::new(), None, None),
    )
}

fn created_page(
    frame: Frame,
    heading: &'static str,
    created: CreatedClient,
    close: Vec<(String, String)>,
) -> CreatedPage {
    CreatedPage {
        frame,
        heading,
        client_id: created.client.id.as_str().to_owned(),
        secret: created.secret.map(|s| s.value.expose_secret().to_owned()),
        close,
    }
}

/// `POST /portal/clients/add`: `action` is `continue` (client-credentials step 1 → Add Secret),
/// `add_redirect` / `add_logout` / `add_cors` (a + button: back to the same step with the list
/// grown) or `add` (create the client and show the result once).
pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_admin_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let mut f = AddForm::read(&form);
    let roles = match run(&user, &state, all_roles).await {
        Ok(r) => r,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let root = frame.root.clone();
    let action = form.get("action");
    let step1 = |frame, f: &AddForm, errors, list_error, form_error| {
        render(
            StatusCode::OK,
            cookie.clone(),
            &add_page(frame, f, &roles, errors, list_error, form_error),
        )
    };
    if let Some(i) = LISTS.iter().position(|l| action == format!("add_{}", l.0)) {
        let list_error = f.add_entry(i).map(|m| (i, m));
        return step1(frame, &f, Vec::new(), list_error, None);
    }
    let errors = f.check(true);
    if !errors.is_empty() {
        return step1(frame, &f, errors, None, None);
    }
    let is_cc = f.kind.kind == ClientKind::ClientCredentials;
    let cancel = list_url(&root, f.kind, None);
    if is_cc && action == "continue" {
        let page = secret_page(
            &state,
            frame,
            format!("{root}/clients/add"),
            f.carried(),
            None,
            FieldMessages::default(),
            cancel,
        );
        return render(StatusCode::OK, cookie, &page);
    }
    if action != "add" {
        return step1(frame, &f, Vec::new(), None, None);
    }
    let mut input = f.input();
    if is_cc {
        let checked = portal::check_secret_fields(
            &state.ctx,
            form.get("description"),
            form.get("expiration"),
            form.flag("never_expires"),
        );
        match checked {
            Ok(expiration) => {
                input.secret_description = Some(form.get("description").to_owned());
                input.secret_expiration_date = expiration;
            }
            Err(errors) => {
                let page = secret_page(
                    &state,
                    frame,
                    format!("{root}/clients/add"),
                    f.carried(),
                    Some(&form),
                    messages(errors, &mut []),
                    cancel,
                );
                return render(StatusCode::OK, cookie, &page);
            }
        }
    }
    let kind = f.kind;
    match run(&user, &state, move |ctx, user| {
        clients::create(ctx, &user.caller, &user.caller.tenant_id, kind.kind, input)
    })
    .await
    {
        Ok(created) => {
            let close = list_query(kind, created.client.id.as_str());
            render(
                StatusCode::OK,
                cookie,
                &created_page(frame, "Client Successfully Created", created, close),
            )
        }
        Err(ServiceError::BadRequest { reason, .. }) if is_cc => {
            let m = FieldMessages {
                form: Some(reason),
                ..Default::default()
            };
            let page = secret_page(
                &state,
                frame,
                format!("{root}/clients/add"),
                f.carried(),
                Some(&form),
                m,
                cancel,
            );
            render(StatusCode::OK, cookie, &page)
        }
        Err(ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason)) => {
            step1(frame, &f, Vec::new(), None, Some(reason))
        }
        Err(e) => service_error(&state, &e),
    }
}

/// The client named by `type` and `id` (query or form).
fn target(kind: &str, id: &str) -> Result<(Kind, crate::domain::ClientId), ServiceError> {
    Ok((kind_named(kind), clients::parse_client_id(id)?))
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn edit_page(frame: Frame, kind: Kind, c: &Client) -> EditClientPage {
    EditClientPage {
        frame,
        kind: kind.code,
        kind_label: kind.label,
        id: c.id.as_str().to_owned(),
        name: c.name.clone(),
        enabled: c.enabled,
        lifetime: c.access_token_lifetime.to_string(),
        allow_refresh: c.allow_offline_access,
        redirect_uris: c.redirect_uris.join("\n"),
        logout_uris: c.post_logout_redirect_uris.join("\n"),
        cors_origins: c.allowed_cors_origins.join("\n"),
        errors: FieldMessages::default(),
    }
}

/// `GET /portal/clients/edit?type=&id=`.
pub(super) async fn edit_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let (kind, id) = match target(
        &query_value(&req, "type").unwrap_or_default(),
        &query_value(&req, "id").unwrap_or_default(),
    ) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let client = match run(&user, &state, move |ctx, user| {
        clients::get(ctx, &user.caller, &user.caller.tenant_id, kind.kind, &id)
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    render(StatusCode::OK, cookie, &edit_page(frame, kind, &client))
}

/// `POST /portal/clients/edit`: name, enabled, lifetime, the lists (one URL a line).
pub(super) async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_admin_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (kind, id) = match target(form.get("type"), form.get("id")) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let redirects = lines(form.get("redirect_uris"));
    let logouts = lines(form.get("logout_uris"));
    let cors = lines(form.get("cors_origins"));
    let mut input = ClientInput {
        name: Some(form.get("name").to_owned()),
        enabled: Some(form.flag("enabled")),
        access_token_lifetime: Some(portal::parse_lifetime(form.get("lifetime"))),
        ..Default::default()
    };
    let no_list: Vec<String> = Vec::new();
    let (r, l, o) = match kind.kind {
        ClientKind::ClientCredentials => (&no_list, &no_list, &no_list),
        ClientKind::Hybrid => (&redirects, &logouts, &no_list),
        ClientKind::AuthorizationCode => (&redirects, &logouts, &cors),
    };
    let errors = portal::check_client_fields(&ClientFields {
        name: form.get("name"),
        token_lifetime: form.get("lifetime"),
        redirect_uris: r,
        post_logout_redirect_uris: l,
        allowed_cors_origins: o,
    });
    if kind.kind != ClientKind::ClientCredentials {
        input.redirect_uris = Some(redirects.clone());
        input.post_logout_redirect_uris = Some(logouts.clone());
    }
    match kind.kind {
        ClientKind::AuthorizationCode => input.allowed_cors_origins = Some(cors.clone()),
        ClientKind::Hybrid => input.allow_offline_access = Some(form.flag("allow_refresh")),
        ClientKind::ClientCredentials => {}
    }
    let errors = if errors.is_empty() {
        let target = id.clone();
        let outcome = run(&user, &state, move |ctx, user| {
            clients::update(
                ctx,
                &user.caller,
                &user.caller.tenant_id,
                kind.kind,
                &target,
                input,
            )
        })
        .await;
        match outcome {
            Ok(_) => {
                let root = root(&state.ctx.config);
                return redirect(&list_url(&root, kind, Some(id.as_str()))).finish();
            }
            Err(ServiceError::BadRequest { reason, .. }) => FieldMessages {
                form: Some(reason),
                ..Default::default()
            },
            Err(e) => return service_error(&state, &e),
        }
    } else {
        messages(errors, &mut [])
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let page = EditClientPage {
        frame,
        kind: kind.code,
        kind_label: kind.label,
        id: id.as_str().to_owned(),
        name: form.get("name").to_owned(),
        enabled: form.flag("enabled"),
        lifetime: form.get("lifetime").to_owned(),
        allow_refresh: form.flag("allow_refresh"),
        redirect_uris: form.get("redirect_uris").to_owned(),
        logout_uris: form.get("logout_uris").to_owned(),
        cors_origins: form.get("cors_origins").to_owned(),
        errors,
    };
    render(StatusCode::OK, cookie, &page)
}

/// `GET /portal/clients/delete?type=&id=`: the confirmation.
pub(super) async fn delete_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let (kind, id) = match target(
        &query_value(&req, "type").unwrap_or_default(),
        &query_value(&req, "id").unwrap_or_default(),
    ) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let lookup = id.clone();
    let client = match run(&user, &state, move |ctx, user| {
        clients::get(
            ctx,
            &user.caller,
            &user.caller.tenant_id,
            kind.kind,
            &lookup,
        )
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let root = frame.root.clone();
    let page = ConfirmPage {
        frame,
        heading: format!("Delete {}?", client.name),
        sentence: "The client and its secrets are deleted at once; applications using it can no longer get tokens.".to_owned(),
        action: format!("{root}/clients/delete"),
        carried: vec![
            ("type".to_owned(), kind.code.to_owned()),
            ("id".to_owned(), id.as_str().to_owned()),
        ],
        button: "Delete",
        cancel: list_url(&root, kind, Some(id.as_str())),
    };
    render(StatusCode::OK, cookie, &page)
}

/// `POST /portal/clients/delete`.
pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (kind, id) = match target(form.get("type"), form.get("id")) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    match run(&user, &state, move |ctx, user| {
        clients::delete(ctx, &user.caller, &user.caller.tenant_id, kind.kind, &id)
    })
    .await
    {
        Ok(()) => redirect(&list_url(&root(&state.ctx.config), kind, None)).finish(),
        Err(e) => service_error(&state, &e),
    }
}

/// `GET /portal/clients/secrets/add?type=&id=`.
pub(super) async fn secret_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in_admin(&state, &req).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let (kind, id) = match target(
        &query_value(&req, "type").unwrap_or_default(),
        &query_value(&req, "id").unwrap_or_default(),
    ) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let root = frame.root.clone();
    let page = secret_page(
        &state,
        frame,
        format!("{root}/clients/secrets/add"),
        vec![
            ("type".to_owned(), kind.code.to_owned()),
            ("id".to_owned(), id.as_str().to_owned()),
        ],
        None,
        FieldMessages::default(),
        list_url(&root, kind, Some(id.as_str())),
    );
    render(StatusCode::OK, cookie, &page)
}

/// `POST /portal/clients/secrets/add`: the value is shown once, in this response.
pub(super) async fn add_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (kind, id) = match target(form.get("type"), form.get("id")) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let (frame, cookie) = match frame(&state, &req, &user, "clients") {
        Ok(v) => v,
        Err(res) => return res,
    };
    let root = frame.root.clone();
    let carried = vec![
        ("type".to_owned(), kind.code.to_owned()),
        ("id".to_owned(), id.as_str().to_owned()),
    ];
    let close = list_url(&root, kind, Some(id.as_str()));
    let never = form.flag("never_expires");
    let expiration = match portal::check_secret_fields(
        &state.ctx,
        form.get("description"),
        form.get("expiration"),
        never,
    ) {
        Ok(e) => e,
        Err(errors) => {
            let page = secret_page(
                &state,
                frame,
                format!("{root}/clients/secrets/add"),
                carried,
                Some(&form),
                messages(errors, &mut []),
                close,
            );
            return render(StatusCode::OK, cookie, &page);
        }
    };
    let input = SecretInput {
        expiration,
        expires: Some(!never),
        description: Some(form.get("description").to_owned()),
    };
    let lookup = id.clone();
    match run(&user, &state, move |ctx, user| {
        secrets::create(
            ctx,
            &user.caller,
            &user.caller.tenant_id,
            kind.kind,
            &lookup,
            input,
        )
    })
    .await
    {
        Ok(new) => {
            let page = CreatedPage {
                frame,
                heading: "Secret Added",
                client_id: id.as_str().to_owned(),
                secret: Some(new.value.expose_secret().to_owned()),
                close: list_query(kind, id.as_str()),
            };
            render(StatusCode::OK, cookie, &page)
        }
        Err(ServiceError::BadRequest { reason, .. }) => {
            let m = FieldMessages {
                form: Some(reason),
                ..Default::default()
            };
            let page = secret_page(
                &state,
                frame,
                format!("{root}/clients/secrets/add"),
                carried,
                Some(&form),
                m,
                close,
            );
            render(StatusCode::OK, cookie, &page)
        }
        Err(e) => service_error(&state, &e),
    }
}

/// `POST /portal/clients/secrets/remove`: type, id, secret.
pub(super) async fn remove_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (form, user) = match signed_in_form(&state, &req, payload).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (kind, id) = match target(form.get("type"), form.get("id")) {
        Ok(v) => v,
        Err(e) => return service_error(&state, &e),
    };
    let Ok(secret) = form.get("secret").trim().parse::<i64>() else {
        return service_error(&state, &ServiceError::NotFound("Secret".to_owned()));
    };
    let target = id.clone();
    match run(&user, &state, move |ctx, user| {
        secrets::delete(
            ctx,
            &user.caller,
            &user.caller.tenant_id,
            kind.kind,
            &target,
            secret,
        )
    })
    .await
    {
        Ok(()) => redirect(&list_url(&root(&state.ctx.config), kind, Some(id.as_str()))).finish(),
        Err(e) => service_error(&state, &e),
    }
}
