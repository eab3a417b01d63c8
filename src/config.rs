//! Typed configuration, resolved once at start with the precedence of SPEC §1.2:
//! command-line flag > environment variable > TOML file (`--config`) > default.

use crate::crypto::keys::SigningAlg;
use clap::Args;
use ipnet::IpNet;
use serde::Deserialize;
use std::path::PathBuf;

/// Settings as given on the command line or in the environment (clap reads both).
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// TOML file with any of the settings below (lower precedence than flags and environment).
    #[arg(long, global = true, env = "PORTCULLIS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Listen address.
    #[arg(long, global = true, env = "PORTCULLIS_BIND")]
    pub bind: Option<String>,
    /// Public base URL; the issuer is `{public URL}/identity`.
    #[arg(long, global = true, env = "PORTCULLIS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// `sqlite://PATH` (default `sqlite://data/portcullis.db`) or `postgres://...`.
    #[arg(long, global = true, env = "PORTCULLIS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory of the signing keys.
    #[arg(long, global = true, env = "PORTCULLIS_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,
    /// Audience and scope name of the management API.
    #[arg(long, global = true, env = "PORTCULLIS_API_SCOPE")]
    pub api_scope: Option<String>,
    /// Absolute lifetime of refresh tokens, seconds.
    #[arg(long, global = true, env = "PORTCULLIS_REFRESH_TOKEN_LIFETIME")]
    pub refresh_token_lifetime: Option<i64>,
    /// Login session idle lifetime, seconds.
    #[arg(long, global = true, env = "PORTCULLIS_SESSION_IDLE")]
    pub session_idle: Option<i64>,
    /// Login session absolute lifetime, seconds.
    #[arg(long, global = true, env = "PORTCULLIS_SESSION_MAX")]
    pub session_max: Option<i64>,
    /// SameSite of the session cookie: `lax` or `none`.
    #[arg(long, global = true, env = "PORTCULLIS_COOKIE_SAMESITE")]
    pub cookie_samesite: Option<String>,
    /// Access-token signing algorithm: RS256, ES256 or EdDSA.
    #[arg(long, global = true, env = "PORTCULLIS_ACCESS_TOKEN_ALG")]
    pub access_token_alg: Option<String>,
    /// Log format: `text` or `json`.
    #[arg(long, global = true, env = "PORTCULLIS_LOG")]
    pub log: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, global = true, env = "PORTCULLIS_WORKERS")]
    pub workers: Option<usize>,
    /// Comma-separated addresses or CIDRs of reverse proxies whose `X-Forwarded-For` /
    /// `Forwarded` headers name the client (default: none; the socket peer is the client).
    #[arg(long, global = true, env = "PORTCULLIS_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Where signing keys live: `dir` (the keys directory) or `database` (SPEC §6.4).
    #[arg(long, global = true, env = "PORTCULLIS_KEYS_STORE")]
    pub keys_store: Option<String>,
    /// Days between automatic key rotations; 0 rotates only by hand.
    #[arg(long, global = true, env = "PORTCULLIS_KEY_ROTATION_DAYS")]
    pub key_rotation_days: Option<i64>,
    /// File of the master key that seals stored secrets (created with mode 0600 if missing).
    #[arg(long, global = true, env = "PORTCULLIS_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Days audit events are kept.
    #[arg(long, global = true, env = "PORTCULLIS_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<i64>,
    /// Seconds a request waits for a database connection before it gets 503 (SPEC §9).
    #[arg(long, global = true, env = "PORTCULLIS_DATABASE_WAIT")]
    pub database_wait: Option<f64>,
    /// Pooled database connections of a server (each node of a cluster holds this many).
    #[arg(long, global = true, env = "PORTCULLIS_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,
}

/// The same settings in a TOML file, with snake_case keys.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    public_url: Option<String>,
    database_url: Option<String>,
    keys_dir: Option<PathBuf>,
    api_scope: Option<String>,
    refresh_token_lifetime: Option<i64>,
    session_idle: Option<i64>,
    session_max: Option<i64>,
    cookie_samesite: Option<String>,
    access_token_alg: Option<String>,
    log: Option<String>,
    workers: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
    keys_store: Option<String>,
    key_rotation_days: Option<i64>,
    master_key_file: Option<PathBuf>,
    audit_retention_days: Option<i64>,
    database_wait: Option<f64>,
    database_connections: Option<u32>,
}

/// Where the signing keys live (SPEC §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeysStore {
    /// PKCS#8 files in the keys directory (shared by nodes on a volume).
    Dir,
    /// The database, private keys sealed with the master key.
    Database,
}

/// SameSite attribute of the session cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    None,
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: String,
    /// Without trailing slash.
    pub public_url: String,
    pub database_url: String,
    pub keys_dir: PathBuf,
    pub api_scope: String,
    pub refresh_token_lifetime: i64,
    pub session_idle: i64,
    pub session_max: i64,
    pub cookie_samesite: SameSite,
    pub access_token_alg: SigningAlg,
    pub log_format: LogFormat,
    pub workers: Option<usize>,
    /// Reverse proxies believed about the client address (SPEC §8).
    pub trusted_proxies: Vec<IpNet>,
    pub keys_store: KeysStore,
    /// 0 = rotate only by hand.
    pub key_rotation_days: i64,
    pub master_key_file: PathBuf,
    pub audit_retention_days: i64,
    /// How long a request waits for a pooled database connection.
    pub database_wait: std::time::Duration,
    /// Pooled database connections of the server (1–1000).
    pub database_connections: u32,
}

/// A setting is malformed; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// The issuer: `{public URL}/identity`.
    pub fn issuer(&self) -> String {
        format!("{}/identity", self.public_url)
    }

    /// Whether cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Resolves flags/env (already merged by clap) over the TOML file over defaults.
    pub fn resolve(args: &ConfigArgs) -> Result<Config, ConfigError> {
        let file: FileConfig = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
            }
            None => FileConfig::default(),
        };
        let bind = args
            .bind
            .clone()
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let public_url = args
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError(format!(
                "public URL '{public_url}' must start with http:// or https://"
            )));
        }
        let cookie_samesite = match args
            .cookie_samesite
            .clone()
            .or(file.cookie_samesite)
            .as_deref()
        {
            None | Some("lax") => SameSite::Lax,
            Some("none") => SameSite::None,
            Some(other) => {
                return Err(ConfigError(format!(
                    "cookie SameSite '{other}' must be 'lax' or 'none'"
                )))
            }
        };
        if cookie_samesite == SameSite::None && !public_url.starts_with("https://") {
            return Err(ConfigError(
                "SameSite=None cookies must be Secure: the public URL must be https://".to_owned(),
            ));
        }
        let alg_text = args
            .access_token_alg
            .clone()
            .or(file.access_token_alg)
            .unwrap_or_else(|| "RS256".to_owned());
        let access_token_alg = alg_text.parse::<SigningAlg>().map_err(|_| {
            ConfigError(format!(
                "access-token algorithm '{alg_text}' must be RS256, ES256 or EdDSA"
            ))
        })?;
        let log_format = match args.log.clone().or(file.log).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "log format '{other}' must be 'text' or 'json'"
                )))
            }
        };
        let positive = |name: &str, v: Option<i64>, default: i64| -> Result<i64, ConfigError> {
            match v {
                None => Ok(default),
                Some(s) if s > 0 => Ok(s),
                Some(s) => Err(ConfigError(format!("{name} must be positive, got {s}"))),
            }
        };
        Ok(Config {
            bind,
            public_url,
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| "sqlite://data/portcullis.db".to_owned()),
            keys_dir: args
                .keys_dir
                .clone()
                .or(file.keys_dir)
                .unwrap_or_else(|| PathBuf::from("keys")),
            api_scope: args
                .api_scope
                .clone()
                .or(file.api_scope)
                .unwrap_or_else(|| "ocsapi".to_owned()),
            refresh_token_lifetime: positive(
                "refresh token lifetime",
                args.refresh_token_lifetime.or(file.refresh_token_lifetime),
                28_800,
            )?,
            session_idle: positive(
                "session idle lifetime",
                args.session_idle.or(file.session_idle),
                28_800,
            )?,
            session_max: positive(
                "session absolute lifetime",
                args.session_max.or(file.session_max),
                86_400,
            )?,
            cookie_samesite,
            access_token_alg,
            log_format,
            workers: args.workers.or(file.workers),
            trusted_proxies: trusted_proxies(args, file.trusted_proxies)?,
            keys_store: match args.keys_store.clone().or(file.keys_store).as_deref() {
                None | Some("dir") => KeysStore::Dir,
                Some("database") => KeysStore::Database,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "keys store '{other}' must be 'dir' or 'database'"
                    )))
                }
            },
            key_rotation_days: match args.key_rotation_days.or(file.key_rotation_days) {
                None => 90,
                Some(d) if d >= 0 => d,
                Some(d) => {
                    return Err(ConfigError(format!(
                        "key rotation days must be 0 or more, got {d}"
                    )))
                }
            },
            master_key_file: args
                .master_key_file
                .clone()
                .or(file.master_key_file)
                .unwrap_or_else(|| PathBuf::from("data/master.key")),
            audit_retention_days: positive(
                "audit retention days",
                args.audit_retention_days.or(file.audit_retention_days),
                90,
            )?,
            database_wait: match args.database_wait.or(file.database_wait) {
                None => std::time::Duration::from_secs(2),
                Some(s) if s > 0.0 && s <= 60.0 => std::time::Duration::from_secs_f64(s),
                Some(s) => {
                    return Err(ConfigError(format!(
                        "database wait must be between 0 and 60 seconds, got {s}"
                    )))
                }
            },
            database_connections: match args.database_connections.or(file.database_connections) {
                None => 16,
                Some(n @ 1..=1000) => n,
                Some(n) => {
                    return Err(ConfigError(format!(
                        "database connections must be between 1 and 1000, got {n}"
                    )))
                }
            },
        })
    }
}

/// The trusted proxies from the flag/environment (comma-separated) or the file (a list); a plain
/// address counts as a one-address network.
fn trusted_proxies(
    args: &ConfigArgs,
    file: Option<Vec<String>>,
) -> Result<Vec<IpNet>, ConfigError> {
    let listed: Vec<String> = match &args.trusted_proxies {
        Some(text) => text.split(',').map(str::to_owned).collect(),
        None => file.unwrap_or_default(),
    };
    listed
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError(format!(
                        "trusted proxy '{s}' is not an IP address or CIDR (e.g. 10.0.0.0/8)"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let c = Config::resolve(&ConfigArgs::default()).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.issuer(), "http://127.0.0.1:8080/identity");
        assert_eq!(c.database_url, "sqlite://data/portcullis.db");
        assert_eq!(c.api_scope, "ocsapi");
        assert_eq!(c.refresh_token_lifetime, 28_800);
        assert_eq!(c.access_token_alg, SigningAlg::RS256);
        assert_eq!(c.keys_store, KeysStore::Dir);
        assert_eq!(c.key_rotation_days, 90);
        assert_eq!(c.master_key_file, PathBuf::from("data/master.key"));
        assert_eq!(c.audit_retention_days, 90);
        assert_eq!(c.database_wait, std::time::Duration::from_secs(2));
        assert_eq!(c.database_connections, 16);
    }

    #[test]
    fn database_connections_are_bounded() {
        let with = |n| {
            Config::resolve(&ConfigArgs {
                database_connections: Some(n),
                ..ConfigArgs::default()
            })
        };
        assert_eq!(with(1).unwrap().database_connections, 1);
        assert_eq!(with(64).unwrap().database_connections, 64);
        for bad in [0, 1001] {
            let e = with(bad).unwrap_err();
            assert!(e.to_string().contains("database connections"), "{e}");
        }
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("pc-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\napi_scope = \"fromfile\"\n").unwrap();
        let args = ConfigArgs {
            config: Some(file),
            api_scope: Some("fromflag".into()),
            ..Default::default()
        };
        let c = Config::resolve(&args).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.api_scope, "fromflag");
    }

    #[test]
    fn bad_values_are_named() {
        let args = ConfigArgs {
            access_token_alg: Some("HS256".into()),
            ..Default::default()
        };
        let e = Config::resolve(&args).unwrap_err();
        assert!(e.0.contains("HS256"), "{e}");
    }
}
