//! Discovery and JWKS: public, cacheable, any origin (SPEC §4, §7).

use super::AppState;
use crate::service::keys::JWKS_MAX_AGE;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

fn public_json(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={JWKS_MAX_AGE}"),
        ))
        .body(body)
}

pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    public_json(state.discovery.clone())
}

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    public_json(state.ctx.keys.jwks_bytes())
}
