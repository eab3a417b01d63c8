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

diesel::joinable!(roles -> tenants (tenant_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(clients -> tenants (tenant_id));
diesel::joinable!(client_roles -> clients (client_id));
diesel::joinable!(client_roles -> roles (role_id));
diesel::joinable!(client_secrets -> clients (client_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    roles,
    users,
    user_roles,
    clients,
    client_roles,
    client_secrets,
);
