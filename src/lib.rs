//! Portcullis: a multi-tenant OAuth 2.0 / OpenID Connect authorization server with an OCS-compatible
//! management API. The binary (`main.rs`) only parses the command line; everything lives here so the
//! integration tests boot exactly the application that ships.
//!
//! Layers (dependencies point one way, see docs/ARCHITECTURE.md):
//! `http` → `service` → (`oauth`, `oidc`, `crypto`) → `domain`, and `service` → `store` → `domain`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::await_holding_lock
    )
)]

pub mod app;
pub mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod oauth;
pub mod oidc;
pub mod selftest;
pub mod service;
pub mod store;
