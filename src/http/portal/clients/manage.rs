//! Edit, Delete, Add Secret and Remove of an existing client.

use super::*;
use crate::domain::ClientId;
use crate::http::portal::PortalError;

/// The client named by `type` and `id` (query or form).
fn target(kind: &str, id: &str) -> Result<(Kind, ClientId), ServiceError> {
    Ok((kind_named(kind), clients::parse_client_id(id)?))
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn edit_page(frame: Frame, kind: Kind, c: &Client, all: &[Role]) -> EditClientPage {
    let chosen: Vec<String> = c.role_ids.iter().map(|r| r.as_str().to_owned()).collect();
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
        roles: role_checks(all, &chosen),
        errors: FieldMessages::default(),
    }
}

/// The client named by the `type` and `id` of the query; a bad id is the portal's error page.
fn query_target(portal: &Portal<'_>) -> Result<(Kind, ClientId), PortalError> {
    target(
        &query_value(portal.req, "type").unwrap_or_default(),
        &query_value(portal.req, "id").unwrap_or_default(),
    )
    .map_err(|e| portal.fail(e))
}

/// The client named by the `type` and `id` fields of a form.
fn form_target(portal: &Portal<'_>, form: &Form) -> Result<(Kind, ClientId), PortalError> {
    target(form.get("type"), form.get("id")).map_err(|e| portal.fail(e))
}

/// The client named by the query, as the portal user may see it, with its kind and id.
async fn queried_client(portal: &Portal<'_>) -> Result<(Kind, ClientId, Client), PortalError> {
    let (kind, id) = query_target(portal)?;
    let lookup = id.clone();
    let client = portal
        .run(move |ctx, user| {
            clients::get(
                ctx,
                &user.caller,
                &user.caller.tenant_id,
                kind.kind,
                &lookup,
            )
        })
        .await?;
    Ok((kind, id, client))
}

/// `GET /portal/clients/edit?type=&id=`.
pub(in crate::http::portal) async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let (kind, _, client) = queried_client(&portal).await?;
    let roles = edit_roles(&portal, kind).await?;
    portal.render("clients", |frame| edit_page(frame, kind, &client, &roles))
}

/// The tenant's roles for the role checkboxes of a client-credentials client's Edit (other kinds
/// hold no roles).
async fn edit_roles(portal: &Portal<'_>, kind: Kind) -> Result<Vec<Role>, PortalError> {
    if kind.kind == ClientKind::ClientCredentials {
        portal.run(all_roles).await
    } else {
        Ok(Vec::new())
    }
}

/// The lists of an edited client (one URL a line), as its kind has them; a client-credentials
/// client's roles (the checkboxes: the locked Tenant Member comes as a hidden input).
fn edited_input(kind: Kind, form: &Form) -> (ClientInput, Vec<FieldError>) {
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
        // A form with no role field at all (not the Edit page's: it always sends the locked
        // Tenant Member) leaves the roles as they are.
        ClientKind::ClientCredentials => {
            input.role_ids = Some(form.all("role")).filter(|r| !r.is_empty())
        }
    }
    (input, errors)
}

/// `POST /portal/clients/edit`: name, enabled, lifetime, the lists (one URL a line), roles.
pub(in crate::http::portal) async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::admin_form(&state, &req, payload).await?;
    let (kind, id) = form_target(&portal, &form)?;
    let (input, errors) = edited_input(kind, &form);
    let errors = if errors.is_empty() {
        let target = id.clone();
        let outcome = portal
            .try_run(move |ctx, user| {
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
            Ok(_) => return portal.redirect(&list_url("", kind, Some(id.as_str()))),
            Err(ServiceError::BadRequest { reason, .. }) => FieldMessages {
                form: Some(reason),
                ..Default::default()
            },
            Err(e) => return Err(portal.fail(e)),
        }
    } else {
        messages(errors, &mut [])
    };
    let roles = edit_roles(&portal, kind).await?;
    portal.render("clients", |frame| EditClientPage {
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
        roles: role_checks(&roles, &form.all("role")),
        errors,
    })
}

/// `GET /portal/clients/delete?type=&id=`: the confirmation.
pub(in crate::http::portal) async fn delete_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let (kind, id, client) = queried_client(&portal).await?;
    let root = portal.root();
    portal.render("clients", |frame| ConfirmPage {
        frame,
        heading: format!("Delete {}?", client.name),
        sentence: "The client and its secrets are deleted at once; applications using it can no longer get tokens.".to_owned(),
        action: format!("{root}/clients/delete"),
        carried: list_query(kind, id.as_str()),
        button: "Delete",
        cancel: list_url(&root, kind, Some(id.as_str())),
    })
}

/// `POST /portal/clients/delete`.
pub(in crate::http::portal) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::form(&state, &req, payload).await?;
    let (kind, id) = form_target(&portal, &form)?;
    portal
        .run(move |ctx, user| {
            clients::delete(ctx, &user.caller, &user.caller.tenant_id, kind.kind, &id)
        })
        .await?;
    portal.redirect(&list_url("", kind, None))
}

/// `GET /portal/clients/secrets/add?type=&id=`.
pub(in crate::http::portal) async fn secret_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> PortalResult {
    let portal = Portal::admin(&state, &req).await?;
    let (kind, id) = query_target(&portal)?;
    let carried = list_query(kind, id.as_str());
    let errors = FieldMessages::default();
    secret_page(
        &portal,
        "secrets/add",
        carried,
        None,
        errors,
        kind,
        Some(id.as_str()),
    )
}

/// `POST /portal/clients/secrets/add`: the value is shown once, in this response.
pub(in crate::http::portal) async fn add_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::form(&state, &req, payload).await?;
    let (kind, id) = form_target(&portal, &form)?;
    let again = |errors: FieldMessages| {
        let carried = list_query(kind, id.as_str());
        secret_page(
            &portal,
            "secrets/add",
            carried,
            Some(&form),
            errors,
            kind,
            Some(id.as_str()),
        )
    };
    let expiration = match secret_expiration(&state, &form) {
        Ok(e) => e,
        Err(m) => return again(m),
    };
    let input = SecretInput {
        expiration,
        expires: Some(!form.flag("never_expires")),
        description: Some(form.get("description").to_owned()),
    };
    let lookup = id.clone();
    let created = portal
        .try_run(move |ctx, user| {
            secrets::create(
                ctx,
                &user.caller,
                &user.caller.tenant_id,
                kind.kind,
                &lookup,
                input,
            )
        })
        .await;
    match created {
        Ok(new) => portal.render("clients", |frame| CreatedPage {
            frame,
            heading: "Secret Added",
            client_id: id.as_str().to_owned(),
            secret: Some(new.value.expose_secret().to_owned()),
            close: list_query(kind, id.as_str()),
        }),
        Err(ServiceError::BadRequest { reason, .. }) => again(FieldMessages {
            form: Some(reason),
            ..Default::default()
        }),
        Err(e) => Err(portal.fail(e)),
    }
}

/// `POST /portal/clients/secrets/remove`: type, id, secret.
pub(in crate::http::portal) async fn remove_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PortalResult {
    let (portal, form) = Portal::form(&state, &req, payload).await?;
    let (kind, id) = form_target(&portal, &form)?;
    let Ok(secret) = form.get("secret").trim().parse::<i64>() else {
        return Err(portal.fail(ServiceError::NotFound("Secret".to_owned())));
    };
    let client = id.clone();
    portal
        .run(move |ctx, user| {
            secrets::delete(
                ctx,
                &user.caller,
                &user.caller.tenant_id,
                kind.kind,
                &client,
                secret,
            )
        })
        .await?;
    portal.redirect(&list_url("", kind, Some(id.as_str())))
}
