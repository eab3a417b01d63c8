//! Wire form of timestamps: ISO-8601 / RFC 3339 in UTC (`2026-11-23T15:43:00Z`).

use crate::clock::UnixTime;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Formats Unix seconds as RFC 3339 UTC.
pub fn format_time(t: UnixTime) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Formats Unix seconds as a date a person reads, in UTC: `31 Dec 2027`.
pub fn format_date(t: UnixTime) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%-d %b %Y")
        .to_string()
}

/// Parses RFC 3339 (any offset), a date-time without offset (taken as UTC) or a bare date
/// (midnight UTC). Fractions of a second are dropped.
pub fn parse_time(text: &str) -> Option<UnixTime> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lenient_forms() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:10.5"), Some(10));
        assert_eq!(parse_time("1970-01-02"), Some(86_400));
        assert_eq!(parse_time("tomorrow"), None);
    }
}
