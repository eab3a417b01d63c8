//! The Clients pages (SPEC §11): the list by Client Type with a Details region, the Add Client
//! procedures of the three kinds, Edit, Delete, Add Secret and Remove. Every change goes through
//! `service::clients` / `service::secrets` with the portal user's `Caller`. A client is created
//! only by the final Add (the earlier steps carry their fields in hidden inputs), and a secret
//! value appears only in the response to the POST that created it.

use super::views::{
    AddClientPage, AddSecretPage, ClientDetails, ClientRow, ClientsPage, ConfirmPage, CreatedPage,
    EditClientPage, FieldMessages, Frame, Pager, SecretRow, UrlList, PAGE_SIZE,
};
use super::{all_roles, list_skip, query_value, role_checks, role_names, Portal, PortalResult};
use crate::domain::time::{format_date, format_time};
use crate::domain::{Client, ClientKind, ClientSecret, Role};
use crate::http::browser::form::Form;
use crate::http::AppState;
use crate::service::clients::{self, ClientInput, CreatedClient};
use crate::service::portal::{self, ClientFields, Field, FieldError};
use crate::service::secrets::{self, SecretInput};
use crate::service::{validate, ServiceError};
use actix_web::{web, HttpRequest};

mod add;
mod manage;

pub(super) use add::{add, add_form};
pub(super) use manage::{
    add_secret, delete, delete_form, edit, edit_form, remove_secret, secret_form,
};

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

/// The `type` and `id` fields naming one client: the Clients page's query for Close, or the
/// hidden inputs of a form about that client.
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

/// The secrets of the chosen client, or why the caller may not see them.
type SecretsShown = Option<Result<Vec<ClientSecret>, String>>;

struct ListData {
    clients: Vec<Client>,
    /// The first client shown and how many clients of the kind there are (`Total-Count`).
    skip: i64,
    total: i64,
    /// The chosen client, its secrets and the tenant's roles (for their names).
    details: Option<(Client, SecretsShown, Vec<Role>)>,
}

/// `GET /portal/clients?type=cc|ac|hybrid&id=<client id>`.
pub(super) async fn list(state: web::Data<AppState>, req: HttpRequest) -> PortalResult {
    let portal = Portal::signed_in(&state, &req).await?;
    let kind = kind_named(&query_value(&req, "type").unwrap_or_default());
    let selected = query_value(&req, "id");
    let skip = list_skip(&req);
    let data = portal
        .run(move |ctx, user| {
            let (caller, tenant) = (&user.caller, &user.caller.tenant_id);
            let query = validate::list_query(&[], &[], Some(skip), Some(PAGE_SIZE))?;
            let page = clients::list(ctx, caller, tenant, kind.kind, &query)?.page;
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
            Ok(ListData {
                clients: page.items,
                skip,
                total: page.total,
                details,
            })
        })
        .await?;
    portal.render("clients", |frame| clients_page(frame, kind, data))
}

fn clients_page(frame: Frame, kind: Kind, data: ListData) -> ClientsPage {
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
    let base = format!("{}/clients?type={}&", frame.root, kind.code);
    ClientsPage {
        pager: Pager::new(&base, data.skip, data.clients.len(), data.total),
        frame,
        kind: kind.code,
        kinds: KINDS
            .iter()
            .map(|k| (k.code, k.label, k.code == kind.code))
            .collect(),
        rows,
        details: data
            .details
            .map(|(c, secrets, all)| client_details(c, secrets, &all)),
    }
}

fn client_details(c: Client, secrets: SecretsShown, all: &[Role]) -> ClientDetails {
    ClientDetails {
        id: c.id.as_str().to_owned(),
        name: c.name.clone(),
        enabled: c.enabled,
        lifetime: c.access_token_lifetime,
        roles: role_names(all, &c.role_ids),
        redirect_uris: c.redirect_uris,
        logout_uris: c.post_logout_redirect_uris,
        cors_origins: c.allowed_cors_origins,
        allow_refresh: c.allow_offline_access,
        secrets: secrets.map(|r| {
            r.map(|list| {
                list.into_iter()
                    .map(|s| SecretRow {
                        id: s.id,
                        description: s.description.unwrap_or_default(),
                        expiration: s.expiration.map_or_else(|| "Never".to_owned(), format_date),
                        expiration_at: s.expiration.map(format_time).unwrap_or_default(),
                    })
                    .collect()
            })
        }),
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
                match add::LISTS
                    .iter()
                    .position(|l| l.field == list_field)
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

/// One year from today, as the Expiration date input wants it.
fn default_expiration(state: &AppState) -> String {
    chrono::DateTime::from_timestamp(state.ctx.now() + 365 * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The Add Secret page, posting to `{root}/clients/{action}` with the `carried` fields; Cancel
/// goes back to the kind's list (showing `client`, if any). `form` refills the fields.
fn secret_page(
    portal: &Portal<'_>,
    action: &str,
    carried: Vec<(String, String)>,
    form: Option<&Form>,
    errors: FieldMessages,
    kind: Kind,
    client: Option<&str>,
) -> PortalResult {
    let root = portal.root();
    portal.render("clients", |frame| AddSecretPage {
        frame,
        heading: "Add Secret",
        action: format!("{root}/clients/{action}"),
        carried,
        description: form
            .map(|f| f.get("description").to_owned())
            .unwrap_or_default(),
        expiration: form
            .map(|f| f.get("expiration").to_owned())
            .unwrap_or_else(|| default_expiration(portal.state())),
        never_expires: form.is_some_and(|f| f.flag("never_expires")),
        errors,
        cancel: list_url(&root, kind, client),
    })
}

/// The checked expiration of the Add Secret fields of `form` (`None`: never expires), or the
/// messages to show next to them.
fn secret_expiration(state: &AppState, form: &Form) -> Result<Option<String>, FieldMessages> {
    portal::check_secret_fields(
        &state.ctx,
        form.get("description"),
        form.get("expiration"),
        form.flag("never_expires"),
    )
    .map_err(|errors| messages(errors, &mut []))
}
