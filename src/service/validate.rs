//! Validation shared by the management use cases (and, later, the portal): one set of rules, one
//! set of messages.

use super::{ServiceError, ServiceResult};
use crate::clock::UnixTime;
use crate::domain::client::limits;
use crate::domain::{BuiltinRole, ListQuery, Role, RoleId, TenantId};

/// Default and maximum page size (SPEC §3.1).
pub const DEFAULT_COUNT: i64 = 100;
pub const MAX_COUNT: i64 = 1000;

/// Builds a list query from the raw query parameters.
pub fn list_query(
    ids: &[String],
    tags: &[String],
    skip: Option<i64>,
    count: Option<i64>,
) -> ServiceResult<ListQuery> {
    let skip = skip.unwrap_or(0);
    let count = count.unwrap_or(DEFAULT_COUNT);
    if skip < 0 {
        return Err(ServiceError::bad_request(
            "skip must not be negative.",
            "Send skip=0 or a positive offset.",
        ));
    }
    if skip > i64::from(i32::MAX) {
        return Err(ServiceError::bad_request(
            format!("skip must not exceed {} (an int32).", i32::MAX),
            "Send a skip within the number of items (see the Total-Count header).",
        ));
    }
    if count < 1 {
        return Err(ServiceError::bad_request(
            "count must be at least 1.",
            format!("Send a count between 1 and {MAX_COUNT}."),
        ));
    }
    if count > MAX_COUNT {
        return Err(ServiceError::bad_request(
            format!("count must not exceed {MAX_COUNT}."),
            format!("Page through the list with skip and count of at most {MAX_COUNT}."),
        ));
    }
    let mut canonical = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        // An id that is not a GUID cannot exist: keep it (lowercased) so it is reported missing.
        let c = crate::domain::ids::canonical_guid(id).unwrap_or_else(|_| id.to_lowercase());
        if !canonical.contains(&c) {
            canonical.push(c);
        }
    }
    Ok(ListQuery {
        ids: canonical,
        tags: tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect(),
        skip,
        count,
    })
}

/// Whether a caller-chosen `Id` may be used for a new item of the caller's `tenant`, given the
/// tenant that already holds it, if any (ids are global). SPEC §8: taken in the caller's own
/// tenant is a 409 (the caller can see that item); taken in another tenant, or the nil GUID, is
/// refused like any unusable Id — a 400 that names no tenant.
pub fn new_id(
    what: &str,
    id: &str,
    taken_in: Option<&TenantId>,
    tenant: &TenantId,
) -> ServiceResult<()> {
    if taken_in == Some(tenant) {
        return Err(ServiceError::Conflict(format!(
            "A {what} with id '{id}' already exists."
        )));
    }
    if taken_in.is_some() || id == NIL_GUID {
        return Err(ServiceError::bad_request(
            format!("The Id '{id}' cannot be used for a new {what}."),
            "Leave Id out to have one generated, or choose another GUID.",
        ));
    }
    Ok(())
}

/// The nil GUID: never an id of anything.
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// A required, non-blank text of bounded length.
pub fn required_text(field: &str, value: Option<&str>) -> ServiceResult<String> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => bounded_text(field, v),
        _ => Err(ServiceError::bad_request(
            format!("{field} is required."),
            format!("Send a non-empty {field}."),
        )),
    }
}

/// An optional text of bounded length (blank becomes `None`).
pub fn optional_text(field: &str, value: Option<&str>) -> ServiceResult<Option<String>> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => bounded_text(field, v).map(Some),
        _ => Ok(None),
    }
}

fn bounded_text(field: &str, v: &str) -> ServiceResult<String> {
    // PostgreSQL TEXT cannot hold NUL, and no name or URL needs control characters.
    if v.chars().any(|c| c == '\0') {
        return Err(ServiceError::bad_request(
            format!("{field} contains a NUL character."),
            format!("Remove control characters from {field}."),
        ));
    }
    if v.chars().count() > limits::MAX_TEXT {
        return Err(ServiceError::bad_request(
            format!("{field} is longer than {} characters.", limits::MAX_TEXT),
            format!("Shorten {field}."),
        ));
    }
    Ok(v.to_owned())
}

/// `AccessTokenLifetime` within 60..=3600 seconds.
pub fn token_lifetime(value: i64) -> ServiceResult<i64> {
    if !(limits::MIN_TOKEN_LIFETIME..=limits::MAX_TOKEN_LIFETIME).contains(&value) {
        return Err(ServiceError::bad_request(
            format!(
                "Token Lifetime must be between {} and {} seconds.",
                limits::MIN_TOKEN_LIFETIME,
                limits::MAX_TOKEN_LIFETIME
            ),
            "Send an AccessTokenLifetime between 60 and 3600.",
        ));
    }
    Ok(value)
}

/// Tags: trimmed, non-empty, bounded in number and length.
pub fn tags(values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > limits::TAGS_PER_CLIENT {
        return Err(ServiceError::bad_request(
            format!(
                "A client may carry at most {} tags.",
                limits::TAGS_PER_CLIENT
            ),
            "Send fewer Tags.",
        ));
    }
    values
        .iter()
        .map(|t| required_text("Tag", Some(t)))
        .collect()
}

/// The role ids of a client or user: every id must be a role of the tenant and the tenant's
/// Tenant Member role must be among them (SPEC §2). Duplicates are dropped.
pub fn role_ids(tenant_roles: &[Role], requested: &[String]) -> ServiceResult<Vec<RoleId>> {
    let mut out: Vec<RoleId> = Vec::new();
    for raw in requested {
        let id = RoleId::parse(raw).map_err(|_| {
            ServiceError::bad_request(
                format!("Role id '{raw}' is not a valid GUID."),
                "Send role Ids from GET /Roles (not RoleTypeIds).",
            )
        })?;
        if !tenant_roles.iter().any(|r| r.id == id) {
            return Err(ServiceError::bad_request(
                format!("Role '{id}' does not exist in this tenant."),
                "Send role Ids from GET /Roles (not RoleTypeIds).",
            ));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    let member = tenant_roles
        .iter()
        .find(|r| r.role_type_id.as_deref() == Some(BuiltinRole::TenantMember.role_type_id()));
    match member {
        Some(m) if out.contains(&m.id) => Ok(out),
        Some(m) => Err(ServiceError::bad_request(
            "RoleIds must include the tenant's Tenant Member role.",
            format!("Add the Tenant Member role Id '{}' to RoleIds.", m.id),
        )),
        None => Err(ServiceError::Internal(
            "tenant has no Tenant Member role".to_owned(),
        )),
    }
}

/// A list of absolute URIs (redirect or post-logout URIs), at most 10, exact strings kept.
pub fn uri_list(field: &str, values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > limits::URIS_PER_LIST {
        return Err(ServiceError::bad_request(
            format!(
                "{field} may hold at most {} entries.",
                limits::URIS_PER_LIST
            ),
            format!("Send at most {} {field}.", limits::URIS_PER_LIST),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim();
        let parsed = url::Url::parse(v).map_err(|_| {
            ServiceError::bad_request(
                format!("'{v}' in {field} is not an absolute URL."),
                "Send absolute URLs such as https://app.example.com/callback.",
            )
        })?;
        // Native apps may use private-use schemes (RFC 8252 §7.1); schemes that run code or read
        // local files in a browser never make sense as a redirect target.
        if matches!(
            parsed.scheme(),
            "javascript" | "data" | "file" | "vbscript" | "blob"
        ) {
            return Err(ServiceError::bad_request(
                format!("'{v}' in {field} uses the '{}' scheme.", parsed.scheme()),
                "Use an https URL (or http on loopback, or a private-use scheme for native apps).",
            ));
        }
        if parsed.fragment().is_some() {
            return Err(ServiceError::bad_request(
                format!("'{v}' in {field} has a fragment."),
                "Redirect URLs must not contain a fragment (RFC 6749 §3.1.2).",
            ));
        }
        bounded_text(field, v)?;
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    Ok(out)
}

/// Expiry of a secret from the `Expires`/`Expiration` pair (SPEC §3.5), after merging onto the
/// stored state. Returns the expiration (`None` = never).
pub fn secret_expiry(
    expires: Option<bool>,
    expiration: Option<UnixTime>,
    now: UnixTime,
) -> ServiceResult<Option<UnixTime>> {
    match (expires, expiration) {
        (Some(true) | None, Some(at)) => {
            if at <= now {
                Err(ServiceError::bad_request(
                    "Expiration is in the past.",
                    "Send a future Expiration, or Expires=false for a secret that never expires.",
                ))
            } else {
                Ok(Some(at))
            }
        }
        (Some(true) | None, None) => Err(ServiceError::bad_request(
            "Expiration is required unless Expires is false.",
            "Send an Expiration date, or Expires=false for a secret that never expires.",
        )),
        (Some(false), Some(_)) => Err(ServiceError::bad_request(
            "Expiration must not be set when Expires is false.",
            "Send Expires=false without an Expiration, or Expires=true with one.",
        )),
        (Some(false), None) => Ok(None),
    }
}

/// Parses an optional wire timestamp.
pub fn timestamp(field: &str, value: Option<&str>) -> ServiceResult<Option<UnixTime>> {
    match value {
        None => Ok(None),
        Some(text) => crate::domain::time::parse_time(text)
            .map(Some)
            .ok_or_else(|| {
                ServiceError::bad_request(
                    format!("{field} '{text}' is not a date-time."),
                    "Send an ISO 8601 date-time such as 2027-01-31T00:00:00Z.",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_expiry_matrix() {
        let now = 1000;
        assert_eq!(
            secret_expiry(Some(true), Some(2000), now).unwrap(),
            Some(2000)
        );
        assert_eq!(secret_expiry(None, Some(2000), now).unwrap(), Some(2000));
        assert!(secret_expiry(Some(true), None, now).is_err());
        assert!(secret_expiry(None, None, now).is_err());
        assert!(secret_expiry(Some(false), Some(2000), now).is_err());
        assert_eq!(secret_expiry(Some(false), None, now).unwrap(), None);
        assert!(secret_expiry(None, Some(500), now).is_err());
    }

    #[test]
    fn dangerous_redirect_schemes_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
        ] {
            assert!(
                uri_list("RedirectUris", &[bad.to_owned()]).is_err(),
                "{bad}"
            );
        }
        for good in [
            "https://app.example/cb",
            "http://127.0.0.1:5000/cb",
            "com.example.app:/cb",
        ] {
            assert!(
                uri_list("RedirectUris", &[good.to_owned()]).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn paging_bounds() {
        assert!(list_query(&[], &[], Some(-1), None).is_err());
        assert!(list_query(&[], &[], None, Some(0)).is_err());
        assert!(list_query(&[], &[], None, Some(1001)).is_err());
        let q = list_query(&[" ".into(), "ABC".into()], &["T".into()], None, None).unwrap();
        assert_eq!(q.ids, vec!["abc".to_owned()]);
        assert_eq!(q.tags, vec!["t".to_owned()]);
        assert_eq!(q.count, 100);
    }
}
