-- Least privilege for the cockpit app on MySQL / MariaDB (README, "Sign-in and roles").
-- Run as an administrator after `alembic upgrade head`; the tests run exactly this file.
-- The user name and database below are replaced by the tests (cockpit_app, cockpit).
CREATE USER 'cockpit_app'@'%';  -- add IDENTIFIED BY '...' in production
GRANT SELECT ON cockpit.* TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE ON cockpit.app_user TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE ON cockpit.audit_log TO 'cockpit_app'@'%';
GRANT INSERT, DELETE ON cockpit.app_user_grant TO 'cockpit_app'@'%';
-- Data upkeep (targets, partners and agreements from Excel): those tables, and the history of every
-- upload. DELETE on partner/agreement only serves a revert of an upload that added them.
GRANT INSERT, UPDATE, DELETE ON cockpit.target TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE, DELETE ON cockpit.partner TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE, DELETE ON cockpit.agreement TO 'cockpit_app'@'%';
GRANT INSERT ON cockpit.data_upload TO 'cockpit_app'@'%';
GRANT INSERT ON cockpit.data_change TO 'cockpit_app'@'%';
-- Alerts and digests: users' subscriptions (the page) and the runner's delivery records.
GRANT INSERT, UPDATE, DELETE ON cockpit.subscription TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE, DELETE ON cockpit.delivery TO 'cockpit_app'@'%';
