//! The one integration-test binary: every module boots the real server (`harness::TestServer`).

mod architecture;
mod bad_input;
mod browser;
mod clients_api;
mod discovery;
mod harness;
mod hybrid;
mod nodes;
mod people_api;
mod portal;
mod portal_browser;
mod protocol;
mod refresh;
mod scale;
mod signin;
mod storage;
mod token;
mod webdriver;
