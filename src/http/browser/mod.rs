//! The browser layer shared by the identity pages (SPEC §5) and the portal (SPEC §11): where the
//! pages live (`paths`), their Content-Security-Policy (`csp`), the security headers, redirects and
//! template rendering (`response`), the session and CSRF cookies (`cookies`), the CSRF check
//! (`csrf`), the one reader of form POSTs (`form`), the one renderer of error pages
//! (`error_page`), the static assets (`assets`), the check of a return URL (`return_url`) and
//! the route of a form page ([`form_page`]).
//! Nothing here knows a use case; handlers in `pages/` and `portal/` call it.

pub mod assets;
pub mod cookies;
pub mod csp;
pub mod csrf;
pub mod error_page;
pub mod form;
pub mod paths;
pub mod response;
pub mod return_url;

use actix_web::{web, FromRequest, Handler, Responder};

/// A page with a form: `GET` shows it, `POST` submits it.
pub fn form_page<S, SA, P, PA>(path: &str, show: S, submit: P) -> actix_web::Resource
where
    S: Handler<SA, Output: Responder + 'static>,
    P: Handler<PA, Output: Responder + 'static>,
    SA: FromRequest + 'static,
    PA: FromRequest + 'static,
{
    web::resource(path)
        .route(web::get().to(show))
        .route(web::post().to(submit))
}
