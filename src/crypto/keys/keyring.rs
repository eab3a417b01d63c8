//! The set of signing keys a node knows, and their life-cycle state at a given time (SPEC §6.4).
//!
//! Contract: states are a pure function of the keys' metadata and `now`, so every node that reads the
//! same key directory agrees on the active key without talking to the others. Per algorithm: a key
//! is *retired* once `retired_at <= now`, *next* while `activates_at > now`; of the remaining
//! (activated, not retired) keys the one with the greatest `activates_at` (tie: smallest kid) is
//! *active* and the older ones are *retired* (superseded, since the activation of the key ranked just
//! above them). The JWKS publishes next, active and retired keys until they are purged.

use std::cmp::Reverse;
use std::path::Path;
use std::sync::Arc;

use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet};
use serde::Serialize;

use super::{KeyMeta, SigningAlg, SigningKey};
use crate::clock::UnixTime;
use crate::crypto::CryptoError;

/// Where a key is in its life cycle at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published in the JWKS, not signing yet.
    Next,
    /// The one key of its algorithm that signs.
    Active,
    /// Published, verification only, until purged.
    Retired,
}

/// A key's state plus, when retired, since when it has stopped signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Assessment {
    pub state: KeyState,
    /// For retired keys: `retired_at` if retired explicitly, else the activation time of the key
    /// that superseded it. Tokens signed by the key expire at most the longest token lifetime later.
    pub retired_since: Option<UnixTime>,
}

/// Computes the state of every key in `metas` at `now` (same order as `metas`).
pub(crate) fn assess(metas: &[&KeyMeta], now: UnixTime) -> Vec<Assessment> {
    let mut out: Vec<Assessment> = metas
        .iter()
        .map(|m| match m.retired_at {
            Some(r) if r <= now => Assessment {
                state: KeyState::Retired,
                retired_since: Some(r),
            },
            _ if m.activates_at > now => Assessment {
                state: KeyState::Next,
                retired_since: None,
            },
            // Placeholder: every activated, non-retired key is ranked below.
            _ => Assessment {
                state: KeyState::Active,
                retired_since: None,
            },
        })
        .collect();
    for alg in SigningAlg::ALL {
        let mut ranked: Vec<usize> = (0..metas.len())
            .filter(|&i| metas[i].alg == alg && out[i].state == KeyState::Active)
            .collect();
        ranked.sort_by_key(|&i| (Reverse(metas[i].activates_at), metas[i].kid.as_str()));
        for pair in ranked.windows(2) {
            // `pair[1]` was superseded when `pair[0]` (the next newer key) activated.
            out[pair[1]] = Assessment {
                state: KeyState::Retired,
                retired_since: Some(metas[pair[0]].activates_at),
            };
        }
    }
    out
}

/// One line of `keys list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: SigningAlg,
    pub state: KeyState,
    pub created_at: UnixTime,
    pub activates_at: UnixTime,
    pub retired_at: Option<UnixTime>,
}

/// The keys loaded from the key directory (or built in memory), shared cheaply between requests.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<Arc<SigningKey>>,
    /// How long retired keys stay published; `None` = until their files are purged.
    keep_retired_for: Option<i64>,
}

impl KeyRing {
    /// A ring over the given keys.
    pub fn new(keys: Vec<Arc<SigningKey>>) -> Self {
        KeyRing {
            keys,
            keep_retired_for: None,
        }
    }

    /// Loads every `<kid>.pem` + `<kid>.json` pair of `dir`. A broken pair is skipped with a warning;
    /// an unreadable directory is an error.
    pub fn load(dir: &Path) -> Result<Self, CryptoError> {
        Ok(KeyRing::new(
            super::store::read_key_dir(dir)?
                .into_iter()
                .map(|(key, _)| Arc::new(key))
                .collect(),
        ))
    }

    /// Stops publishing retired keys `keep_for` seconds after they stopped signing, even while their
    /// files are still on disk (normally `purge` removes them at that point anyway).
    pub fn with_retention(mut self, keep_for: i64) -> Self {
        self.keep_retired_for = Some(keep_for);
        self
    }

    /// The metadata of every key, in load order (what the life-cycle decisions read).
    pub fn metas(&self) -> Vec<KeyMeta> {
        self.keys.iter().map(|k| k.meta().clone()).collect()
    }

    /// Every key, in load order.
    pub fn keys(&self) -> &[Arc<SigningKey>] {
        &self.keys
    }

    fn assessments(&self, now: UnixTime) -> Vec<Assessment> {
        let metas: Vec<&KeyMeta> = self.keys.iter().map(|k| k.meta()).collect();
        assess(&metas, now)
    }

    /// The key that signs for `alg` at `now`, if any.
    pub fn active(&self, alg: SigningAlg, now: UnixTime) -> Option<Arc<SigningKey>> {
        // Same rule as `assess`, without allocating: this runs for every token issued.
        self.keys
            .iter()
            .filter(|k| {
                let m = k.meta();
                m.alg == alg && m.activates_at <= now && m.retired_at.is_none_or(|r| r > now)
            })
            .min_by_key(|k| (Reverse(k.meta().activates_at), k.kid()))
            .cloned()
    }

    /// The state of the key `kid` at `now`; `None` for an unknown kid.
    pub fn state_of(&self, kid: &str, now: UnixTime) -> Option<KeyState> {
        let i = self.keys.iter().position(|k| k.kid() == kid)?;
        self.assessments(now).get(i).map(|a| a.state)
    }

    /// The key with this kid, whatever its state.
    pub fn by_kid(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.keys.iter().find(|k| k.kid() == kid).cloned()
    }

    /// The keys to publish (and accept for verification) at `now`: next, active, and retired ones
    /// not yet past their retention.
    pub fn published(&self, now: UnixTime) -> Vec<Arc<SigningKey>> {
        self.keys
            .iter()
            .zip(self.assessments(now))
            .filter(
                |(_, a)| match (a.state, a.retired_since, self.keep_retired_for) {
                    (KeyState::Retired, Some(since), Some(keep)) => {
                        now.saturating_sub(since) <= keep
                    }
                    _ => true,
                },
            )
            .map(|(k, _)| Arc::clone(k))
            .collect()
    }

    /// `keys list`: every key with its state at `now`, sorted by algorithm then activation.
    pub fn infos(&self, now: UnixTime) -> Vec<KeyInfo> {
        let mut infos: Vec<KeyInfo> = self
            .keys
            .iter()
            .zip(self.assessments(now))
            .map(|(k, a)| {
                let m = k.meta();
                KeyInfo {
                    kid: m.kid.clone(),
                    alg: m.alg,
                    state: a.state,
                    created_at: m.created_at,
                    activates_at: m.activates_at,
                    retired_at: m.retired_at,
                }
            })
            .collect();
        infos.sort_by(|a, b| (a.alg, a.activates_at, &a.kid).cmp(&(b.alg, b.activates_at, &b.kid)));
        infos
    }

    /// The JWKS document served at the jwks endpoint: `{"keys":[…]}`, each JWK with `kid`, `alg`
    /// and `use: "sig"`.
    pub fn jwks_json(&self, now: UnixTime) -> serde_json::Value {
        let keys: Vec<serde_json::Value> =
            self.published(now).iter().map(|k| k.jwk_json()).collect();
        serde_json::json!({ "keys": keys })
    }

    /// The same JWKS as an `openidconnect` value (for the discovery/RP side of the code).
    ///
    /// `CoreJsonWebKey::new_rsa`/`new_ec`/`new_okp` cannot set `alg` (the field is crate-private and
    /// there is no setter in openidconnect 4), so each JWK is deserialized from our own JSON, which
    /// keeps `alg` and `use`.
    pub fn jwks(&self, now: UnixTime) -> Result<CoreJsonWebKeySet, CryptoError> {
        let keys = self
            .published(now)
            .iter()
            .map(|k| serde_json::from_value::<CoreJsonWebKey>(k.jwk_json()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CoreJsonWebKeySet::new(keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(kid: &str, alg: SigningAlg, activates_at: i64, retired_at: Option<i64>) -> KeyMeta {
        KeyMeta {
            kid: kid.into(),
            alg,
            created_at: 0,
            activates_at,
            retired_at,
        }
    }

    fn states(metas: &[KeyMeta], now: i64) -> Vec<(KeyState, Option<i64>)> {
        let refs: Vec<&KeyMeta> = metas.iter().collect();
        assess(&refs, now)
            .into_iter()
            .map(|a| (a.state, a.retired_since))
            .collect()
    }

    #[test]
    fn states_follow_activation_and_retirement() {
        use KeyState::*;
        let rs = SigningAlg::RS256;
        let metas = [
            meta("a", rs, 0, None),
            meta("b", rs, 100, None),
            meta("c", rs, 200, None),
            meta("e", SigningAlg::ES256, 0, None),
            meta("r", rs, 0, Some(50)),
        ];
        assert_eq!(
            states(&metas, 10)[..4],
            [(Active, None), (Next, None), (Next, None), (Active, None)]
        );
        // At 10, "a" and "r" both activated at 0: tie broken by the smallest kid.
        assert_eq!(states(&metas, 10)[0], (Active, None));
        assert_eq!(states(&metas, 10)[4], (Retired, Some(0)));
        // "r" explicitly retired at 50.
        assert_eq!(states(&metas, 60)[4], (Retired, Some(50)));
        // At 150: "b" active, "a" superseded since 100; ES256 unaffected.
        let s = states(&metas, 150);
        assert_eq!(s[0], (Retired, Some(100)));
        assert_eq!(s[1], (Active, None));
        assert_eq!(s[2], (Next, None));
        assert_eq!(s[3], (Active, None));
        // At 250: "a" superseded since 100 (by "b"), "b" since 200.
        let s = states(&metas, 250);
        assert_eq!(s[0], (Retired, Some(100)));
        assert_eq!(s[1], (Retired, Some(200)));
        assert_eq!(s[2], (Active, None));
    }

    #[test]
    fn a_retired_next_key_never_activates() {
        let rs = SigningAlg::RS256;
        let metas = [meta("a", rs, 0, None), meta("b", rs, 100, Some(50))];
        assert_eq!(states(&metas, 200)[0], (KeyState::Active, None));
        assert_eq!(states(&metas, 200)[1], (KeyState::Retired, Some(50)));
    }
}
