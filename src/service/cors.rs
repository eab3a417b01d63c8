//! CORS (SPEC §7): whether an origin may send a preflight, and whether an actual management API
//! request's origin belongs to the client whose token it carries. The identity endpoints answer
//! their actual requests themselves, as they know the client they authenticated.

use super::{Context, ServiceResult};
use crate::domain::{ClientId, TenantId};
use crate::store;

/// Whether `origin` (normalised: lowercase `scheme://host[:port]`) is one of some client's CORS
/// origins. One indexed read of the derived origin table.
pub fn origin_known(ctx: &Context, origin: &str) -> ServiceResult<bool> {
    Ok(ctx
        .store
        .read(|conn| store::clients::origin_known(conn, origin))?)
}

/// Management API preflight: whether some client of `tenant` (the tenant in the path) lists
/// `origin`.
pub fn origin_known_in_tenant(
    ctx: &Context,
    tenant: &TenantId,
    origin: &str,
) -> ServiceResult<bool> {
    Ok(ctx
        .store
        .read(|conn| store::clients::origin_known_in_tenant(conn, tenant, origin))?)
}

/// Management API actual request: whether `origin` is one of the origins of `client`, the client
/// whose verified access token the request carries.
pub fn origin_of_client(ctx: &Context, client: &ClientId, origin: &str) -> ServiceResult<bool> {
    Ok(ctx
        .store
        .read(|conn| store::clients::client_has_origin(conn, client, origin))?)
}
