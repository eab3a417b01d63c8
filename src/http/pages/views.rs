//! The askama views of the pages (SPEC §5): one struct per template, plus the words the consent
//! page uses for scopes. Everything inserted is HTML-escaped by askama.

pub use crate::http::browser::paths::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub layout: Layout,
    pub client_name: &'a str,
    pub username: &'a str,
    pub message: Option<&'a str>,
    /// The urlencoded authorization request of a relying party ("" for the portal).
    pub request: &'a str,
    /// The portal page to come back to, instead of an authorization request.
    pub return_url: Option<&'a str>,
    pub csrf: &'a str,
    /// Whether the Email/Password form is shown (the tenant's Local provider is enabled).
    pub password: bool,
    /// (start URL, DisplayName) of each enabled upstream provider (SPEC §12.2).
    pub providers: Vec<(String, &'a str)>,
}

/// "Accept invitation" (SPEC §12.3): a Set password form for the Local provider, else the
/// button to the invitation's upstream provider.
#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage<'a> {
    pub layout: Layout,
    pub tenant_name: &'a str,
    pub email: &'a str,
    pub message: Option<&'a str>,
    pub local: bool,
    /// The link's code, carried by the form (never logged).
    pub code: &'a str,
    pub csrf: &'a str,
    /// `{issuer}/federation/start?provider=…&invitation=…`: a link, not a form (a form's
    /// redirect upstream would fall under the page's `form-action`).
    pub federation_start: String,
    pub provider_name: &'a str,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub layout: Layout,
    pub client_name: &'a str,
    pub client_uri: Option<&'a str>,
    pub logo_uri: Option<&'a str>,
    pub scopes: Vec<&'a str>,
    pub request: &'a str,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub layout: Layout,
    pub request: &'a str,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "signed_out.html")]
pub struct SignedOutPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage<'a> {
    pub action: &'a str,
    pub params: &'a [(String, String)],
    /// The inline script; its SHA-256 is in the page's `script-src`.
    pub script: &'static str,
}

/// A scope in words, as the consent page lists it.
pub fn scope_in_words<'a>(scope: &'a str, api_scope: &str) -> &'a str {
    match scope {
        "openid" => "Sign you in",
        "profile" => "Your name",
        "email" => "Your e-mail address",
        "offline_access" => "Stay signed in",
        s if s == api_scope => "Use the data services API as you",
        other => other,
    }
}

/// Only http(s) URLs become links or images: a `javascript:` URL must never reach an attribute.
pub fn web_url(uri: Option<&str>) -> Option<&str> {
    uri.filter(|u| url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_words_and_unknown_ones_as_themselves() {
        assert_eq!(scope_in_words("openid", "ocsapi"), "Sign you in");
        assert_eq!(
            scope_in_words("ocsapi", "ocsapi"),
            "Use the data services API as you"
        );
        assert_eq!(scope_in_words("other", "ocsapi"), "other");
    }

    #[test]
    fn only_web_urls_are_linked() {
        assert_eq!(
            web_url(Some("https://a.example/")),
            Some("https://a.example/")
        );
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(web_url(None), None);
    }
}
