//! Identity providers of a tenant (SPEC §12.1): upstream OpenID Providers added, changed and
//! deleted by Tenant Administrators, and the built-in Local provider, always listed, never
//! deleted, whose `Enabled` turns password sign-in on or off. The client secret is write-only and
//! sealed with the master key. A new Authority is checked by fetching its discovery document
//! before anything is stored — only after the caller was found to be an administrator, so that
//! nobody else can make the server call out.

use super::blocking_unit as unit;
use super::federation::upstream::UpstreamError;
use super::{authorize, validate, Context, Rule, ServiceError, ServiceResult};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::identity_provider::{
    check_authority, IdentityProvider, ProviderKind, DEFAULT_SCOPES, LOCAL_IDENTITY_PROVIDER_ID,
    MAX_IDENTITY_PROVIDERS,
};
use crate::domain::{BuiltinRole, Caller, ListQuery, Page, TenantId};
use crate::store::{self, identity_providers as idp_store, DbConn};
use serde::Deserialize;

/// `Scopes`: a space-separated string or a list of scopes.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum ScopesInput {
    Text(String),
    List(Vec<String>),
}

impl ScopesInput {
    fn joined(&self) -> String {
        match self {
            ScopesInput::Text(t) => t.split_whitespace().collect::<Vec<_>>().join(" "),
            ScopesInput::List(l) => l
                .iter()
                .flat_map(|s| s.split_whitespace())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Create or update body (PUT: absent or null properties are unchanged).
#[derive(Deserialize, Default, Debug, Clone, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityProviderInput {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub authority: Option<String>,
    pub client_id: Option<String>,
    /// Write-only; sealed before it is stored.
    #[schema(write_only)]
    pub client_secret: Option<String>,
    /// Space-separated, or an array of scopes (default `openid profile email`).
    #[schema(value_type = Option<String>)]
    pub scopes: Option<ScopesInput>,
    pub enabled: Option<bool>,
    pub allow_auto_provisioning: Option<bool>,
    pub default_role_ids: Option<Vec<String>>,
}

/// Who asks: a management caller, or the operator at the command line (no caller).
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    Caller(&'a Caller),
    Operator,
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("IdentityProvider".to_owned())
}

/// Parses an identity provider id from a path (a GUID, lowercased).
pub fn parse_provider_id(raw: &str) -> ServiceResult<String> {
    crate::domain::ids::canonical_guid(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Identity provider id '{raw}' is not a valid GUID."),
            "Use an Id from GET /IdentityProviders.",
        )
    })
}

fn check(conn: &mut DbConn, actor: Actor<'_>, tenant: &TenantId, rule: Rule) -> ServiceResult<()> {
    match actor {
        Actor::Caller(c) => authorize(conn, c, tenant, rule).map(|_| ()),
        Actor::Operator => store::tenants::get(conn, tenant)?
            .map(|_| ())
            .ok_or_else(|| ServiceError::NotFound("Tenant".to_owned())),
    }
}

/// Every provider of the tenant: the Local one first (as stored, or as it starts), then the
/// upstream ones by creation.
fn all(conn: &mut DbConn, tenant: &TenantId) -> ServiceResult<Vec<IdentityProvider>> {
    let stored = idp_store::list(conn, tenant)?;
    let local = stored
        .iter()
        .find(|p| p.is_local())
        .cloned()
        .unwrap_or_else(|| IdentityProvider::local(tenant));
    let mut out = vec![local];
    out.extend(stored.into_iter().filter(|p| !p.is_local()));
    Ok(out)
}

/// GET the list (TM).
pub fn list(
    ctx: &Context,
    actor: Actor<'_>,
    tenant: &TenantId,
    q: &ListQuery,
) -> ServiceResult<Page<IdentityProvider>> {
    ctx.store.read(|conn| {
        check(conn, actor, tenant, Rule::Member)?;
        let all: Vec<IdentityProvider> = all(conn, tenant)?
            .into_iter()
            .filter(|p| q.ids.is_empty() || q.ids.contains(&p.id))
            .collect();
        let total = all.len() as i64;
        let items = if q.ids.is_empty() {
            all.into_iter()
                .skip(q.skip as usize)
                .take(q.count as usize)
                .collect()
        } else {
            all
        };
        Ok(Page { items, total })
    })
}

/// GET one (TM).
pub fn get(
    ctx: &Context,
    caller: &Caller,
    tenant: &TenantId,
    id: &str,
) -> ServiceResult<IdentityProvider> {
    ctx.store.read(|conn| {
        authorize(conn, caller, tenant, Rule::Member)?;
        find(conn, tenant, id)
    })
}

fn find(conn: &mut DbConn, tenant: &TenantId, id: &str) -> ServiceResult<IdentityProvider> {
    all(conn, tenant)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(not_found)
}

/// The fields of a new upstream provider, validated (the secret not yet sealed).
fn new_provider(
    tenant: &TenantId,
    input: &IdentityProviderInput,
    now: i64,
) -> ServiceResult<IdentityProvider> {
    let id = match input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => parse_provider_id(raw)?,
        None => crate::domain::ids::new_guid(),
    };
    if id == LOCAL_IDENTITY_PROVIDER_ID || id == "00000000-0000-0000-0000-000000000000" {
        return Err(ServiceError::bad_request(
            format!("The Id '{id}' cannot be used for a new identity provider."),
            "Leave Id out to have one generated.",
        ));
    }
    Ok(IdentityProvider {
        id,
        tenant_id: tenant.clone(),
        kind: ProviderKind::OpenIdConnect,
        display_name: validate::required_text("DisplayName", input.display_name.as_deref())?,
        authority: authority(input.authority.as_deref())?,
        client_id: validate::required_text("ClientId", input.client_id.as_deref())?,
        client_secret_sealed: None,
        scopes: scopes(input.scopes.as_ref())?,
        enabled: input.enabled.unwrap_or(true),
        allow_auto_provisioning: input.allow_auto_provisioning.unwrap_or(false),
        default_role_ids: Vec::new(),
        created: now,
    })
}

fn authority(raw: Option<&str>) -> ServiceResult<String> {
    let a = validate::required_text("Authority", raw)?;
    check_authority(&a).map_err(|why| {
        ServiceError::bad_request(why, "Send the issuer URL of the identity provider.")
    })?;
    Ok(a)
}

fn scopes(input: Option<&ScopesInput>) -> ServiceResult<String> {
    let joined = input.map(ScopesInput::joined).unwrap_or_default();
    if joined.is_empty() {
        return Ok(DEFAULT_SCOPES.to_owned());
    }
    let text = validate::required_text("Scopes", Some(&joined))?;
    if !text.split(' ').any(|s| s == "openid") {
        return Ok(format!("openid {text}"));
    }
    Ok(text)
}

/// The default roles: tenant roles only, Tenant Member always added.
fn default_roles(
    conn: &mut DbConn,
    tenant: &TenantId,
    requested: &[String],
) -> ServiceResult<Vec<crate::domain::RoleId>> {
    let roles = store::roles::list(conn, tenant)?;
    let mut wanted = requested.to_vec();
    if let Some(m) = roles
        .iter()
        .find(|r| r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id()))
    {
        wanted.push(m.id.as_str().to_owned());
    }
    validate::role_ids(&roles, &wanted)
}

fn discovery_refused(e: UpstreamError) -> ServiceError {
    ServiceError::bad_request(
        format!("The Authority cannot be used: {e}"),
        "Check the Authority: its /.well-known/openid-configuration must be reachable from this server and name it as issuer.",
    )
}

fn seal_secret(ctx: &Context, id: &str, secret: Option<&str>) -> ServiceResult<Option<String>> {
    match secret.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(
            ctx.master
                .seal(&IdentityProvider::secret_purpose(id), s.as_bytes())?,
        )),
        None => Ok(None),
    }
}

fn limit_reached(conn: &mut DbConn, tenant: &TenantId) -> ServiceResult<()> {
    let upstream = idp_store::list(conn, tenant)?
        .into_iter()
        .filter(|p| !p.is_local())
        .count();
    if upstream >= MAX_IDENTITY_PROVIDERS {
        return Err(ServiceError::bad_request(
            format!("A tenant may have at most {MAX_IDENTITY_PROVIDERS} identity providers."),
            "Delete an identity provider first.",
        ));
    }
    Ok(())
}

/// POST (TA; or the operator): checks the caller, the fields and the limit, then the Authority's
/// discovery document, then stores the provider with its secret sealed.
pub async fn create(
    ctx: &Context,
    caller: Option<Caller>,
    tenant: TenantId,
    input: IdentityProviderInput,
) -> ServiceResult<IdentityProvider> {
    let now = ctx.now();
    let requested = input.default_role_ids.clone().unwrap_or_default();
    let (c, t, i) = (caller.clone(), tenant.clone(), input.clone());
    let (mut provider, roles) = unit(ctx, move |ctx| {
        ctx.store.read(|conn| {
            // Who asks comes first: a member learns nothing from validation messages.
            check(conn, actor(&c), &t, Rule::Admin)?;
            let provider = new_provider(&t, &i, now)?;
            limit_reached(conn, &t)?;
            Ok((provider, default_roles(conn, &t, &requested)?))
        })
    })
    .await?;
    ctx.federation
        .discover(&provider.authority)
        .await
        .map_err(discovery_refused)?;
    provider.default_role_ids = roles;
    provider.client_secret_sealed = seal_secret(ctx, &provider.id, input.client_secret.as_deref())?;
    unit(ctx, move |ctx| {
        ctx.store.write(|conn| {
            check(conn, actor(&caller), &tenant, Rule::Admin)?;
            limit_reached(conn, &tenant)?;
            if idp_store::get(conn, &tenant, &provider.id)?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "An identity provider with id '{}' already exists.",
                    provider.id
                )));
            }
            idp_store::insert(conn, &provider)?;
            record(
                ctx,
                conn,
                actor(&caller),
                &tenant,
                AuditAction::IdentityProviderCreated,
                &provider.id,
            )?;
            Ok(provider)
        })
    })
    .await
}

/// The audit event of a change (SPEC §13.2), in the change's unit of work.
fn record(
    ctx: &Context,
    conn: &mut DbConn,
    actor: Actor<'_>,
    tenant: &TenantId,
    action: AuditAction,
    id: &str,
) -> ServiceResult<()> {
    match actor {
        Actor::Caller(caller) => super::audit::changed(ctx, conn, caller, action, id),
        Actor::Operator => Ok(store::audit::record(
            conn,
            &AuditEvent::cli(Some(tenant), action, id, ctx.now()),
        )?),
    }
}

fn actor(caller: &Option<Caller>) -> Actor<'_> {
    match caller {
        Some(c) => Actor::Caller(c),
        None => Actor::Operator,
    }
}

/// Merges a PUT onto the stored provider (a Local provider takes only `Enabled`).
fn merge(
    conn: &mut DbConn,
    mut p: IdentityProvider,
    input: &IdentityProviderInput,
) -> ServiceResult<IdentityProvider> {
    if let Some(enabled) = input.enabled {
        p.enabled = enabled;
    }
    if p.is_local() {
        return Ok(p);
    }
    if input.display_name.is_some() {
        p.display_name = validate::required_text("DisplayName", input.display_name.as_deref())?;
    }
    if input.authority.is_some() {
        p.authority = authority(input.authority.as_deref())?;
    }
    if input.client_id.is_some() {
        p.client_id = validate::required_text("ClientId", input.client_id.as_deref())?;
    }
    if input.scopes.is_some() {
        p.scopes = scopes(input.scopes.as_ref())?;
    }
    if let Some(auto) = input.allow_auto_provisioning {
        p.allow_auto_provisioning = auto;
    }
    if let Some(roles) = &input.default_role_ids {
        p.default_role_ids = default_roles(conn, &p.tenant_id, roles)?;
    }
    Ok(p)
}

/// PUT (TA): partial; a changed Authority is checked like a new one.
pub async fn update(
    ctx: &Context,
    caller: Caller,
    tenant: TenantId,
    id: String,
    input: IdentityProviderInput,
) -> ServiceResult<IdentityProvider> {
    if let Some(body_id) = input.id.as_deref().filter(|s| !s.trim().is_empty()) {
        if parse_provider_id(body_id)? != id {
            return Err(ServiceError::bad_request(
                "The Id in the body differs from the Id in the path.",
                "Leave Id out of the body, or send the same Id.",
            ));
        }
    }
    let (c, t, i, inp) = (caller.clone(), tenant.clone(), id.clone(), input.clone());
    let merged = unit(ctx, move |ctx| {
        ctx.store.read(|conn| {
            authorize(conn, &c, &t, Rule::Admin)?;
            let stored = find(conn, &t, &i)?;
            let before = stored.authority.clone();
            Ok((merge(conn, stored, &inp)?, before))
        })
    })
    .await?;
    let (provider, before) = merged;
    if provider.authority != before {
        ctx.federation
            .discover(&provider.authority)
            .await
            .map_err(discovery_refused)?;
        ctx.federation.forget(&before);
    }
    let sealed = match provider.is_local() {
        true => None,
        false => seal_secret(ctx, &provider.id, input.client_secret.as_deref())?,
    };
    unit(ctx, move |ctx| {
        ctx.store.write(|conn| {
            authorize(conn, &caller, &tenant, Rule::Admin)?;
            // Merged again onto the provider as it is now: a change written while the Authority
            // was being checked is kept, not overwritten with what was read before it.
            let stored = find(conn, &tenant, &id)?;
            let mut current = merge(conn, stored, &input)?;
            if current.authority != provider.authority {
                return Err(ServiceError::Conflict(
                    "the identity provider's Authority changed while this change was checked; send it again"
                        .to_owned(),
                ));
            }
            if sealed.is_some() {
                current.client_secret_sealed = sealed;
            }
            match idp_store::get(conn, &tenant, &id)? {
                Some(_) => idp_store::update(conn, &current)?,
                // The Local provider has a row only once changed.
                None if current.is_local() => {
                    current.created = 0;
                    idp_store::insert(conn, &current)?
                }
                None => return Err(not_found()),
            }
            record(
                ctx,
                conn,
                Actor::Caller(&caller),
                &tenant,
                AuditAction::IdentityProviderUpdated,
                &current.id,
            )?;
            Ok(current)
        })
    })
    .await
}

/// DELETE (TA; or the operator). The Local provider cannot be deleted (400); users of a deleted
/// provider keep their records but cannot sign in until moved.
pub fn delete(ctx: &Context, actor: Actor<'_>, tenant: &TenantId, id: &str) -> ServiceResult<()> {
    ctx.store.write(|conn| {
        check(conn, actor, tenant, Rule::Admin)?;
        if id == LOCAL_IDENTITY_PROVIDER_ID {
            return Err(ServiceError::bad_request(
                "The Local identity provider cannot be deleted.",
                "Set Enabled to false to turn password sign-in off.",
            ));
        }
        let p = idp_store::get(conn, tenant, id)?.ok_or_else(not_found)?;
        idp_store::delete(conn, tenant, id)?;
        record(
            ctx,
            conn,
            actor,
            tenant,
            AuditAction::IdentityProviderDeleted,
            id,
        )?;
        ctx.federation.forget(&p.authority);
        Ok(())
    })
}
