//! Request bodies read with a size limit, so that an oversized body gets this server's own error
//! shape (ErrorResponse or OAuth error) instead of the framework's.

use actix_web::web;
use futures_util::StreamExt;

/// Largest management API body.
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// Largest protocol form body.
pub const FORM_BODY_LIMIT: usize = 16 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    TooLarge(usize),
    Broken(String),
}

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, BodyError> {
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
