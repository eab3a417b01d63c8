//! The management API's OpenAPI 3.1 description (SPEC §13.3), served at `/api/v1/openapi.json`
//! without authentication. It is built by utoipa from the handlers' own types: the request bodies
//! are the service inputs (`ClientInput`, `UserInput`, ...), the responses the views of
//! `api::views` and `ErrorResponse`. Every operation is a `#[utoipa::path]` — on the handler itself
//! where one handler serves one path (`people.rs`), on a per-kind stub in [`clients`] where one
//! handler serves the three client kinds — listed in [`ApiDoc`]. `tests/it/openapi.rs` checks the
//! document against `api::route_table()`, both ways.

mod clients;

use crate::http::errors::ErrorResponse;
use crate::http::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::collections::BTreeMap;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ServerBuilder};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};

/// Where the document is served.
pub const PATH: &str = "/api/v1/openapi.json";

/// How long clients may cache the document: it changes only with the server's version.
const MAX_AGE: u32 = 3600;

/// `{tenantId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct TenantPath {
    /// The tenant's Id (a GUID; the `tid` claim of the caller's token).
    pub tenant_id: String,
}

/// `{tenantId}` and `{clientId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct ClientPath {
    /// The tenant's Id (GUID).
    pub tenant_id: String,
    /// The client's Id (GUID, case-insensitive).
    pub client_id: String,
}

/// `{tenantId}`, `{clientId}` and `{secretId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct SecretPath {
    /// The tenant's Id (GUID).
    pub tenant_id: String,
    /// The client's Id (GUID, case-insensitive).
    pub client_id: String,
    /// The secret's Id (a whole number, per client).
    pub secret_id: i64,
}

/// `{tenantId}` and `{roleId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct RolePath {
    /// The tenant's Id (GUID).
    pub tenant_id: String,
    /// The role's Id in this tenant (GUID; not its RoleTypeId).
    pub role_id: String,
}

/// `{tenantId}` and `{userId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub struct UserPath {
    /// The tenant's Id (GUID).
    pub tenant_id: String,
    /// The user's Id (GUID).
    pub user_id: String,
}

/// The management API's error answers, each an `ErrorResponse` (SPEC §3.1): (status, name in
/// `components/responses`, description).
const ERRORS: [(&str, &str, &str); 4] = [
    ("400", "BadRequest", "The request is not valid (the Reason says why)."),
    (
        "401",
        "Unauthorized",
        "No valid access token of this server (WWW-Authenticate: Bearer), or its caller no longer exists or is disabled.",
    ),
    (
        "403",
        "Forbidden",
        "The token belongs to another tenant, or its caller lacks the required role.",
    ),
    ("404", "NotFound", "The tenant or the resource does not exist."),
];

/// The error answers every operation lists (`responses(..., ApiErrors)`), as references.
pub struct ApiErrors;

impl IntoResponses for ApiErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ERRORS
            .iter()
            .map(|(status, name, _)| {
                (
                    (*status).to_owned(),
                    RefOr::Ref(Ref::from_response_name(*name)),
                )
            })
            .collect()
    }
}

/// The shared parts the derive cannot express: the bearer scheme every operation requires and the
/// error responses [`ApiErrors`] refers to.
struct Shared;

impl Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token of this server for the API scope, whose tid is the tenant in the path (client_credentials at /identity/connect/token).",
                    ))
                    .build(),
            ),
        );
        for (_, name, description) in ERRORS {
            let body = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorResponse")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/json", body)
                .build();
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
    }
}

/// The document. To describe a new operation, annotate its handler with `#[utoipa::path]` and add
/// it to `paths(...)` below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis management API",
        description = "The OCS-compatible management API of Portcullis (tenants, clients, secrets, roles, users). Paths match case-insensitively; every GET has a HEAD twin; lists take skip, count, id, tag and query and answer Total-Count; PUT is a partial update.",
    ),
    paths(
        super::people::get_tenant,
        super::people::head_tenant,
        super::people::update_tenant,
        clients::list_client_credential_clients,
        clients::create_client_credential_client,
        clients::get_client_credential_client,
        clients::update_client_credential_client,
        clients::delete_client_credential_client,
        clients::client_credential_client_roles,
        clients::set_client_credential_client_roles,
        clients::list_client_credential_client_secrets,
        clients::create_client_credential_client_secret,
        clients::get_client_credential_client_secret,
        clients::update_client_credential_client_secret,
        clients::delete_client_credential_client_secret,
        clients::list_authorization_code_clients,
        clients::create_authorization_code_client,
        clients::get_authorization_code_client,
        clients::update_authorization_code_client,
        clients::delete_authorization_code_client,
        clients::list_hybrid_clients,
        clients::create_hybrid_client,
        clients::get_hybrid_client,
        clients::update_hybrid_client,
        clients::delete_hybrid_client,
        clients::list_hybrid_client_secrets,
        clients::create_hybrid_client_secret,
        clients::get_hybrid_client_secret,
        clients::update_hybrid_client_secret,
        clients::delete_hybrid_client_secret,
        clients::client_roles,
        clients::set_client_roles,
        super::people::list_roles,
        super::people::create_role,
        super::people::get_role,
        super::people::update_role,
        super::people::delete_role,
        super::people::role_users,
        super::people::role_clients,
        super::people::list_users,
        super::people::create_user,
        super::people::get_user,
        super::people::update_user,
        super::people::delete_user,
        super::people::user_roles,
        super::people::set_user_roles,
        super::invitations::get_of_user,
        super::invitations::create_for_user,
        super::invitations::update_of_user,
        super::invitations::delete_of_user,
        super::invitations::list,
        super::invitations::get_by_id,
        super::invitations::update_by_id,
        super::invitations::delete_by_id,
        super::audit::list,
        super::identity_providers::list,
        super::identity_providers::create,
        super::identity_providers::get,
        super::identity_providers::update,
        super::identity_providers::delete,
    ),
    components(schemas(ErrorResponse)),
    modifiers(&Shared),
    security(("bearer" = [])),
    tags(
        (name = "Tenant", description = "The tenant itself (SPEC §3.6)."),
        (name = "ClientCredentialClients", description = "Clients of machines (SPEC §3.2)."),
        (name = "AuthorizationCodeClients", description = "Public clients with PKCE (SPEC §3.3)."),
        (name = "HybridClients", description = "Confidential clients with a user present (SPEC §3.4)."),
        (name = "Secrets", description = "Secrets of client-credentials and hybrid clients (SPEC §3.5)."),
        (name = "Roles", description = "Built-in and custom roles (SPEC §3.6)."),
        (name = "Users", description = "Users of the tenant (SPEC §3.6)."),
        (name = "Invitations", description = "Invitations of users, one per user (SPEC §12.3)."),
        (name = "IdentityProviders", description = "Upstream OpenID Providers and the built-in Local provider (SPEC §12.1)."),
        (name = "AuditEvents", description = "Who changed what, and security events (SPEC §13.2)."),
    ),
)]
pub struct ApiDoc;

/// The document with this deployment's public URL as its server.
pub fn document_for(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.servers = Some(vec![ServerBuilder::new().url(public_url).build()]);
    doc
}

/// `GET|HEAD /api/v1/openapi.json`: public and cacheable, like discovery.
pub async fn document(state: web::Data<AppState>) -> HttpResponse {
    match serde_json::to_vec(&document_for(&state.ctx.config.public_url)) {
        Ok(body) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, format!("public, max-age={MAX_AGE}")))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "serialising the API description failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}
