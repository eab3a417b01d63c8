//! CORS preflights (SPEC §7): whether some client lists an origin. The actual requests are
//! answered by the endpoints themselves, which know the client they authenticated.

use super::{Context, ServiceResult};
use crate::store;

/// Whether `origin` (normalised: lowercase `scheme://host[:port]`) is one of some client's CORS
/// origins. One indexed read of the derived origin table.
pub fn origin_known(ctx: &Context, origin: &str) -> ServiceResult<bool> {
    Ok(ctx
        .store
        .read(|conn| store::clients::origin_known(conn, origin))?)
}
