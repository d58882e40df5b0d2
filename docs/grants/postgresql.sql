-- Least privilege for the cockpit app on PostgreSQL (README, "Sign-in and roles").
-- Run as the schema owner after `alembic upgrade head`; the tests run exactly this file.
-- The role name and database below are replaced by the tests (cockpit_app, cockpit).
CREATE ROLE cockpit_app LOGIN;  -- add PASSWORD '...' unless the server authenticates otherwise
GRANT CONNECT ON DATABASE cockpit TO cockpit_app;
GRANT USAGE ON SCHEMA public TO cockpit_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO cockpit_app;
GRANT INSERT, UPDATE ON app_user, audit_log TO cockpit_app;
GRANT INSERT, DELETE ON app_user_grant TO cockpit_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO cockpit_app;
-- Data upkeep (targets, partners and agreements from Excel): those tables, and the history of every
-- upload. DELETE on partner/agreement only serves a revert of an upload that added them.
GRANT INSERT, UPDATE, DELETE ON target, partner, agreement TO cockpit_app;
GRANT INSERT ON data_upload, data_change TO cockpit_app;
GRANT USAGE ON SEQUENCE target_id_seq, partner_id_seq, agreement_id_seq, data_upload_id_seq, data_change_id_seq
    TO cockpit_app;
-- Alerts and digests: users' subscriptions (the page) and the runner's delivery records.
GRANT INSERT, UPDATE, DELETE ON subscription, delivery TO cockpit_app;
GRANT USAGE ON SEQUENCE subscription_id_seq, delivery_id_seq TO cockpit_app;
