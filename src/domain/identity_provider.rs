//! Identity providers of a tenant (SPEC §12): the built-in Local provider (passwords) and upstream
//! OpenID Providers that users sign in through. The upstream's client secret is never held here in
//! the clear: it is sealed by the service with the master key before it is stored.

use super::{RoleId, TenantId};
use crate::clock::UnixTime;

pub use super::user::LOCAL_IDENTITY_PROVIDER_ID;

/// At most this many upstream providers per tenant (the Local provider is not counted).
pub const MAX_IDENTITY_PROVIDERS: usize = 20;

/// Scopes asked of an upstream when none are configured.
pub const DEFAULT_SCOPES: &str = "openid profile email";

/// The Local provider's display name.
pub const LOCAL_DISPLAY_NAME: &str = "Local accounts";

/// What kind of provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// The built-in provider of local (password) accounts.
    Local,
    /// An upstream OpenID Provider.
    OpenIdConnect,
}

impl ProviderKind {
    /// The wire name (`Type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Local => "Local",
            ProviderKind::OpenIdConnect => "OpenIdConnect",
        }
    }

    /// Parses a stored kind.
    pub fn parse(s: &str) -> Option<ProviderKind> {
        match s {
            "Local" => Some(ProviderKind::Local),
            "OpenIdConnect" => Some(ProviderKind::OpenIdConnect),
            _ => None,
        }
    }
}

/// An identity provider of a tenant. `client_secret_sealed` is the master-key-sealed secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProvider {
    /// A GUID; the Local provider's is [`LOCAL_IDENTITY_PROVIDER_ID`] in every tenant.
    pub id: String,
    pub tenant_id: TenantId,
    pub kind: ProviderKind,
    pub display_name: String,
    /// The upstream issuer (empty for Local).
    pub authority: String,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    /// Space-separated scopes asked upstream.
    pub scopes: String,
    pub enabled: bool,
    pub allow_auto_provisioning: bool,
    pub default_role_ids: Vec<RoleId>,
    pub created: UnixTime,
}

impl IdentityProvider {
    /// The Local provider of `tenant` as it is before anyone changes it.
    pub fn local(tenant: &TenantId) -> IdentityProvider {
        IdentityProvider {
            id: LOCAL_IDENTITY_PROVIDER_ID.to_owned(),
            tenant_id: tenant.clone(),
            kind: ProviderKind::Local,
            display_name: LOCAL_DISPLAY_NAME.to_owned(),
            authority: String::new(),
            client_id: String::new(),
            client_secret_sealed: None,
            scopes: String::new(),
            enabled: true,
            allow_auto_provisioning: false,
            default_role_ids: Vec::new(),
            created: 0,
        }
    }

    pub fn is_local(&self) -> bool {
        self.kind == ProviderKind::Local
    }

    /// The purpose the client secret is sealed for (binds the sealed value to this provider).
    pub fn secret_purpose(id: &str) -> String {
        format!("idp-client-secret:{id}")
    }
}

/// `{issuer}/federation/callback`: the redirect URI to register upstream (the same for every
/// provider; the pending login's state says which one answered).
pub fn redirect_uri(issuer: &str) -> String {
    format!("{issuer}/federation/callback")
}

/// Whether `authority` may be used: https, or http on a loopback host (SPEC §12.1). Returns the
/// reason in words when it may not.
pub fn check_authority(authority: &str) -> Result<(), String> {
    let url = url::Url::parse(authority)
        .map_err(|_| format!("Authority '{authority}' is not an absolute URL."))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("Authority must not have a query or fragment.".to_owned());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(format!(
            "Authority '{authority}' must use https (http only for loopback hosts)."
        )),
    }
}

/// Whether `url`'s host is this machine (`localhost` or a loopback address): where plain http
/// is allowed (an upstream Authority, the self-test's target).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_needs_https_except_on_loopback() {
        assert!(check_authority("https://login.example.com/tenant/v2.0").is_ok());
        assert!(check_authority("http://127.0.0.1:8080/identity").is_ok());
        assert!(check_authority("http://localhost:8080/identity").is_ok());
        assert!(check_authority("http://[::1]:8080/identity").is_ok());
        assert!(check_authority("http://login.example.com").is_err());
        assert!(check_authority("ftp://login.example.com").is_err());
        assert!(check_authority("not a url").is_err());
        assert!(check_authority("https://login.example.com/?a=b").is_err());
    }
}
