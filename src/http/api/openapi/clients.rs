//! Per-kind descriptions of the client and secret operations: one handler in `api::clients` /
//! `api::secrets` serves all three client kinds (the kind comes from the route), so each kind's
//! paths are described here, by functions that are never called.
#![allow(dead_code)] // Description stubs: utoipa reads their attributes; nothing calls them.

use super::{ApiErrors, ClientPath, SecretPath, TenantPath};
use crate::http::api::clients::{MultiStatus, RoleRef};
use crate::http::api::extract::ListQueryParams;
use crate::http::api::views::{
    AuthorizationCodeClientView, ClientCreateResponse, ClientCredentialClientView,
    HybridClientView, NewSecretView, RoleView, SecretView,
};
use crate::service::clients::ClientInput;
use crate::service::secrets::SecretInput;

/// Lists the tenant's client-credentials clients (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients",
    tag = "ClientCredentialClients",
    params(TenantPath, ListQueryParams),
    responses(
        (status = 200, description = "The tenant's client-credentials clients.", body = [ClientCredentialClientView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        (status = 207, description = "Some requested ids were not found: the found clients and a 404 child error per missing id.", body = MultiStatus<ClientCredentialClientView>, headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn list_client_credential_clients() {}

/// Creates a client-credentials client (TA).
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients",
    tag = "ClientCredentialClients",
    params(TenantPath),
    request_body = ClientInput,
    responses(
        (status = 201, description = "The client and its first secret, shown once.", body = ClientCreateResponse, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub fn create_client_credential_client() {}

/// Reads a client-credentials client (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}",
    tag = "ClientCredentialClients",
    params(ClientPath),
    responses(
        (status = 200, description = "The client.", body = ClientCredentialClientView),
        ApiErrors
    )
)]
pub fn get_client_credential_client() {}

/// Changes a client-credentials client: absent or null properties stay as they are (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}",
    tag = "ClientCredentialClients",
    params(ClientPath),
    request_body = ClientInput,
    responses(
        (status = 200, description = "The client as it is now.", body = ClientCredentialClientView),
        ApiErrors
    )
)]
pub fn update_client_credential_client() {}

/// Deletes a client-credentials client and its secrets (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}",
    tag = "ClientCredentialClients",
    params(ClientPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub fn delete_client_credential_client() {}

/// Lists the client's secrets (Self, TA).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets",
    tag = "Secrets",
    params(ClientPath, ListQueryParams),
    responses(
        (status = 200, description = "The secrets (never their values).", body = [SecretView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn list_client_credential_client_secrets() {}

/// Adds a secret to the client (Self, TA); the value is in this response only.
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets",
    tag = "Secrets",
    params(ClientPath),
    request_body = SecretInput,
    responses(
        (status = 201, description = "The secret and its value.", body = NewSecretView, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub fn create_client_credential_client_secret() {}

/// Reads a secret (Self, TA).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    responses(
        (status = 200, description = "The secret.", body = SecretView),
        ApiErrors
    )
)]
pub fn get_client_credential_client_secret() {}

/// Changes a secret's description or expiry (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    request_body = SecretInput,
    responses(
        (status = 200, description = "The secret as it is now.", body = SecretView),
        ApiErrors
    )
)]
pub fn update_client_credential_client_secret() {}

/// Deletes a secret; it stops authenticating at once (Self, TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub fn delete_client_credential_client_secret() {}

/// Lists the client's roles (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Roles",
    tag = "ClientCredentialClients",
    params(ClientPath),
    responses(
        (status = 200, description = "The roles.", body = [RoleView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn client_credential_client_roles() {}

/// Replaces the client's roles; Tenant Member must stay (TA). Only each role's Id is read.
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}/Roles",
    tag = "ClientCredentialClients",
    params(ClientPath),
    request_body = [RoleRef],
    responses(
        (status = 200, description = "The roles as they are now.", body = [RoleView]),
        ApiErrors
    )
)]
pub fn set_client_credential_client_roles() {}

/// Lists the tenant's authorization-code clients (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/AuthorizationCodeClients",
    tag = "AuthorizationCodeClients",
    params(TenantPath, ListQueryParams),
    responses(
        (status = 200, description = "The tenant's authorization-code clients.", body = [AuthorizationCodeClientView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn list_authorization_code_clients() {}

/// Creates a authorization-code client (TA).
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/AuthorizationCodeClients",
    tag = "AuthorizationCodeClients",
    params(TenantPath),
    request_body = ClientInput,
    responses(
        (status = 201, description = "The client.", body = AuthorizationCodeClientView, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub fn create_authorization_code_client() {}

/// Reads a authorization-code client (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/AuthorizationCodeClients/{clientId}",
    tag = "AuthorizationCodeClients",
    params(ClientPath),
    responses(
        (status = 200, description = "The client.", body = AuthorizationCodeClientView),
        ApiErrors
    )
)]
pub fn get_authorization_code_client() {}

/// Changes a authorization-code client: absent or null properties stay as they are (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/AuthorizationCodeClients/{clientId}",
    tag = "AuthorizationCodeClients",
    params(ClientPath),
    request_body = ClientInput,
    responses(
        (status = 200, description = "The client as it is now.", body = AuthorizationCodeClientView),
        ApiErrors
    )
)]
pub fn update_authorization_code_client() {}

/// Deletes a authorization-code client (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/AuthorizationCodeClients/{clientId}",
    tag = "AuthorizationCodeClients",
    params(ClientPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub fn delete_authorization_code_client() {}

/// Lists the tenant's hybrid clients (TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/HybridClients",
    tag = "HybridClients",
    params(TenantPath, ListQueryParams),
    responses(
        (status = 200, description = "The tenant's hybrid clients.", body = [HybridClientView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn list_hybrid_clients() {}

/// Creates a hybrid client (TA).
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/HybridClients",
    tag = "HybridClients",
    params(TenantPath),
    request_body = ClientInput,
    responses(
        (status = 201, description = "The client and its first secret, shown once.", body = ClientCreateResponse, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub fn create_hybrid_client() {}

/// Reads a hybrid client (Self, TM).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}",
    tag = "HybridClients",
    params(ClientPath),
    responses(
        (status = 200, description = "The client.", body = HybridClientView),
        ApiErrors
    )
)]
pub fn get_hybrid_client() {}

/// Changes a hybrid client: absent or null properties stay as they are (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}",
    tag = "HybridClients",
    params(ClientPath),
    request_body = ClientInput,
    responses(
        (status = 200, description = "The client as it is now.", body = HybridClientView),
        ApiErrors
    )
)]
pub fn update_hybrid_client() {}

/// Deletes a hybrid client and its secrets (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}",
    tag = "HybridClients",
    params(ClientPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub fn delete_hybrid_client() {}

/// Lists the client's secrets (TA).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}/Secrets",
    tag = "Secrets",
    params(ClientPath, ListQueryParams),
    responses(
        (status = 200, description = "The secrets (never their values).", body = [SecretView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn list_hybrid_client_secrets() {}

/// Adds a secret to the client (TA); the value is in this response only.
#[utoipa::path(
    post,
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}/Secrets",
    tag = "Secrets",
    params(ClientPath),
    request_body = SecretInput,
    responses(
        (status = 201, description = "The secret and its value.", body = NewSecretView, headers(("Location" = String, description = "URL of the new resource."))),
        ApiErrors
    )
)]
pub fn create_hybrid_client_secret() {}

/// Reads a secret (TA).
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    responses(
        (status = 200, description = "The secret.", body = SecretView),
        ApiErrors
    )
)]
pub fn get_hybrid_client_secret() {}

/// Changes a secret's description or expiry (TA).
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    request_body = SecretInput,
    responses(
        (status = 200, description = "The secret as it is now.", body = SecretView),
        ApiErrors
    )
)]
pub fn update_hybrid_client_secret() {}

/// Deletes a secret; it stops authenticating at once (TA).
#[utoipa::path(
    delete,
    path = "/api/v1/Tenants/{tenantId}/HybridClients/{clientId}/Secrets/{secretId}",
    tag = "Secrets",
    params(SecretPath),
    responses(
        (status = 204, description = "Deleted."),
        ApiErrors
    )
)]
pub fn delete_hybrid_client_secret() {}

/// Lists a client-credentials client's roles (Self, TM); the same as .../ClientCredentialClients/{clientId}/Roles.
#[utoipa::path(
    method(get, head),
    path = "/api/v1/Tenants/{tenantId}/Clients/{clientId}/Roles",
    tag = "ClientCredentialClients",
    params(ClientPath),
    responses(
        (status = 200, description = "The roles.", body = [RoleView], headers(("Total-Count" = i64, description = "Number of matching items."))),
        ApiErrors
    )
)]
pub fn client_roles() {}

/// Replaces a client-credentials client's roles (TA); the same as .../ClientCredentialClients/{clientId}/Roles.
#[utoipa::path(
    put,
    path = "/api/v1/Tenants/{tenantId}/Clients/{clientId}/Roles",
    tag = "ClientCredentialClients",
    params(ClientPath),
    request_body = [RoleRef],
    responses(
        (status = 200, description = "The roles as they are now.", body = [RoleView]),
        ApiErrors
    )
)]
pub fn set_client_roles() {}
