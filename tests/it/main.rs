//! The one integration-test binary: every module boots the real server (`harness::TestServer`).

mod architecture;
mod bad_input;
mod clients_api;
mod discovery;
mod harness;
mod people_api;
mod token;
