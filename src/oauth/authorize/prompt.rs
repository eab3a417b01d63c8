//! What the request says about the user's sign-in: `prompt` and `max_age` (OIDC Core §3.1.2.1).

use crate::oauth::form::FormParams;
use crate::oauth::OAuthError;

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

impl Prompt {
    /// Reads `prompt`: `none`, `login` and/or `consent`; `none` stands alone.
    pub(super) fn read(params: &FormParams) -> Result<Prompt, OAuthError> {
        let mut prompt = Prompt::default();
        for p in params
            .get("prompt")
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
        {
            match p {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                other => {
                    return Err(OAuthError::invalid_request(format!(
                        "prompt '{other}' is not supported"
                    )))
                }
            }
        }
        if prompt.none && (prompt.login || prompt.consent) {
            return Err(OAuthError::invalid_request(
                "prompt=none cannot be combined with other values",
            ));
        }
        Ok(prompt)
    }
}

/// Reads `max_age`: the most seconds since the user last signed in, a non-negative number.
pub(super) fn max_age(params: &FormParams) -> Result<Option<i64>, OAuthError> {
    params
        .get("max_age")
        .map(|v| {
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| OAuthError::invalid_request("max_age must be a non-negative number"))
        })
        .transpose()
}
