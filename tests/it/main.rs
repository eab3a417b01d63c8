//! The one integration-test binary: every module boots the real server (`harness::TestServer`).

mod api_cors;
mod architecture;
mod bad_input;
mod browser;
mod clients_api;
mod discovery;
mod federation;
mod federation_browser;
mod harness;
mod hybrid;
mod nodes;
mod people_api;
mod portal;
mod portal_browser;
mod properties;
mod protocol;
mod refresh;
mod scale;
mod signin;
mod storage;
mod throttle;
mod token;
mod trust;
mod webdriver;
