//! Which address a request comes from (SPEC §8): the socket peer, unless the peer is a configured
//! trusted proxy — then the nearest address in `X-Forwarded-For` (or RFC 7239 `Forwarded: for=`)
//! that is not itself a trusted proxy. Headers from anyone else are ignored, so a client cannot
//! choose its own throttling bucket.

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::IpAddr;

/// Where `req` comes from, for the audit trail: its client address and its request id.
pub fn origin(req: &HttpRequest, trusted: &[IpNet]) -> crate::domain::audit::Origin {
    crate::domain::audit::Origin {
        client_address: Some(client_ip(req, trusted)).filter(|a| !a.is_empty()),
        request_id: Some(super::request_id::current()),
    }
}

/// The client address of `req` given the trusted proxies.
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    resolve(peer, req.headers(), trusted).to_string()
}

fn is_trusted(addr: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&addr))
}

/// Walks the forwarding chain from the nearest hop outwards while each hop is a trusted proxy.
/// A malformed entry ends the walk at the last trusted hop (it cannot be believed).
fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).iter().rev() {
        match hop {
            Some(addr) => {
                client = *addr;
                if !is_trusted(*addr, trusted) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The addresses of `X-Forwarded-For` (every header, in order), or else of `Forwarded`'s `for=`
/// parameters; `None` for an entry that is not an address (`unknown`, an obfuscated name).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| parse_addr(s.trim()))
        .collect();
    if !xff.is_empty() {
        return xff;
    }
    headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for")
                    .then(|| parse_addr(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:port`, `[v6]`, `[v6]:port` or bare v6.
fn parse_addr(s: &str) -> Option<IpAddr> {
    if let Ok(addr) = s.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    s.rsplit_once(':')?
        .0
        .parse::<std::net::Ipv4Addr>()
        .ok()
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(resolve(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            resolve(ip("198.51.100.1"), &h, &proxies),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_behind_trusted_proxies_is_the_client() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        // The client spoofs a first entry; the proxies append what they saw.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &proxies), ip("203.0.113.9"));
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9:4711"),
        ]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &proxies), ip("203.0.113.9"));
        let h = headers(&[(
            "forwarded",
            r#"for="[2001:db8::1]:80";proto=https, for=10.0.0.7"#,
        )]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &proxies), ip("2001:db8::1"));
    }

    #[test]
    fn a_malformed_hop_ends_the_walk_and_no_header_means_the_proxy() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "203.0.113.9, garbage, 10.0.0.7")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &proxies), ip("10.0.0.7"));
        assert_eq!(
            resolve(ip("10.0.0.2"), &headers(&[]), &proxies),
            ip("10.0.0.2")
        );
    }
}
