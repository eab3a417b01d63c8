//! Management of clients of all three kinds (SPEC §3.2–§3.4) and of client-credentials clients'
//! roles. Creating a confidential client also creates its first secret, returned once.

use super::secrets::{create_secret_row, NewSecret};
use super::validate;
use super::{authorize, Context, Rule, ServiceError, ServiceResult};
use crate::domain::audit::AuditAction;
use crate::domain::client::limits;
use crate::domain::{Caller, Client, ClientId, ClientKind, ListQuery, Page, Role, TenantId};
use crate::store;
use serde::Deserialize;

/// Create or partial-update body of any client kind. Properties that do not belong to the kind
/// are ignored, like any unknown property (SPEC §3).
#[derive(Deserialize, Default, Debug, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ClientInput {
    pub id: Option<String>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub access_token_lifetime: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub role_ids: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub allowed_cors_origins: Option<Vec<String>>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub allow_offline_access: Option<bool>,
    pub allow_access_tokens_via_browser: Option<bool>,
    pub secret_description: Option<String>,
    #[schema(format = DateTime)]
    pub secret_expiration_date: Option<String>,
}

/// A created client and, for confidential kinds, its first secret.
#[derive(Debug)]
pub struct CreatedClient {
    pub client: Client,
    pub secret: Option<NewSecret>,
}

/// A list page plus the requested ids that were not found (for 207 Multi-Status).
#[derive(Debug)]
pub struct Listing<T> {
    pub page: Page<T>,
    pub missing: Vec<String>,
}

/// Parses a client id from a path or body.
pub fn parse_client_id(raw: &str) -> ServiceResult<ClientId> {
    ClientId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Client id '{raw}' is not a valid GUID."),
            "Client ids are GUIDs such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301.",
        )
    })
}

pub use crate::domain::client::normalize_origin;

fn cors_origins(values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > limits::URIS_PER_LIST {
        return Err(ServiceError::bad_request(
            format!(
                "AllowedCorsOrigins may hold at most {} entries.",
                limits::URIS_PER_LIST
            ),
            format!("Send at most {} AllowedCorsOrigins.", limits::URIS_PER_LIST),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let o = normalize_origin(v).ok_or_else(|| {
            ServiceError::bad_request(
                format!("'{v}' in AllowedCorsOrigins is not an origin."),
                "Send origins as scheme://host[:port] without a path, e.g. https://app.example.com.",
            )
        })?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

fn optional_url(field: &str, value: Option<&str>) -> ServiceResult<Option<String>> {
    match validate::optional_text(field, value)? {
        None => Ok(None),
        Some(v) => match url::Url::parse(&v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(Some(v)),
            _ => Err(ServiceError::bad_request(
                format!("{field} '{v}' is not an http(s) URL."),
                format!("Send {field} as an absolute https URL."),
            )),
        },
    }
}

/// Applies the kind's rules to `input` over `base` (a new client's defaults, or the stored one).
fn merge(
    kind: ClientKind,
    base: &mut Client,
    input: &ClientInput,
    tenant_roles: &[Role],
    creating: bool,
) -> ServiceResult<()> {
    if creating || input.name.is_some() {
        base.name = validate::required_text("Name", input.name.as_deref())?;
    }
    if let Some(e) = input.enabled {
        base.enabled = e;
    }
    if let Some(l) = input.access_token_lifetime {
        base.access_token_lifetime = validate::token_lifetime(l)?;
    }
    if let Some(t) = &input.tags {
        base.tags = validate::tags(t)?;
    }
    match kind {
        ClientKind::ClientCredentials => {
            match &input.role_ids {
                Some(ids) => base.role_ids = validate::role_ids(tenant_roles, ids)?,
                None if creating => return Err(ServiceError::bad_request(
                    "RoleIds is required.",
                    "Send RoleIds including the tenant's Tenant Member role Id (see GET /Roles).",
                )),
                None => {}
            }
        }
        ClientKind::AuthorizationCode | ClientKind::Hybrid => {
            if let Some(u) = &input.redirect_uris {
                base.redirect_uris = validate::uri_list("RedirectUris", u)?;
            }
            if base.redirect_uris.is_empty() {
                return Err(ServiceError::bad_request(
                    "RedirectUris must hold at least one URL.",
                    "Send the callback URL(s) of the application in RedirectUris.",
                ));
            }
            if let Some(u) = &input.post_logout_redirect_uris {
                base.post_logout_redirect_uris = validate::uri_list("PostLogoutRedirectUris", u)?;
            }
            if input.client_uri.is_some() {
                base.client_uri = optional_url("ClientUri", input.client_uri.as_deref())?;
            }
            if input.logo_uri.is_some() {
                base.logo_uri = optional_url("LogoUri", input.logo_uri.as_deref())?;
            }
        }
    }
    match kind {
        ClientKind::AuthorizationCode => {
            if let Some(o) = &input.allowed_cors_origins {
                base.allowed_cors_origins = cors_origins(o)?;
            }
            if input.allow_offline_access == Some(true) {
                return Err(ServiceError::bad_request(
                    "Authorization code clients cannot be issued refresh tokens (AllowOfflineAccess must be false).",
                    "Renew tokens silently instead: send an authorization request with prompt=none from a hidden iframe while the user's session lasts.",
                ));
            }
        }
        ClientKind::Hybrid => {
            if let Some(v) = input.allow_offline_access {
                base.allow_offline_access = v;
            }
            if let Some(v) = input.allow_access_tokens_via_browser {
                base.allow_access_tokens_via_browser = v;
            }
        }
        ClientKind::ClientCredentials => {}
    }
    Ok(())
}

fn not_found(kind: ClientKind) -> ServiceError {
    ServiceError::NotFound(match kind {
        ClientKind::ClientCredentials => "Client-credentials client".to_owned(),
        ClientKind::AuthorizationCode => "Authorization code client".to_owned(),
        ClientKind::Hybrid => "Hybrid client".to_owned(),
    })
}

/// POST a client (TA).
pub fn create(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    kind: ClientKind,
    input: ClientInput,
) -> ServiceResult<CreatedClient> {
    let now = ctx.now();
    let id = match input.id.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => parse_client_id(raw)?,
        _ => ClientId::generate(),
    };
    let secret_expiration = validate::timestamp(
        "SecretExpirationDate",
        input.secret_expiration_date.as_deref(),
    )?;
    if secret_expiration.is_some_and(|at| at <= now) {
        return Err(ServiceError::bad_request(
            "SecretExpirationDate is in the past.",
            "Send a future SecretExpirationDate, or null for a secret that never expires.",
        ));
    }
    let secret_description =
        validate::optional_text("SecretDescription", input.secret_description.as_deref())?;
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        super::audit::changed(ctx, conn, caller, AuditAction::ClientCreated, id.as_str())?;
        let tenant_roles = store::roles::list(conn, tenant)?;
        let mut client = Client {
            id: id.clone(),
            tenant_id: tenant.clone(),
            kind,
            name: String::new(),
            enabled: true,
            access_token_lifetime: limits::DEFAULT_TOKEN_LIFETIME,
            tags: Vec::new(),
            role_ids: Vec::new(),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            allowed_cors_origins: Vec::new(),
            client_uri: None,
            logo_uri: None,
            allow_offline_access: false,
            allow_access_tokens_via_browser: false,
            created: now,
        };
        merge(kind, &mut client, &input, &tenant_roles, true)?;
        if store::clients::count_in_tenant(conn, tenant)? >= limits::CLIENTS_PER_TENANT {
            return Err(ServiceError::bad_request(
                format!(
                    "The tenant already has the maximum of {} clients.",
                    limits::CLIENTS_PER_TENANT
                ),
                "Delete clients that are no longer used.",
            ));
        }
        let taken_in = store::clients::tenant_of(conn, &id)?;
        validate::new_id("client", id.as_str(), taken_in.as_ref(), tenant)?;
        store::clients::insert(conn, &client)?;
        let secret = if kind.has_secrets() {
            Some(create_secret_row(
                conn,
                &id,
                secret_description.clone(),
                secret_expiration,
                now,
            )?)
        } else {
            None
        };
        Ok(CreatedClient { client, secret })
    })
}

/// GET a list of clients of one kind (TM).
pub fn list(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    kind: ClientKind,
    query: &ListQuery,
) -> ServiceResult<Listing<Client>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        let page = store::clients::list(conn, tenant, kind, query)?;
        let missing = query
            .ids
            .iter()
            .filter(|id| !page.items.iter().any(|c| c.id.as_str() == id.as_str()))
            .cloned()
            .collect();
        Ok(Listing { page, missing })
    })
}

/// GET one client (TM or Self).
pub fn get(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    kind: ClientKind,
    id: &ClientId,
) -> ServiceResult<Client> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        store::clients::get(conn, tenant, kind, id)?.ok_or_else(|| not_found(kind))
    })
}

/// PUT a partial update (TA). The body's `Id`, if present, must equal the path id.
pub fn update(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    kind: ClientKind,
    id: &ClientId,
    input: ClientInput,
) -> ServiceResult<Client> {
    if let Some(raw) = input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        if ClientId::parse(raw).ok().as_ref() != Some(id) {
            return Err(ServiceError::bad_request(
                "The Id in the body differs from the client id in the path.",
                "Leave Id out of the body or send the same id as in the path.",
            ));
        }
    }
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let mut client =
            store::clients::get(conn, tenant, kind, id)?.ok_or_else(|| not_found(kind))?;
        let tenant_roles = store::roles::list(conn, tenant)?;
        let was_enabled = client.enabled;
        merge(kind, &mut client, &input, &tenant_roles, false)?;
        if was_enabled && !client.enabled {
            // Disabling a client ends its refresh tokens at once (SPEC §4.4).
            store::refresh::delete_for_client(conn, &client.id)?;
        }
        store::clients::update(conn, &client)?;
        super::audit::changed(ctx, conn, caller, AuditAction::ClientUpdated, id.as_str())?;
        Ok(client)
    })
}

/// DELETE a client (TA); its secrets, codes, consents and refresh tokens go with it (cascade).
pub fn delete(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    kind: ClientKind,
    id: &ClientId,
) -> ServiceResult<()> {
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        store::clients::get(conn, tenant, kind, id)?.ok_or_else(|| not_found(kind))?;
        store::clients::delete(conn, id)?;
        super::audit::changed(ctx, conn, caller, AuditAction::ClientDeleted, id.as_str())?;
        Ok(())
    })
}

/// GET the roles of a client-credentials client (TM or Self).
pub fn roles(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &ClientId,
) -> ServiceResult<Vec<Role>> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        let client = store::clients::get(conn, tenant, ClientKind::ClientCredentials, id)?
            .ok_or_else(|| not_found(ClientKind::ClientCredentials))?;
        let all = store::roles::list(conn, tenant)?;
        Ok(all
            .into_iter()
            .filter(|r| client.role_ids.contains(&r.id))
            .collect())
    })
}

/// PUT the roles of a client-credentials client (TA): replaces the list, Tenant Member required.
pub fn set_roles(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &ClientId,
    role_ids: &[String],
) -> ServiceResult<Vec<Role>> {
    ctx.store.write(|conn| {
        authorize(conn, caller, tenant, Rule::Admin)?;
        let mut client = store::clients::get(conn, tenant, ClientKind::ClientCredentials, id)?
            .ok_or_else(|| not_found(ClientKind::ClientCredentials))?;
        let all = store::roles::list(conn, tenant)?;
        client.role_ids = validate::role_ids(&all, role_ids)?;
        store::clients::update(conn, &client)?;
        super::audit::changed(ctx, conn, caller, AuditAction::ClientRolesSet, id.as_str())?;
        Ok(all
            .into_iter()
            .filter(|r| client.role_ids.contains(&r.id))
            .collect())
    })
}
