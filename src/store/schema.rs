// @generated-style: kept by hand in step with migrations/{sqlite,postgres}; a test checks both.

diesel::table! {
    tenants (id) {
        id -> Text,
        company_name -> Text,
        alias -> Nullable<Text>,
        state -> Integer,
        created -> BigInt,
        last_updated -> BigInt,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        role_type_id -> Nullable<Text>,
        created -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        email_lower -> Text,
        given_name -> Nullable<Text>,
        surname -> Nullable<Text>,
        name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_given_name -> Nullable<Text>,
        contact_surname -> Nullable<Text>,
        external_user_id -> Nullable<Text>,
        identity_provider_id -> Text,
        password_hash -> Nullable<Text>,
        created -> BigInt,
        last_updated -> BigInt,
    }
}

diesel::table! {
    user_roles (user_id, role_id) {
        user_id -> Text,
        role_id -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        name -> Text,
        enabled -> Bool,
        access_token_lifetime -> BigInt,
        tags -> Text,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        allowed_cors_origins -> Text,
        client_uri -> Nullable<Text>,
        logo_uri -> Nullable<Text>,
        allow_offline_access -> Bool,
        allow_access_tokens_via_browser -> Bool,
        last_secret_id -> BigInt,
        created -> BigInt,
    }
}

diesel::table! {
    client_roles (client_id, role_id) {
        client_id -> Text,
        role_id -> Text,
        kind -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    client_secrets (client_id, id) {
        client_id -> Text,
        id -> BigInt,
        description -> Nullable<Text>,
        expiration -> Nullable<BigInt>,
        secret_hash -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        sid -> Text,
        tenant_id -> Text,
        user_id -> Text,
        auth_time -> BigInt,
        last_seen -> BigInt,
        expires_at -> BigInt,
        idp -> Nullable<Text>,
        amr -> Nullable<Text>,
    }
}

diesel::table! {
    authorization_codes (code_hash) {
        code_hash -> Text,
        client_id -> Text,
        user_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        sid -> Text,
        auth_time -> BigInt,
        expires_at -> BigInt,
        redeemed_at -> Nullable<BigInt>,
        access_token_jti -> Nullable<Text>,
        access_token_exp -> Nullable<BigInt>,
        front_channel_jti -> Nullable<Text>,
        front_channel_exp -> Nullable<BigInt>,
        refresh_family_id -> Nullable<Text>,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> BigInt,
        blocked_until -> BigInt,
        updated -> BigInt,
    }
}

diesel::table! {
    client_origins (client_id, origin) {
        client_id -> Text,
        origin -> Text,
    }
}

diesel::table! {
    client_tags (client_id, tag) {
        client_id -> Text,
        tag -> Text,
        tenant_id -> Text,
        kind -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        client_id -> Text,
        user_id -> Text,
        scope -> Text,
        sid -> Text,
        auth_time -> BigInt,
        created -> BigInt,
        family_expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
        successor_response -> Nullable<Text>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        secret -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        identity_provider_id -> Text,
        code_hash -> Text,
        issued -> BigInt,
        expires -> BigInt,
        accepted -> Nullable<BigInt>,
        state -> Integer,
        created -> BigInt,
    }
}

diesel::table! {
    identity_providers (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        display_name -> Text,
        authority -> Text,
        client_id -> Text,
        client_secret_sealed -> Nullable<Text>,
        scopes -> Text,
        enabled -> Bool,
        allow_auto_provisioning -> Bool,
        default_role_ids -> Text,
        created -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> BigInt,
        tenant_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        target_id -> Nullable<Text>,
        outcome -> Text,
        client_address -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    federation_logins (state_hash) {
        state_hash -> Text,
        browser_hash -> Text,
        tenant_id -> Text,
        provider_id -> Text,
        request -> Text,
        nonce -> Text,
        pkce_verifier_sealed -> Text,
        invitation -> Nullable<Text>,
        expires_at -> BigInt,
    }
}

diesel::joinable!(roles -> tenants (tenant_id));
diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        sealed_private_key -> Text,
        created_at -> BigInt,
        activates_at -> BigInt,
        retired_at -> Nullable<BigInt>,
        succeeds -> Nullable<Text>,
    }
}

diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(clients -> tenants (tenant_id));
diesel::joinable!(client_roles -> clients (client_id));
diesel::joinable!(client_roles -> roles (role_id));
diesel::joinable!(client_secrets -> clients (client_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(consents -> users (user_id));
diesel::joinable!(client_origins -> clients (client_id));
diesel::joinable!(client_tags -> clients (client_id));
diesel::joinable!(invitations -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    roles,
    users,
    user_roles,
    clients,
    client_roles,
    client_secrets,
    sessions,
    authorization_codes,
    consents,
    revoked_tokens,
    login_throttle,
    server_secrets,
    client_origins,
    client_tags,
    refresh_tokens,
    invitations,
    signing_keys,
    audit_events,
    identity_providers,
    federation_logins,
);
