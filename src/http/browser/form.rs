//! The one reader of form POSTs from the pages and the portal: the body within its size limit,
//! no NUL anywhere, and the CSRF pair checked (SPEC §8). Every field is kept in order, repeats
//! too (the portal's checkboxes and URL lists); the identity pages ask for [`Form::params`], which
//! refuses a repeated parameter as the protocol endpoints do (RFC 6749 §3.1).

use super::csrf::{csrf_matches, CSRF_FIELD};
use super::error_page::{csrf_error_page, oauth_error_page, unreadable_body_page};
use crate::http::body::{read_body, FORM_BODY_LIMIT};
use crate::oauth::form::FormParams;
use crate::oauth::OAuthError;
use crate::service::Context;
use actix_web::{web, HttpRequest, HttpResponse};

/// A form body that passed the CSRF check.
pub struct Form {
    raw: web::Bytes,
    fields: Vec<(String, String)>,
}

impl Form {
    fn parse(raw: web::Bytes) -> Form {
        let fields = url::form_urlencoded::parse(&raw).into_owned().collect();
        Form { raw, fields }
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every non-blank value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Whether a checkbox was sent.
    pub fn flag(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The fields as protocol parameters: empty ones omitted, a repeated one refused.
    pub fn params(&self) -> Result<FormParams, OAuthError> {
        FormParams::parse(&self.raw)
    }
}

/// Reads a form POST and checks its CSRF pair; `Err` is the 400 page to answer with.
pub async fn read_form(
    ctx: &Context,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Form, HttpResponse> {
    let config = &ctx.config;
    let raw = read_body(payload, FORM_BODY_LIMIT)
        .await
        .map_err(|_| unreadable_body_page(config))?;
    let form = Form::parse(raw);
    if form
        .fields
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(oauth_error_page(
            config,
            &OAuthError::invalid_request("parameters must not contain NUL"),
        ));
    }
    let field = form
        .fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str());
    if !csrf_matches(req, ctx, field) {
        return Err(csrf_error_page(config));
    }
    Ok(form)
}

/// [`read_form`] for the identity pages: the fields as protocol parameters (a repeated one is
/// refused with a 400 page).
pub async fn read_params(
    ctx: &Context,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<FormParams, HttpResponse> {
    let config = &ctx.config;
    read_form(ctx, req, payload)
        .await?
        .params()
        .map_err(|e| oauth_error_page(config, &e))
}

/// The first value of the query parameter `name` of a page request (`None` when absent).
pub fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_kept_for_the_portal_and_refused_as_parameters() {
        let f = Form::parse(web::Bytes::from_static(b"role=a&role=+b+&role=&x=1&on"));
        assert_eq!(f.get("role"), "a");
        assert_eq!(f.all("role"), vec!["a", "b"]);
        assert!(f.flag("on"));
        assert!(!f.flag("off"));
        assert_eq!(f.get("missing"), "");
        assert!(f.params().is_err());
        let single = Form::parse(web::Bytes::from_static(b"x=1&y="));
        assert_eq!(single.params().unwrap().get("x"), Some("1"));
    }
}
