//! The decisions of the key life cycle (SPEC §6.4), as pure functions of the keys' metadata and
//! `now`, shared by the key directory (`keys/store.rs`) and the database key store (the service
//! layer): which algorithms need a first key, whether a rotation is due and which key it follows,
//! what `keys retire` changes, which retired keys may go.

use super::keyring::{assess, KeyState};
use super::{KeyMeta, SigningAlg};
use crate::clock::UnixTime;
use crate::crypto::CryptoError;
use std::cmp::Reverse;

/// Seconds in a day, for `PORTCULLIS_KEY_ROTATION_DAYS`.
pub const DAY: i64 = 86_400;

/// The algorithms of `algs` that have neither an active nor a next key at `now` (sorted, once each).
pub fn uncovered(metas: &[KeyMeta], algs: &[SigningAlg], now: UnixTime) -> Vec<SigningAlg> {
    let refs: Vec<&KeyMeta> = metas.iter().collect();
    let states = assess(&refs, now);
    let mut missing: Vec<SigningAlg> =
        algs.iter()
            .copied()
            .filter(|&alg| {
                !metas.iter().zip(&states).any(|(m, a)| {
                    m.alg == alg && matches!(a.state, KeyState::Active | KeyState::Next)
                })
            })
            .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// The newest key of `alg` (greatest activation, then kid): the one a new key follows. `""` when
/// `alg` has no key at all, so that the first key of an algorithm is also generated only once.
pub fn latest_kid(metas: &[KeyMeta], alg: SigningAlg) -> String {
    metas
        .iter()
        .filter(|m| m.alg == alg)
        .max_by_key(|m| (m.activates_at, Reverse(m.kid.as_str())))
        .map(|m| m.kid.clone())
        .unwrap_or_default()
}

/// Seconds from `now` until an automatic rotation of `alg` is due (zero or less: due): `period`
/// after the newest key in service (the active key, or the next key already following it)
/// began to sign. `None` when rotation is off (`period` <= 0) or `alg` has no active key.
pub fn rotation_due_in(
    metas: &[KeyMeta],
    alg: SigningAlg,
    now: UnixTime,
    period: i64,
) -> Option<i64> {
    if period <= 0 {
        return None;
    }
    let refs: Vec<&KeyMeta> = metas.iter().collect();
    let states = assess(&refs, now);
    let in_service: Vec<(&KeyMeta, KeyState)> = metas
        .iter()
        .zip(&states)
        .filter(|(m, a)| m.alg == alg && matches!(a.state, KeyState::Active | KeyState::Next))
        .map(|(m, a)| (m, a.state))
        .collect();
    in_service
        .iter()
        .find(|(_, state)| *state == KeyState::Active)?;
    let newest = in_service.iter().map(|(m, _)| m.activates_at).max()?;
    Some(newest.saturating_add(period).saturating_sub(now))
}

/// Whether automatic rotation of `alg` is due at `now` ([`rotation_due_in`] is zero or less;
/// a next key already following the active one makes it not due). Returns the active kid, which
/// the new key follows (at most one key may follow it).
pub fn rotation_due(
    metas: &[KeyMeta],
    alg: SigningAlg,
    now: UnixTime,
    period: i64,
) -> Option<String> {
    if rotation_due_in(metas, alg, now, period)? > 0 {
        return None;
    }
    let refs: Vec<&KeyMeta> = metas.iter().collect();
    let states = assess(&refs, now);
    metas
        .iter()
        .zip(&states)
        .find(|(m, a)| m.alg == alg && a.state == KeyState::Active)
        .map(|(m, _)| m.kid.clone())
}

/// What `keys retire KID` changes: the new metadata to write, in this order (a promoted next key
/// first, so an active key exists at every moment). Empty when the key is already retired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetirePlan {
    pub writes: Vec<KeyMeta>,
    /// The kid of the next key promoted to sign from `now` (an emergency rotation), if any.
    pub promoted: Option<String>,
}

/// Plans `keys retire KID` at `now`. Retiring the active key needs a next key of the same algorithm,
/// which is promoted; the only active key without one cannot be retired.
pub fn plan_retire(metas: &[KeyMeta], kid: &str, now: UnixTime) -> Result<RetirePlan, CryptoError> {
    let refs: Vec<&KeyMeta> = metas.iter().collect();
    let states = assess(&refs, now);
    let i = metas
        .iter()
        .position(|m| m.kid == kid)
        .ok_or_else(|| CryptoError::UnknownKid(kid.to_owned()))?;
    let key = &metas[i];
    let mut plan = RetirePlan {
        writes: Vec::new(),
        promoted: None,
    };
    match states[i].state {
        KeyState::Active => {
            let next = metas
                .iter()
                .zip(&states)
                .filter(|(m, a)| m.alg == key.alg && a.state == KeyState::Next)
                .map(|(m, _)| m)
                .min_by_key(|m| (m.activates_at, m.kid.as_str()))
                .ok_or_else(|| CryptoError::OnlyActiveKey {
                    kid: kid.to_owned(),
                    alg: key.alg.as_str(),
                })?;
            let mut promoted = next.clone();
            promoted.activates_at = now;
            plan.promoted = Some(promoted.kid.clone());
            plan.writes.push(promoted);
        }
        KeyState::Retired if key.retired_at.is_some() => return Ok(plan),
        _ => {}
    }
    let mut retired = key.clone();
    retired.retired_at = Some(now);
    plan.writes.push(retired);
    Ok(plan)
}

/// The kids of keys retired for longer than `keep_for` seconds (the longest token lifetime), which
/// no unexpired token can refer to. Never an active or next key.
pub fn purgeable(metas: &[KeyMeta], now: UnixTime, keep_for: i64) -> Vec<String> {
    let refs: Vec<&KeyMeta> = metas.iter().collect();
    metas
        .iter()
        .zip(assess(&refs, now))
        .filter(|(_, a)| {
            matches!(
                (a.state, a.retired_since),
                (KeyState::Retired, Some(since)) if now.saturating_sub(since) > keep_for
            )
        })
        .map(|(m, _)| m.kid.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RS: SigningAlg = SigningAlg::RS256;
    const ES: SigningAlg = SigningAlg::ES256;

    fn meta(kid: &str, alg: SigningAlg, activates_at: i64, retired_at: Option<i64>) -> KeyMeta {
        KeyMeta {
            kid: kid.into(),
            alg,
            created_at: 0,
            activates_at,
            retired_at,
        }
    }

    #[test]
    fn uncovered_and_latest() {
        let metas = [meta("a", RS, 0, None), meta("b", RS, 100, None)];
        assert_eq!(uncovered(&metas, &[RS, ES, ES], 10), vec![ES]);
        assert_eq!(uncovered(&metas, &[RS], 200), Vec::<SigningAlg>::new());
        assert_eq!(latest_kid(&metas, RS), "b");
        assert_eq!(latest_kid(&metas, ES), "");
        let retired = [meta("a", RS, 0, Some(5))];
        assert_eq!(uncovered(&retired, &[RS], 10), vec![RS]);
    }

    #[test]
    fn rotation_is_due_after_the_period_unless_a_next_key_exists() {
        let metas = [meta("a", RS, 1000, None), meta("e", ES, 0, None)];
        assert_eq!(rotation_due(&metas, RS, 1000 + DAY - 1, DAY), None);
        assert_eq!(
            rotation_due(&metas, RS, 1000 + DAY, DAY).as_deref(),
            Some("a")
        );
        assert_eq!(rotation_due(&metas, RS, 1000 + DAY, 0), None, "0 = by hand");
        assert_eq!(rotation_due(&metas, ES, DAY, DAY).as_deref(), Some("e"));
        let with_next = [meta("a", RS, 1000, None), meta("n", RS, 5000 + DAY, None)];
        assert_eq!(rotation_due(&with_next, RS, 1000 + DAY, DAY), None);
        // Once the next key activates, the period counts from its activation.
        assert_eq!(rotation_due(&with_next, RS, 5000 + DAY, DAY), None);
        assert_eq!(
            rotation_due(&with_next, RS, 5000 + 2 * DAY, DAY).as_deref(),
            Some("n")
        );
        assert_eq!(rotation_due(&[], RS, DAY, DAY), None, "no active key");
    }

    #[test]
    fn the_time_to_the_next_rotation_counts_from_the_newest_key_in_service() {
        let metas = [meta("a", RS, 1000, None)];
        assert_eq!(rotation_due_in(&metas, RS, 1000, DAY), Some(DAY));
        assert_eq!(
            rotation_due_in(&metas, RS, 1000 + DAY + 5, DAY),
            Some(-5),
            "overdue"
        );
        assert_eq!(rotation_due_in(&metas, RS, 1000, 0), None, "rotation off");
        assert_eq!(
            rotation_due_in(&metas, ES, 1000, DAY),
            None,
            "no key of the algorithm"
        );
        // Just after a rotation the old key still signs while the next one waits to: the next
        // rotation is a period after the next key starts, not overdue.
        let rotated = [
            meta("a", RS, 1000, None),
            meta("n", RS, 1000 + DAY + 600, None),
        ];
        assert_eq!(
            rotation_due_in(&rotated, RS, 1000 + DAY + 1, DAY),
            Some(DAY + 599)
        );
    }

    #[test]
    fn retire_plans() {
        let metas = [meta("a", ES, 0, None), meta("n", ES, 500, None)];
        assert!(matches!(
            plan_retire(&metas, "zz", 10),
            Err(CryptoError::UnknownKid(_))
        ));
        let only = [meta("a", ES, 0, None)];
        assert!(matches!(
            plan_retire(&only, "a", 10),
            Err(CryptoError::OnlyActiveKey { .. })
        ));
        let plan = plan_retire(&metas, "a", 10).unwrap();
        assert_eq!(plan.promoted.as_deref(), Some("n"));
        assert_eq!(plan.writes[0].kid, "n");
        assert_eq!(plan.writes[0].activates_at, 10);
        assert_eq!(plan.writes[1].retired_at, Some(10));
        // Retiring a next key needs nothing else; an already retired one changes nothing.
        let plan = plan_retire(&metas, "n", 10).unwrap();
        assert_eq!((plan.promoted, plan.writes.len()), (None, 1));
        let done = [meta("a", ES, 0, None), meta("r", ES, 0, Some(5))];
        assert!(plan_retire(&done, "r", 10).unwrap().writes.is_empty());
    }

    #[test]
    fn only_long_retired_keys_are_purgeable() {
        let metas = [
            meta("old", RS, 0, None),
            meta("new", RS, 100, None),
            meta("next", RS, 10_000, None),
        ];
        assert!(purgeable(&metas, 150, 3600).is_empty());
        assert_eq!(purgeable(&metas, 100 + 3601, 3600), vec!["old".to_owned()]);
    }
}
