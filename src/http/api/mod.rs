//! The OCS-compatible management API under `/api/v1/Tenants/{tenantId}` (SPEC §3). Paths arrive
//! lowercased (see `request_id`), so routes are registered in lowercase.
//!
//! Routes are registered only through [`Table::at`] (see `tenant_scope`), which also writes each
//! method and path down: [`route_table`] is that list, and `tests/it/openapi.rs` holds the OpenAPI
//! description ([`openapi`], served at `/api/v1/openapi.json`) to it both ways.

mod audit;
mod clients;
mod extract;
mod identity_providers;
mod invitations;
pub mod openapi;
mod people;
mod secrets;
pub mod views;

use super::errors::ApiError;
use super::AppState;
use crate::domain::{ClientKind, TenantId};
use crate::service::ServiceError;
use actix_web::http::header;
use actix_web::{guard, web, FromRequest, Handler, HttpResponse};
use serde::Serialize;

pub use extract::{ApiCaller, KindOf, ListParams};
pub use identity_providers::view as idp_view;

/// GET and HEAD share a handler; actix sends no body for HEAD.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Parses `{tenantId}`.
pub(crate) fn tenant_id(raw: &str) -> Result<TenantId, ApiError> {
    TenantId::parse(raw).map_err(|_| {
        ServiceError::bad_request(
            format!("Tenant id '{raw}' is not a valid GUID."),
            "Use the tenant id printed by bootstrap (the tid claim of your token).",
        )
        .into()
    })
}

/// A JSON response with `Total-Count`.
pub(crate) fn listed<T: Serialize>(items: &[T], total: i64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Total-Count", total.to_string()))
        .json(items)
}

/// What every management API handler answers.
type Reply = Result<HttpResponse, ApiError>;

/// A 201 with `Location: {public URL}/api/v1/Tenants/{tenant}/{path}` and the new resource.
pub(crate) fn created(
    state: &AppState,
    tenant: &TenantId,
    path: &str,
    body: impl Serialize,
) -> HttpResponse {
    let public_url = &state.ctx.config.public_url;
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{public_url}/api/v1/Tenants/{tenant}/{path}"),
        ))
        // SPEC §8: a client or secret create shows the secret once; no cache may keep it.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

async fn not_found() -> Reply {
    Err(ServiceError::NotFound("Resource".to_owned()).into())
}

async fn method_not_allowed(req: actix_web::HttpRequest) -> Reply {
    Err(ServiceError::MethodNotAllowed(req.method().to_string()).into())
}

/// A resource whose unrouted methods get a 405 `ErrorResponse` (actix's default has no body).
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// One routed method and path pattern of the management API, as actix matches it (lowercase,
/// `{snake_case}` parameters). The OpenAPI test (SPEC §13.3) compares these with the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
}

/// The methods of one resource, each registered with actix and written down for the route table.
pub(crate) struct Methods {
    resource: actix_web::Resource,
    methods: Vec<&'static str>,
}

impl Methods {
    fn on<H, A>(mut self, methods: &[&'static str], route: actix_web::Route, handler: H) -> Self
    where
        H: Handler<A, Output = Reply>,
        A: FromRequest + 'static,
    {
        self.resource = self.resource.route(route.to(handler));
        self.methods.extend_from_slice(methods);
        self
    }

    /// `GET` and `HEAD` with one handler; actix sends no body for HEAD.
    fn read<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["GET", "HEAD"], read(), h)
    }
    fn get<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["GET"], web::get(), h)
    }
    fn head<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["HEAD"], web::head(), h)
    }
    fn post<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["POST"], web::post(), h)
    }
    fn put<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["PUT"], web::put(), h)
    }
    fn delete<H: Handler<A, Output = Reply>, A: FromRequest + 'static>(self, h: H) -> Self {
        self.on(&["DELETE"], web::delete(), h)
    }
}

/// An actix scope whose resources are added only through [`Table::at`], so that every route is
/// also an [`Endpoint`] of [`route_table`]: the router and its description cannot part ways.
struct Table<'t> {
    scope: actix_web::Scope,
    prefix: String,
    endpoints: &'t mut Vec<Endpoint>,
}

impl<'t> Table<'t> {
    /// The resource at `path` with the methods `build` gives it.
    fn at(mut self, path: &str, build: impl FnOnce(Methods) -> Methods) -> Self {
        let built = build(Methods {
            resource: resource(path),
            methods: Vec::new(),
        });
        let full = format!("{}{path}", self.prefix);
        self.endpoints
            .extend(built.methods.iter().map(|&method| Endpoint {
                method,
                path: full.clone(),
            }));
        self.scope = self.scope.service(built.resource);
        self
    }

    /// A nested scope serving one client kind (handlers read it with [`KindOf`]).
    fn kind(mut self, path: &str, kind: ClientKind, build: fn(Table<'_>) -> Table<'_>) -> Self {
        let inner = build(Table {
            scope: web::scope(path)
                .app_data(kind)
                .default_service(web::to(not_found)),
            prefix: format!("{}{path}", self.prefix),
            endpoints: self.endpoints,
        });
        self.endpoints = inner.endpoints;
        self.scope = self.scope.service(inner.scope);
        self
    }
}

/// The routes of one client kind.
fn client_routes(t: Table<'_>) -> Table<'_> {
    t.at("", |r| r.read(clients::list).post(clients::create))
        .at("/{client_id}", |r| {
            r.read(clients::get)
                .put(clients::update)
                .delete(clients::delete)
        })
}

/// The routes of a kind with secrets (client credentials, hybrid).
fn secret_routes(t: Table<'_>) -> Table<'_> {
    t.at("/{client_id}/secrets", |r| {
        r.read(secrets::list).post(secrets::create)
    })
    .at("/{client_id}/secrets/{secret_id}", |r| {
        r.read(secrets::get)
            .put(secrets::update)
            .delete(secrets::delete)
    })
}

const TENANT_SCOPE: &str = "/api/v1/tenants/{tenant_id}";

/// The scope of one tenant (SPEC §3), recording every route in `endpoints`.
///
/// To add an operation: register it here with `.at(path, |r| r.<method>(handler))`, annotate the
/// handler with `#[utoipa::path]` and list it in `openapi::ApiDoc` (tests/it/openapi.rs fails
/// until both are done).
fn tenant_scope(endpoints: &mut Vec<Endpoint>) -> actix_web::Scope {
    use ClientKind::*;
    // SPEC §7: preflights first; a resource guard lets every other method fall through. A CORS
    // preflight is not an operation of the API, so it is not in the route table.
    let scope = web::scope(TENANT_SCOPE).service(
        web::resource(["", "/{tail}*"])
            .guard(guard::Options())
            .to(super::cors::api_preflight),
    );
    let table = Table {
        scope,
        prefix: TENANT_SCOPE.to_owned(),
        endpoints,
    };
    table
        .at("", |r| {
            r.get(people::get_tenant)
                .head(people::head_tenant)
                .put(people::update_tenant)
        })
        .kind("/clientcredentialclients", ClientCredentials, |t| {
            secret_routes(client_routes(t)).at("/{client_id}/roles", |r| {
                r.read(clients::roles).put(clients::set_roles)
            })
        })
        .kind(
            "/authorizationcodeclients",
            AuthorizationCode,
            client_routes,
        )
        .kind("/hybridclients", Hybrid, |t| {
            secret_routes(client_routes(t))
        })
        .at("/clients/{client_id}/roles", |r| {
            r.read(clients::roles).put(clients::set_roles)
        })
        .at("/roles", |r| {
            r.read(people::list_roles).post(people::create_role)
        })
        .at("/roles/{role_id}", |r| {
            r.read(people::get_role)
                .put(people::update_role)
                .delete(people::delete_role)
        })
        .at("/roles/{role_id}/users", |r| r.read(people::role_users))
        .at("/roles/{role_id}/clientcredentialclients", |r| {
            r.read(people::role_clients)
        })
        .at("/users", |r| {
            r.read(people::list_users).post(people::create_user)
        })
        .at("/users/{user_id}", |r| {
            r.read(people::get_user)
                .put(people::update_user)
                .delete(people::delete_user)
        })
        .at("/users/{user_id}/roles", |r| {
            r.read(people::user_roles).put(people::set_user_roles)
        })
        // SPEC §12.3.
        .at("/users/{user_id}/invitation", |r| {
            r.read(invitations::get_of_user)
                .post(invitations::create_for_user)
                .put(invitations::update_of_user)
                .delete(invitations::delete_of_user)
        })
        .at("/invitations", |r| r.read(invitations::list))
        // SPEC §13.2.
        .at("/auditevents", |r| r.read(audit::list))
        // SPEC §12.1.
        .at("/identityproviders", |r| {
            r.read(identity_providers::list)
                .post(identity_providers::create)
        })
        .at("/identityproviders/{provider_id}", |r| {
            r.read(identity_providers::get)
                .put(identity_providers::update)
                .delete(identity_providers::delete)
        })
        .at("/invitations/{invitation_id}", |r| {
            r.read(invitations::get_by_id)
                .put(invitations::update_by_id)
                .delete(invitations::delete_by_id)
        })
        .scope
        .default_service(web::to(not_found))
}

/// Every routed method and path of the management API, from the code that registers them.
pub fn route_table() -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    let _ = tenant_scope(&mut endpoints);
    endpoints
}

/// Registers the management API and its description.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut endpoints = Vec::new();
    cfg.service(
        web::resource(openapi::PATH).route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(openapi::document),
        ),
    )
    .service(
        tenant_scope(&mut endpoints).wrap(actix_web::middleware::from_fn(super::cors::api_actual)),
    );
}
