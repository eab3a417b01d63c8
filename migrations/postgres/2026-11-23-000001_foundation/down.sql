DROP TABLE client_secrets;
DROP TABLE client_roles;
DROP TABLE clients;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE roles;
DROP TABLE tenants;
