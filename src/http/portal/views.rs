//! The askama views of the portal (SPEC §11): one struct per template, with everything already
//! turned into the words and values the page shows. Askama HTML-escapes every inserted value.

use askama::Template;

/// What every portal page's frame (`portal_base.html`) needs.
pub struct Frame {
    /// The portal's path (`/portal`, below the public URL's path).
    pub root: String,
    /// The identity pages' path: the one stylesheet is theirs.
    pub identity: String,
    pub csrf: String,
    pub email: String,
    pub admin: bool,
    /// `clients`, `users` or `roles`: the current menu entry.
    pub section: &'static str,
}

/// Next / Previous under a list, a page of [`PAGE_SIZE`] items at a time, read with the API's
/// own paging (skip/count, the total as `Total-Count` gives it).
pub struct Pager {
    /// The first item shown (0-based), carried by the rows' links so a choice keeps the page.
    pub skip: i64,
    /// `1–100 of 250`; empty when everything fits on one page.
    pub range: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// Items on one page of a portal list.
pub const PAGE_SIZE: i64 = 100;

impl Pager {
    /// The pager of a list at `base` (a URL whose query may go on with `&`), showing `shown`
    /// items from `skip` of `total`.
    pub fn new(base: &str, skip: i64, shown: usize, total: i64) -> Pager {
        let link = |to: i64| {
            if to == 0 {
                base.trim_end_matches(['?', '&']).to_owned()
            } else {
                format!("{base}skip={to}")
            }
        };
        let end = skip + shown as i64;
        Pager {
            skip,
            range: if skip == 0 && end >= total {
                String::new()
            } else if shown == 0 {
                format!("None here, {total} in all")
            } else {
                format!("{}–{end} of {total}", skip + 1)
            },
            previous: (skip > 0).then(|| link((skip - PAGE_SIZE).max(0))),
            next: (end < total).then(|| link(end)),
        }
    }
}

/// A client in the list.
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub lifetime: i64,
    pub selected: bool,
}

/// A secret in the Details region (never its value).
pub struct SecretRow {
    pub id: i64,
    pub description: String,
    /// A date a person reads (`31 Dec 2027`), or `Never`.
    pub expiration: String,
    /// The full RFC 3339 timestamp (the `title` and `datetime`); empty for `Never`.
    pub expiration_at: String,
}

/// The Details region of the chosen client.
pub struct ClientDetails {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub lifetime: i64,
    pub roles: String,
    pub redirect_uris: Vec<String>,
    pub logout_uris: Vec<String>,
    pub cors_origins: Vec<String>,
    pub allow_refresh: bool,
    /// `None` when the kind has no secrets; the message when the caller may not see them.
    pub secrets: Option<Result<Vec<SecretRow>, String>>,
}

#[derive(Template)]
#[template(path = "portal_clients.html")]
pub struct ClientsPage {
    pub frame: Frame,
    pub pager: Pager,
    pub kind: &'static str,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub rows: Vec<ClientRow>,
    pub details: Option<ClientDetails>,
}

/// A role checkbox.
pub struct RoleCheck {
    pub id: String,
    pub name: String,
    pub checked: bool,
    /// Tenant Member: checked, disabled, and still sent in a hidden input.
    pub locked: bool,
}

/// One of the URL lists with its + button.
pub struct UrlList {
    /// Form field name of the entries (`redirect`, `logout`, `cors`); the typed one is `{key}_new`.
    pub key: &'static str,
    pub label: &'static str,
    /// The accessible name of the list of added entries (not the textbox's).
    pub list_label: &'static str,
    /// The + button's accessible name.
    pub add_label: &'static str,
    pub values: Vec<String>,
    pub pending: String,
    pub error: Option<String>,
}

/// Messages next to the fields of the client and secret forms.
#[derive(Default)]
pub struct FieldMessages {
    pub name: Option<String>,
    pub lifetime: Option<String>,
    pub description: Option<String>,
    pub expiration: Option<String>,
    /// Anything that concerns no single field.
    pub form: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_client_add.html")]
pub struct AddClientPage {
    pub frame: Frame,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub name: String,
    pub lifetime: String,
    pub allow_refresh: bool,
    pub roles: Vec<RoleCheck>,
    pub lists: Vec<UrlList>,
    pub errors: FieldMessages,
}

#[derive(Template)]
#[template(path = "portal_secret_add.html")]
pub struct AddSecretPage {
    pub frame: Frame,
    pub heading: &'static str,
    pub action: String,
    /// Fields carried from an earlier step (or the client's type and id).
    pub carried: Vec<(String, String)>,
    pub description: String,
    pub expiration: String,
    pub never_expires: bool,
    pub errors: FieldMessages,
    pub cancel: String,
}

#[derive(Template)]
#[template(path = "portal_client_created.html")]
pub struct CreatedPage {
    pub frame: Frame,
    pub heading: &'static str,
    pub client_id: String,
    /// Shown once, in this response only.
    pub secret: Option<String>,
    /// The query of the Clients page that Close returns to (type and id).
    pub close: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "portal_client_edit.html")]
pub struct EditClientPage {
    pub frame: Frame,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub lifetime: String,
    pub allow_refresh: bool,
    pub redirect_uris: String,
    pub logout_uris: String,
    pub cors_origins: String,
    /// The role checkboxes (client-credentials clients only).
    pub roles: Vec<RoleCheck>,
    pub errors: FieldMessages,
}

#[derive(Template)]
#[template(path = "portal_confirm.html")]
pub struct ConfirmPage {
    pub frame: Frame,
    pub heading: String,
    pub sentence: String,
    pub action: String,
    pub carried: Vec<(String, String)>,
    pub button: &'static str,
    pub cancel: String,
}

/// A user in the list.
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub selected: bool,
}

/// The Details region of the chosen user.
pub struct UserDetails {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
}

#[derive(Template)]
#[template(path = "portal_users.html")]
pub struct UsersPage {
    pub frame: Frame,
    pub pager: Pager,
    pub rows: Vec<UserRow>,
    pub details: Option<UserDetails>,
}

/// Messages next to the fields of the Add User form.
#[derive(Default)]
pub struct UserFieldMessages {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    /// Anything that concerns no single field.
    pub form: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_user_add.html")]
pub struct AddUserPage {
    pub frame: Frame,
    pub email: String,
    pub name: String,
    pub roles: Vec<RoleCheck>,
    pub errors: UserFieldMessages,
}

/// The result of Invite (SPEC §12.3): the link, once, with **Copy Invitation Link**.
#[derive(Template)]
#[template(path = "portal_user_invited.html")]
pub struct InvitedPage {
    pub frame: Frame,
    pub user_id: String,
    pub email: String,
    /// Shown once, in this response only.
    pub link: String,
    /// The expiry as a person reads it.
    pub expires: String,
}

#[derive(Template)]
#[template(path = "portal_user_edit.html")]
pub struct EditUserPage {
    pub frame: Frame,
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<RoleCheck>,
    pub errors: UserFieldMessages,
}

/// A role in the list.
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub selected: bool,
}

/// The Details region of the chosen role (Edit and Delete only for custom roles).
pub struct RoleDetails {
    pub id: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
}

#[derive(Template)]
#[template(path = "portal_roles.html")]
pub struct RolesPage {
    pub frame: Frame,
    pub pager: Pager,
    pub rows: Vec<RoleRow>,
    pub details: Option<RoleDetails>,
}

/// Add Role, or Edit of a custom role (`id` set).
#[derive(Template)]
#[template(path = "portal_role_form.html")]
pub struct RoleFormPage {
    pub frame: Frame,
    pub heading: &'static str,
    pub button: &'static str,
    pub action: String,
    pub cancel: String,
    pub id: Option<String>,
    pub name: String,
    pub description: String,
    pub message: Option<String>,
}
