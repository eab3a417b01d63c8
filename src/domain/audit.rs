//! The audit trail (SPEC §13.2): one event per change made through the management API, the
//! portal or the CLI, and per security event. An event names who did what to which thing, from
//! where — never a secret, password, code or token (it holds only ids and fixed names).

use super::{Caller, TenantId};
use crate::clock::UnixTime;

/// The actor of events written by the command line.
pub const CLI_ACTOR: &str = "cli";
/// The actor of what the server does by itself (automatic key rotation and upkeep).
pub const SERVER_ACTOR: &str = "server";
/// The actor of security events whose person is not known (a sign-in for an unknown e-mail).
/// CAUTION: the typed e-mail is never the actor: people type passwords into the e-mail field.
pub const ANONYMOUS_ACTOR: &str = "anonymous";

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, )*) => {
        /// What happened, as a dotted name (`client.secret.created`). Defined once, here.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $( $(#[$doc])* $variant, )*
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    ClientCreated = "client.created",
    ClientUpdated = "client.updated",
    ClientDeleted = "client.deleted",
    ClientRolesSet = "client.roles.set",
    ClientSecretCreated = "client.secret.created",
    ClientSecretUpdated = "client.secret.updated",
    ClientSecretDeleted = "client.secret.deleted",
    RoleCreated = "role.created",
    RoleUpdated = "role.updated",
    RoleDeleted = "role.deleted",
    UserCreated = "user.created",
    UserUpdated = "user.updated",
    UserDeleted = "user.deleted",
    UserRolesSet = "user.roles.set",
    TenantCreated = "tenant.created",
    TenantUpdated = "tenant.updated",
    InvitationCreated = "invitation.created",
    /// A new link for an existing invitation (PUT, or the portal's Invite again).
    InvitationRenewed = "invitation.renewed",
    InvitationRevoked = "invitation.revoked",
    /// By the invited user (actor), with a password or an upstream identity.
    InvitationAccepted = "invitation.accepted",
    IdentityProviderCreated = "identity_provider.created",
    IdentityProviderUpdated = "identity_provider.updated",
    IdentityProviderDeleted = "identity_provider.deleted",
    /// A user created at the first upstream sign-in (SPEC §12.2 rule 4; actor = the new user).
    UserProvisioned = "user.provisioned",
    KeyRotated = "key.rotated",
    KeyRetired = "key.retired",
    /// The server's own key upkeep deleted a retired key (actor [`SERVER_ACTOR`]).
    KeyPurged = "key.purged",
    SigninSucceeded = "signin.succeeded",
    SigninFailed = "signin.failed",
    SigninThrottled = "signin.throttled",
    RefreshReuseDetected = "refresh.reuse_detected",
    CodeReplayed = "code.replayed",
    ConsentGiven = "consent.given",
    /// The user chose Deny on the consent page.
    ConsentDenied = "consent.denied",
    /// Reserved: no use case revokes a remembered consent yet.
    ConsentRevoked = "consent.revoked",
}

impl AuditAction {
    /// The action called `name` (exact, as stored).
    pub fn parse(name: &str) -> Option<AuditAction> {
        Self::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

/// Whether what was attempted happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Refused (a failed sign-in, a replayed code): recorded because the attempt matters.
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(name: &str) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

/// Where a request came from, as the HTTP layer saw it: the client address (behind trusted
/// proxies, `http::client_address`) and the request id (in the `Request-Id` header and the log).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub client_address: Option<String>,
    pub request_id: Option<String>,
}

/// One audit event. `tenant_id` is `None` for server-wide events (signing keys), which no
/// tenant's API shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub time: UnixTime,
    pub tenant_id: Option<TenantId>,
    /// The client or user id, [`CLI_ACTOR`] or [`ANONYMOUS_ACTOR`].
    pub actor: String,
    pub action: AuditAction,
    /// The id of the thing acted on (client, secret, role, user, tenant, key, ...).
    pub target_id: Option<String>,
    pub outcome: Outcome,
    pub origin: Origin,
}

impl AuditEvent {
    /// A successful change made by a management caller (API or portal): the actor is the user
    /// when a user acts (through a client or the portal), else the client.
    pub fn by(caller: &Caller, action: AuditAction, target: &str, now: UnixTime) -> AuditEvent {
        let actor = match (&caller.user_id, &caller.client_id) {
            (Some(user), _) => user.as_str().to_owned(),
            (None, Some(client)) => client.as_str().to_owned(),
            (None, None) => ANONYMOUS_ACTOR.to_owned(),
        };
        AuditEvent {
            time: now,
            tenant_id: Some(caller.tenant_id.clone()),
            actor,
            action,
            target_id: Some(target.to_owned()),
            outcome: Outcome::Success,
            origin: caller.origin.clone(),
        }
    }

    /// A change made on the command line (no address, no request).
    pub fn cli(
        tenant: Option<&TenantId>,
        action: AuditAction,
        target: &str,
        now: UnixTime,
    ) -> AuditEvent {
        AuditEvent {
            time: now,
            tenant_id: tenant.cloned(),
            actor: CLI_ACTOR.to_owned(),
            action,
            target_id: Some(target.to_owned()),
            outcome: Outcome::Success,
            origin: Origin::default(),
        }
    }

    /// A server-wide change the server made by itself (automatic key rotation, key purge).
    pub fn server(action: AuditAction, target: &str, now: UnixTime) -> AuditEvent {
        AuditEvent {
            actor: SERVER_ACTOR.to_owned(),
            ..AuditEvent::cli(None, action, target, now)
        }
    }

    /// A security event of `tenant` (sign-in, token endpoint, consent) by `actor`.
    pub fn security(
        tenant: &TenantId,
        actor: &str,
        action: AuditAction,
        outcome: Outcome,
        origin: &Origin,
        now: UnixTime,
    ) -> AuditEvent {
        AuditEvent {
            time: now,
            tenant_id: Some(tenant.clone()),
            actor: actor.to_owned(),
            action,
            target_id: None,
            outcome,
            origin: origin.clone(),
        }
    }

    /// The same event about `target`.
    pub fn on(mut self, target: &str) -> AuditEvent {
        self.target_id = Some(target.to_owned());
        self
    }
}

/// A stored event with its id (ascending in insertion order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

/// What `GET AuditEvents` asks for: a page, optionally one action and a time window
/// (`since` inclusive, `until` exclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub action: Option<AuditAction>,
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub skip: i64,
    pub count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_name_is_unique_dotted_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            let name = action.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(name.contains('.'), "{name} is not dotted");
            assert_eq!(AuditAction::parse(name), Some(*action));
        }
        assert_eq!(AuditAction::parse("client.Created"), None);
    }

    #[test]
    fn a_user_acting_through_a_client_is_the_actor() {
        let tenant = TenantId::generate();
        let user = super::super::UserId::generate();
        let caller = Caller {
            tenant_id: tenant.clone(),
            client_id: Some(super::super::ClientId::generate()),
            user_id: Some(user.clone()),
            role_type_ids: Vec::new(),
            token_id: String::new(),
            origin: Origin::default(),
        };
        let event = AuditEvent::by(&caller, AuditAction::UserDeleted, "x", 5);
        assert_eq!(event.actor, user.as_str());
        assert_eq!(event.tenant_id, Some(tenant));
        assert_eq!(event.outcome, Outcome::Success);
    }
}
