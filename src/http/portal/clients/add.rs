//! Add Client: the steps of the three kinds; the client is created only by the final Add.

use super::*;

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

/// One of the URL lists of Add Client.
pub(super) struct ListSpec {
    /// Form field name of the entries; the typed one is `{key}_new`.
    key: &'static str,
    /// The textbox's label.
    label: &'static str,
    /// The accessible name of the list of added entries: not the textbox's (SPEC §11: an
    /// accessible name belongs to one control).
    list_label: &'static str,
    /// The + button's accessible name.
    add_label: &'static str,
    pub(super) field: Field,
}

pub(super) const LISTS: [ListSpec; 3] = [
    ListSpec {
        key: "redirect",
        label: "Allowed Redirect URL(s)",
        list_label: "Redirect URLs added",
        add_label: "Add Redirect URL",
        field: Field::RedirectUris,
    },
    ListSpec {
        key: "logout",
        label: "Allowed Logout Redirect URL(s)",
        list_label: "Logout Redirect URLs added",
        add_label: "Add Logout Redirect URL",
        field: Field::LogoutRedirectUris,
    },
    ListSpec {
        key: "cors",
        label: "Allowed CORS Origin(s)",
        list_label: "CORS Origins added",
        add_label: "Add CORS Origin",
        field: Field::CorsOrigins,
    },
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
        .map(|(i, spec)| UrlList {
            key: spec.key,
            label: spec.label,
            list_label: spec.list_label,
            add_label: spec.add_label,
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

/// `GET /portal/clients/add?type=`: step 1 of Add Client.
pub(in crate::http::portal) async fn add_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let f = AddForm::new(kind_named(&query_value(&req, "type").unwrap_or_default()));
    let roles = portal.run(all_roles).await?;
    portal.render("clients", |frame| {
        add_page(frame, &f, &roles, Vec::new(), None, None)
    })
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
pub(in crate::http::portal) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let mut f = AddForm::read(&form);
    let roles = portal.run(all_roles).await?;
    let step1 = |f: &AddForm, errors, list_error, form_error| {
        portal.render("clients", |frame| {
            add_page(frame, f, &roles, errors, list_error, form_error)
        })
    };
    let action = form.get("action");
    if let Some(i) = LISTS
        .iter()
        .position(|l| action == format!("add_{}", l.key))
    {
        let list_error = f.add_entry(i).map(|m| (i, m));
        return step1(&f, Vec::new(), list_error, None);
    }
    let errors = f.check(true);
    if !errors.is_empty() {
        return step1(&f, errors, None, None);
    }
    let is_cc = f.kind.kind == ClientKind::ClientCredentials;
    if is_cc && action == "continue" {
        return secret_step(&portal, &f, None, FieldMessages::default());
    }
    if action != "add" {
        return step1(&f, Vec::new(), None, None);
    }
    let mut input = f.input();
    if is_cc {
        match secret_expiration(&state, &form) {
            Ok(expiration) => {
                input.secret_description = Some(form.get("description").to_owned());
                input.secret_expiration_date = expiration;
            }
            Err(m) => return secret_step(&portal, &f, Some(&form), m),
        }
    }
    let kind = f.kind;
    let created = portal
        .try_run(move |ctx, user| {
            clients::create(ctx, &user.caller, &user.caller.tenant_id, kind.kind, input)
        })
        .await;
    match created {
        Ok(created) => {
            let close = list_query(kind, created.client.id.as_str());
            portal.render("clients", |frame| {
                created_page(frame, "Client Successfully Created", created, close)
            })
        }
        Err(ServiceError::BadRequest { reason, .. }) if is_cc => {
            let m = FieldMessages {
                form: Some(reason),
                ..Default::default()
            };
            secret_step(&portal, &f, Some(&form), m)
        }
        Err(ServiceError::BadRequest { reason, .. } | ServiceError::Conflict(reason)) => {
            step1(&f, Vec::new(), None, Some(reason))
        }
        Err(e) => Err(portal.fail(e)),
    }
}

/// The Add Secret step of a new client-credentials client, carrying step 1 in hidden fields.
fn secret_step(
    portal: &Portal<'_>,
    f: &AddForm,
    form: Option<&Form>,
    errors: FieldMessages,
) -> PortalResult {
    secret_page(portal, "add", f.carried(), form, errors, f.kind, None)
}
