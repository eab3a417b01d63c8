//! Wire shapes of the management API: PascalCase, in the property order of the OCS documents.

use crate::domain::time::format_time;
use crate::domain::{Client, ClientKind, ClientSecret, Role, Tenant, User};
use crate::service::secrets::NewSecret;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The properties every client kind has, in their OCS order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ClientCommon<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub enabled: bool,
    pub access_token_lifetime: i64,
    pub tags: &'a [String],
}

/// The URLs of a client that signs users in (authorization code and hybrid), which come first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ClientUrls<'a> {
    pub redirect_uris: &'a [String],
    pub post_logout_redirect_uris: &'a [String],
    pub client_uri: Option<&'a str>,
    pub logo_uri: Option<&'a str>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = ClientCredentialClient)]
pub struct ClientCredentialClientView<'a> {
    #[serde(flatten)]
    pub common: ClientCommon<'a>,
    pub role_ids: Vec<&'a str>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = AuthorizationCodeClient)]
pub struct AuthorizationCodeClientView<'a> {
    #[serde(flatten)]
    pub urls: ClientUrls<'a>,
    #[serde(flatten)]
    pub common: ClientCommon<'a>,
    pub allowed_cors_origins: &'a [String],
    pub allow_offline_access: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = HybridClient)]
pub struct HybridClientView<'a> {
    #[serde(flatten)]
    pub urls: ClientUrls<'a>,
    #[serde(flatten)]
    pub common: ClientCommon<'a>,
    pub allow_offline_access: bool,
    pub allow_access_tokens_via_browser: bool,
}

/// A client in the shape of its kind.
pub fn client(c: &Client) -> Value {
    let common = ClientCommon {
        id: c.id.as_str(),
        name: &c.name,
        enabled: c.enabled,
        access_token_lifetime: c.access_token_lifetime,
        tags: &c.tags,
    };
    let urls = ClientUrls {
        redirect_uris: &c.redirect_uris,
        post_logout_redirect_uris: &c.post_logout_redirect_uris,
        client_uri: c.client_uri.as_deref(),
        logo_uri: c.logo_uri.as_deref(),
    };
    let v = match c.kind {
        ClientKind::ClientCredentials => serde_json::to_value(ClientCredentialClientView {
            common,
            role_ids: c.role_ids.iter().map(|r| r.as_str()).collect(),
        }),
        ClientKind::AuthorizationCode => serde_json::to_value(AuthorizationCodeClientView {
            urls,
            common,
            allowed_cors_origins: &c.allowed_cors_origins,
            allow_offline_access: c.allow_offline_access,
        }),
        ClientKind::Hybrid => serde_json::to_value(HybridClientView {
            urls,
            common,
            allow_offline_access: c.allow_offline_access,
            allow_access_tokens_via_browser: c.allow_access_tokens_via_browser,
        }),
    };
    v.unwrap_or(Value::Null)
}

/// `ClientCredentialClientCreateResponse` / `HybridClientCreateResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ClientCreateResponse<'a> {
    pub secret: &'a str,
    pub id: i64,
    pub description: Option<&'a str>,
    #[schema(format = DateTime)]
    pub expiration_date: Option<String>,
    /// The client, in the shape of its kind.
    #[schema(value_type = Object)]
    pub client: Value,
}

pub fn client_created<'a>(c: &Client, s: &'a NewSecret) -> ClientCreateResponse<'a> {
    ClientCreateResponse {
        secret: s.value.expose_secret(),
        id: s.secret.id,
        description: s.secret.description.as_deref(),
        expiration_date: s.secret.expiration.map(format_time),
        client: client(c),
    }
}

/// `ClientSecret`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = ClientSecret)]
pub struct SecretView<'a> {
    #[schema(format = DateTime)]
    pub expiration: Option<String>,
    pub expires: bool,
    pub description: Option<&'a str>,
    pub id: i64,
}

pub fn secret(s: &ClientSecret) -> SecretView<'_> {
    SecretView {
        expiration: s.expiration.map(format_time),
        expires: s.expiration.is_some(),
        description: s.description.as_deref(),
        id: s.id,
    }
}

/// `ClientSecretResponse`: the secret plus its value, once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = ClientSecretResponse)]
pub struct NewSecretView<'a> {
    pub id: i64,
    #[schema(format = DateTime)]
    pub expiration: Option<String>,
    pub expires: bool,
    pub description: Option<&'a str>,
    pub secret: &'a str,
}

pub fn new_secret(s: &NewSecret) -> NewSecretView<'_> {
    NewSecretView {
        id: s.secret.id,
        expiration: s.secret.expiration.map(format_time),
        expires: s.secret.expiration.is_some(),
        description: s.secret.description.as_deref(),
        secret: s.value.expose_secret(),
    }
}

/// `Role`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = Role)]
pub struct RoleView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub role_scope: i32,
    pub tenant_id: &'a str,
    pub community_id: Option<&'a str>,
    pub role_type_id: Option<&'a str>,
}

pub fn role(r: &Role) -> RoleView<'_> {
    RoleView {
        id: r.id.as_str(),
        name: &r.name,
        description: r.description.as_deref(),
        role_scope: crate::domain::role::ROLE_SCOPE_TENANT,
        tenant_id: r.tenant_id.as_str(),
        community_id: None,
        role_type_id: r.role_type_id.as_deref(),
    }
}

/// `User`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = User)]
pub struct UserView<'a> {
    pub id: &'a str,
    pub given_name: Option<&'a str>,
    pub surname: Option<&'a str>,
    pub name: Option<&'a str>,
    pub email: &'a str,
    pub contact_email: Option<&'a str>,
    pub contact_given_name: Option<&'a str>,
    pub contact_surname: Option<&'a str>,
    pub external_user_id: Option<&'a str>,
    pub identity_provider_id: &'a str,
    pub role_ids: Vec<&'a str>,
}

pub fn user(u: &User) -> UserView<'_> {
    UserView {
        id: u.id.as_str(),
        given_name: u.given_name.as_deref(),
        surname: u.surname.as_deref(),
        name: u.name.as_deref(),
        email: &u.email,
        contact_email: u.contact_email.as_deref(),
        contact_given_name: u.contact_given_name.as_deref(),
        contact_surname: u.contact_surname.as_deref(),
        external_user_id: u.external_user_id.as_deref(),
        identity_provider_id: &u.identity_provider_id,
        role_ids: u.role_ids.iter().map(|r| r.as_str()).collect(),
    }
}

/// `Tenant`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = Tenant)]
pub struct TenantView<'a> {
    pub id: &'a str,
    pub company_name: &'a str,
    pub state: i32,
    #[schema(format = DateTime)]
    pub created: String,
    #[schema(format = DateTime)]
    pub last_updated: String,
    pub alias: Option<&'a str>,
}

pub fn tenant(t: &Tenant) -> TenantView<'_> {
    TenantView {
        id: t.id.as_str(),
        company_name: &t.company_name,
        state: t.state,
        created: format_time(t.created),
        last_updated: format_time(t.last_updated),
        alias: t.alias.as_deref(),
    }
}
