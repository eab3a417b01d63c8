//! Driving Debian's Chromium from a test: a `chromedriver` that the test starts on a free port and
//! stops on drop (`Driver`), a fantoccini session on a fresh profile, and ways to find things as a
//! person would — by a label's text, a button's name, or (`Role` + name) by the accessible name
//! Chromium itself computes (WebDriver "Get Computed Label"). Every wait is bounded by [`STEP`];
//! [`run_flow`] bounds a whole flow and always quits the session.
//!
//! A browser test is skipped (and passes, saying so) only when `/usr/bin/chromedriver` is absent
//! and `PORTCULLIS_REQUIRE_BROWSER` is not set; CI sets it, so CI can never skip silently.

use fantoccini::elements::{Element, ElementRef};
use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The longest any single step may take (page load, element to appear, text to change).
pub const STEP: Duration = Duration::from_secs(20);

/// Whether a browser test can run; skipping is allowed only when nobody demands the browser.
pub fn browser_available() -> bool {
    if Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("PORTCULLIS_REQUIRE_BROWSER").is_none(),
        "PORTCULLIS_REQUIRE_BROWSER is set but {CHROMEDRIVER} is missing \
         (apt-get install chromium chromium-driver)"
    );
    eprintln!(
        "SKIPPED a browser test: {CHROMEDRIVER} is missing (apt-get install chromium \
         chromium-driver); set PORTCULLIS_REQUIRE_BROWSER=1 to make that a failure"
    );
    false
}

// ---------------------------------------------------------------------------------------------
// chromedriver and Chromium.

/// A chromedriver on a free port with a fresh Chromium profile. Dropping it quits the WebDriver
/// session (a raw, blocking `DELETE /session/{id}`, which works even while a panic unwinds and no
/// async runtime is left to run fantoccini's own shutdown), then kills chromedriver.
pub struct Driver {
    child: Child,
    port: u16,
    session: Option<String>,
    dir: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Driver {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e}"));
        let mut driver = Driver {
            child,
            port,
            session: None,
            dir,
        };
        let deadline = Instant::now() + STEP;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {exit}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    pub async fn connect(&mut self) -> Client {
        let profile = self.dir.path().join("profile");
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--no-first-run",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{}", self.port);
        let client = match tokio::time::timeout(STEP, builder.connect(&url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("no WebDriver session from chromedriver: {e}"),
            Err(_) => panic!("no WebDriver session from chromedriver within {STEP:?}"),
        };
        self.session = client.session_id().await.unwrap();
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(STEP),
                Some(STEP),
                Some(Duration::ZERO),
            ))
            .await
            .unwrap();
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(STEP));
                let _ = stream.set_write_timeout(Some(STEP));
                let _ = write!(
                    stream,
                    "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n",
                    self.port
                );
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("chromedriver.log"))
                .unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            eprintln!("--- last lines of the chromedriver log ---\n{tail}");
        }
    }
}

/// Runs `flow` (which drives `browser`) as its own task, so that a panic in it is caught and the
/// browser still shut down, for at most `limit`. Then quits the WebDriver session whatever
/// happened (should that fail, `driver`'s drop quits it with a raw request) and re-raises the
/// flow's panic, if any.
pub async fn run_flow(
    driver: &mut Driver,
    browser: Client,
    limit: Duration,
    flow: impl Future<Output = ()> + Send + 'static,
) {
    let mut flow = tokio::spawn(flow);
    let outcome = tokio::time::timeout(limit, &mut flow).await;
    if outcome.is_err() {
        flow.abort();
    }
    if let Ok(Ok(())) = tokio::time::timeout(STEP, browser.close()).await {
        driver.session = None;
    }
    match outcome {
        Err(_) => panic!("the browser flow did not finish within {limit:?}"),
        Ok(Err(failure)) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
        Ok(Err(failure)) => panic!("the browser flow was cancelled: {failure}"),
        Ok(Ok(())) => {}
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------------------------
// Commands fantoccini has no method for.

/// A WebDriver command of the current session: `GET` or `POST {body}` to
/// `/session/{id}/{path}`.
#[derive(Debug)]
struct SessionCommand {
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        match &self.body {
            Some(body) => (reqwest::Method::POST, Some(body.to_string())),
            None => (reqwest::Method::GET, None),
        }
    }
}

/// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute`.
pub async fn cdp(c: &Client, cmd: &str, params: Value) -> Result<Value, CmdError> {
    c.issue_cmd(SessionCommand {
        path: "goog/cdp/execute".to_owned(),
        body: Some(json!({ "cmd": cmd, "params": params })),
    })
    .await
}

/// The accessible name Chromium computes for `e` (WebDriver "Get Computed Label"), with its
/// white space collapsed.
pub async fn accessible_name(e: &Element) -> Result<String, CmdError> {
    let label = e
        .clone()
        .client()
        .issue_cmd(SessionCommand {
            path: format!("element/{}/computedlabel", e.element_id()),
            body: None,
        })
        .await?;
    Ok(collapse(label.as_str().unwrap_or_default()))
}

/// The ARIA role Chromium computes for `e` (WebDriver "Get Computed Role").
pub async fn computed_role(e: &Element) -> Result<String, CmdError> {
    let role = e
        .clone()
        .client()
        .issue_cmd(SessionCommand {
            path: format!("element/{}/computedrole", e.element_id()),
            body: None,
        })
        .await?;
    Ok(role.as_str().unwrap_or_default().to_owned())
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Finding things by role and accessible name, as assistive technology (and a person) would.

/// What kind of thing to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Button,
    Link,
    /// A text, number, date or other input field, a textarea, or a select.
    Field,
    Checkbox,
    Heading,
    Region,
    Group,
    /// A list (`ul`, `ol`), such as the URLs added on an Add Client page.
    List,
}

impl Role {
    /// The elements that may have this role.
    fn candidates(self) -> &'static str {
        match self {
            Role::Button => {
                "button, input[type=submit], input[type=button], input[type=reset], [role=button]"
            }
            Role::Link => "a[href], [role=link]",
            Role::Field => {
                "input:not([type=hidden]):not([type=checkbox]):not([type=radio])\
                 :not([type=submit]):not([type=button]):not([type=reset]), textarea, select, \
                 [role=textbox], [role=combobox], [role=spinbutton]"
            }
            Role::Checkbox => "input[type=checkbox], [role=checkbox]",
            Role::Heading => "h1, h2, h3, h4, h5, h6, [role=heading]",
            Role::Region => "section, [role=region]",
            Role::Group => "fieldset, details, [role=group]",
            Role::List => "ul, ol, [role=list]",
        }
    }

    /// The computed roles that count (any, when empty).
    fn computed_roles(self) -> &'static [&'static str] {
        match self {
            Role::Region => &["region"],
            Role::Group => &["group"],
            _ => &[],
        }
    }
}

/// The rendered (not `display: none`, not `visibility: hidden`, not inside a closed `<dialog>`
/// or `<details>`) elements matching `css`, below `within` or in the whole page.
async fn rendered(c: &Client, within: Option<&Element>, css: &str) -> Vec<Element> {
    let root = within.map_or(Value::Null, |e| serde_json::to_value(e).unwrap());
    let found = c
        .execute(
            "const [root, css] = arguments;
             return Array.from((root || document).querySelectorAll(css))
               .filter((e) => e.checkVisibility({ visibilityProperty: true }));",
            vec![root, json!(css)],
        )
        .await;
    let Ok(Value::Array(found)) = found else {
        return Vec::new();
    };
    found
        .into_iter()
        .filter_map(|v| {
            let id = v.as_object()?.values().next()?.as_str()?.to_owned();
            Some(Element::from_element_id(c.clone(), ElementRef::from(id)))
        })
        .collect()
}

/// The rendered elements of `role` below `within` (or anywhere) with their accessible names.
async fn named(c: &Client, within: Option<&Element>, role: Role) -> Vec<(String, Element)> {
    let mut out = Vec::new();
    for e in rendered(c, within, role.candidates()).await {
        let Ok(name) = accessible_name(&e).await else {
            continue;
        };
        let roles = role.computed_roles();
        if !roles.is_empty() {
            match computed_role(&e).await {
                Ok(r) if roles.contains(&r.as_str()) => {}
                _ => continue,
            }
        }
        out.push((name, e));
    }
    out
}

/// Every role there is to look for.
pub const ALL_ROLES: [Role; 8] = [
    Role::Button,
    Role::Link,
    Role::Field,
    Role::Checkbox,
    Role::Heading,
    Role::Region,
    Role::Group,
    Role::List,
];

/// Every rendered element of `role` named `name` below `within` (or anywhere), right now.
pub async fn find_all_named(
    c: &Client,
    within: Option<&Element>,
    role: Role,
    name: &str,
) -> Vec<Element> {
    named(c, within, role)
        .await
        .into_iter()
        .filter(|(n, _)| names_match(n, name))
        .map(|(_, e)| e)
        .collect()
}

/// Whether a computed accessible name is the wanted one: exactly, since the names are a contract
/// (SPEC §11). CAUTION: Chromium applies CSS `text-transform` to names it computes from text, so
/// a label styled `uppercase` must carry an `aria-label`.
fn names_match(computed: &str, wanted: &str) -> bool {
    computed == wanted
}

/// Waits for a rendered element of `role` named `name` (below `within`, or anywhere). On
/// failure, says which names of that role the page does have.
pub async fn wait_named(c: &Client, within: Option<&Element>, role: Role, name: &str) -> Element {
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(e) = find_all_named(c, within, role, name)
            .await
            .into_iter()
            .next()
        {
            return e;
        }
        if Instant::now() >= deadline {
            let present: Vec<String> = named(c, within, role)
                .await
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            panic!(
                "no {role:?} named {name:?} appeared within {STEP:?}; the {role:?}s shown are \
                 {present:?}; {}",
                where_we_are(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Clicks the button (or other `role`) named `name`; tries again (within `STEP`) when the element
/// went stale or was covered between finding and clicking it.
pub async fn click_named(c: &Client, within: Option<&Element>, role: Role, name: &str) {
    let deadline = Instant::now() + STEP;
    loop {
        match wait_named(c, within, role, name).await.click().await {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => {
                panic!(
                    "clicking the {role:?} {name:?}: {e}; {}",
                    where_we_are(c).await
                )
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
}

/// Replaces the value of the field (or other `role`) named `name` with `text`; tries again
/// (within `STEP`) when the element went stale, e.g. because the page was still being replaced.
pub async fn fill_named(c: &Client, within: Option<&Element>, role: Role, name: &str, text: &str) {
    let deadline = Instant::now() + STEP;
    loop {
        let field = wait_named(c, within, role, name).await;
        let typed = match field.clear().await {
            Ok(()) => field.send_keys(text).await,
            Err(e) => Err(e),
        };
        match typed {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => {
                panic!(
                    "typing into the {role:?} {name:?}: {e}; {}",
                    where_we_are(c).await
                )
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
}

/// Waits until the browser is on a page whose URL starts with `prefix` (e.g. after a click that
/// leads to another site, whose next page may carry a button of the same name as this one).
pub async fn wait_url_starts_with(c: &Client, prefix: &str) {
    let deadline = Instant::now() + STEP;
    loop {
        if c.current_url()
            .await
            .is_ok_and(|u| u.as_str().starts_with(prefix))
        {
            return;
        }
        if Instant::now() >= deadline {
            panic!("not at {prefix} after {STEP:?}; {}", where_we_are(c).await);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits until no rendered element of `role` is named `name`.
pub async fn wait_gone(c: &Client, role: Role, name: &str) {
    let deadline = Instant::now() + STEP;
    while !find_all_named(c, None, role, name).await.is_empty() {
        if Instant::now() >= deadline {
            panic!(
                "the {role:?} {name:?} is still shown after {STEP:?}; {}",
                where_we_are(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Finding things by XPath on labels and button texts, and waiting for them (bounded by `STEP`).

/// An input by its label's text (`<label for>`, a wrapping `<label>`, or `aria-label`).
pub fn labelled(label: &str) -> String {
    format!(
        "//input[@id=//label[normalize-space(.)='{label}']/@for] \
         | //label[normalize-space(.)='{label}']//input | //input[@aria-label='{label}']"
    )
}

/// A button by its accessible name.
pub fn button(name: &str) -> String {
    format!(
        "//button[normalize-space(.)='{name}'] \
         | //input[(@type='submit' or @type='button') and @value='{name}']"
    )
}

pub async fn click_button(c: &Client, name: &str) {
    let what = format!("the {name} button");
    wait_for(c, &button(name), &what)
        .await
        .click()
        .await
        .unwrap();
}

pub async fn wait_for(c: &Client, xpath: &str, what: &str) -> Element {
    match c
        .wait()
        .at_most(STEP)
        .every(Duration::from_millis(100))
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!("{what} did not appear ({e}); {}", where_we_are(c).await),
    }
}

/// The current URL and the page's text, for failure messages.
pub async fn where_we_are(c: &Client) -> String {
    let url = c
        .current_url()
        .await
        .map_or_else(|e| format!("<{e}>"), |u| u.to_string());
    let text = match c.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(e) => format!("<{e}>"),
    };
    let text: String = text.chars().take(1500).collect();
    format!("at {url}, the page reads: {text:?}")
}

/// The rendered text of the page (empty while none is loaded, e.g. in the middle of a navigation).
pub async fn text_of_body(c: &Client) -> String {
    match c
        .execute(
            "return document.body ? document.body.innerText : ''",
            vec![],
        )
        .await
    {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Screenshots.

/// `target/<name>` (or `$CARGO_TARGET_DIR/<name>`): where a test keeps its screenshots.
pub fn screenshot_dir(name: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join(name)
}

/// Saves a screenshot of the window as `dir/name`. Screenshots are for people; failing to take or
/// write one never fails a test.
pub async fn screenshot(c: &Client, dir: &Path, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(name), png);
    }
}
