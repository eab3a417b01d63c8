//! Extractors of the management API: the authenticated caller, list parameters and JSON bodies,
//! each failing with an `ErrorResponse`.

use super::super::body::{read_body, API_BODY_LIMIT};
use super::super::errors::ApiError;
use super::super::{blocking, AppState};
use crate::domain::{Caller, ClientKind, ListQuery};
use crate::oauth::bearer::presented_bearer;
use crate::service::{api_auth, validate, Context, ServiceError, ServiceResult};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::{ready, Ready};

/// The verified caller (from `Authorization: Bearer`).
pub struct ApiCaller(pub Caller);

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req))
    }
}

/// Runs one service call as `caller`, in one blocking unit of work.
pub async fn run_as<T, F>(state: &AppState, caller: ApiCaller, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&Context, &Caller) -> ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let ctx = state.ctx.clone();
    Ok(blocking(&state.ctx, move || work(&ctx, &caller.0)).await?)
}

fn caller(req: &HttpRequest) -> Result<ApiCaller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ServiceError::Internal("application state missing".to_owned()))?;
    let value = super::super::authorization(req)?
        .ok_or_else(|| ServiceError::Unauthorized("the request has no bearer token".to_owned()))?;
    // The one reader of `Authorization: Bearer` (RFC 6750 §2.1), shared with userinfo.
    let token = presented_bearer(Some(&value), None)
        .ok()
        .flatten()
        .ok_or_else(|| {
            ServiceError::Unauthorized("the Authorization header is not a bearer token".to_owned())
        })?;
    let mut caller = api_auth::caller_from_bearer(&state.ctx, &token)?;
    caller.origin = super::super::client_address::origin(req, &state.ctx.config.trusted_proxies);
    if let Some(client) = &caller.client_id {
        // For the CORS middleware: the origins of this client may read the answer.
        req.extensions_mut()
            .insert(super::super::cors::TokenClient(client.clone()));
    }
    Ok(ApiCaller(caller))
}

/// The client kind a route serves (set with `app_data` on its scope).
pub struct KindOf(pub ClientKind);

impl FromRequest for KindOf {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<ClientKind>()
                .map(|k| KindOf(*k))
                .ok_or_else(|| {
                    ServiceError::Internal("route has no client kind".to_owned()).into()
                }),
        )
    }
}

/// Query parameters of lists, read by hand because `id` and `tag` repeat.
#[derive(Debug, Default)]
pub struct ListParams {
    pub ids: Vec<String>,
    pub tags: Vec<String>,
    pub skip: Option<i64>,
    pub count: Option<i64>,
    pub role_type_id: Option<String>,
}

impl ListParams {
    /// The validated list query (skip/count bounds of SPEC §3.1).
    pub fn query(&self) -> Result<ListQuery, ApiError> {
        Ok(validate::list_query(
            &self.ids, &self.tags, self.skip, self.count,
        )?)
    }
}

impl FromRequest for ListParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(list_params(req.query_string()))
    }
}

fn list_params(query: &str) -> Result<ListParams, ApiError> {
    let mut p = ListParams::default();
    let int = |name: &str, v: &str| -> Result<i64, ApiError> {
        v.trim().parse::<i64>().map_err(|_| {
            ServiceError::bad_request(
                format!("{name} '{v}' is not a whole number."),
                format!("Send {name} as a whole number."),
            )
            .into()
        })
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "id" => p.ids.push(v.into_owned()),
            "tag" => p.tags.push(v.into_owned()),
            "skip" => p.skip = Some(int("skip", &v)?),
            "count" => p.count = Some(int("count", &v)?),
            "roletypeid" => p.role_type_id = Some(v.into_owned()),
            // `query` is accepted and ignored (OCS documents it as unsupported).
            _ => {}
        }
    }
    Ok(p)
}

/// The query parameters `list_params` reads, as the API description shows them (SPEC §3.1).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the hand-written parser above; never built.
pub struct ListQueryParams {
    /// Items to skip (an int32; default 0).
    skip: Option<i32>,
    /// Items to return (1..1000; default 100).
    count: Option<i32>,
    /// Repeated: only the items with these ids (skip and count are then ignored; blank ids too).
    id: Option<Vec<String>>,
    /// Repeated: only the items that carry all these tags (case-insensitive).
    tag: Option<Vec<String>>,
    /// Accepted and ignored (as in OCS).
    query: Option<String>,
}

/// The extra filter of `GET /Roles`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // Describes the hand-written parser above; never built.
pub struct RoleTypeParam {
    /// Only the built-in role with this RoleTypeId.
    role_type_id: Option<String>,
}

/// Reads and parses a JSON object body (size-limited; wrong types give 400 naming the problem).
pub async fn json_body<T: DeserializeOwned>(payload: web::Payload) -> Result<T, ApiError> {
    json_of_shape(payload, b'{', "a JSON object").await
}

/// Reads and parses a JSON array body (the `Role[]` of `.../Roles` PUTs).
pub async fn json_array_body<T: DeserializeOwned>(payload: web::Payload) -> Result<T, ApiError> {
    json_of_shape(payload, b'[', "a JSON array").await
}

/// Reads a JSON object body where every property is optional: an empty body is `{}` (the
/// invitation bodies of SPEC §12.3, whose defaults are the whole point).
pub async fn optional_json_body<T: DeserializeOwned + Default>(
    payload: web::Payload,
) -> Result<T, ApiError> {
    let bytes = read_body(payload, API_BODY_LIMIT).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_shape(&bytes, b'{', "a JSON object")
}

async fn json_of_shape<T: DeserializeOwned>(
    payload: web::Payload,
    open: u8,
    shape: &str,
) -> Result<T, ApiError> {
    let bytes = read_body(payload, API_BODY_LIMIT).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ServiceError::bad_request(
            "The request body is empty.",
            format!("Send {shape}."),
        )
        .into());
    }
    parse_shape(&bytes, open, shape)
}

fn parse_shape<T: DeserializeOwned>(bytes: &[u8], open: u8, shape: &str) -> Result<T, ApiError> {
    // JSON text is UTF-8 (RFC 8259 §8.1); serde_json does not check strings it skips.
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ServiceError::bad_request(
            format!("The request body is not UTF-8: {e}."),
            "Send JSON encoded as UTF-8.",
        )
    })?;
    // CAUTION: serde also builds structs from arrays (`[null, "Name", null]`), so the shape is
    // checked before parsing.
    if text.trim_start().as_bytes().first() != Some(&open) {
        return Err(ServiceError::bad_request(
            format!("The request body must be {shape}."),
            format!("Send {shape} with the documented property names and types."),
        )
        .into());
    }
    serde_json::from_str(text).map_err(|e| {
        ServiceError::bad_request(
            format!("The request body is not valid: {e}."),
            "Send JSON with the documented property names and types.",
        )
        .into()
    })
}
