-- Least privilege for the cockpit app on MySQL / MariaDB (README, "Sign-in and roles").
-- Run as an administrator after `alembic upgrade head`; the tests run exactly this file.
-- The user name and database below are replaced by the tests (cockpit_app, cockpit).
CREATE USER 'cockpit_app'@'%';  -- add IDENTIFIED BY '...' in production
GRANT SELECT ON cockpit.* TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE ON cockpit.app_user TO 'cockpit_app'@'%';
GRANT INSERT, UPDATE ON cockpit.audit_log TO 'cockpit_app'@'%';
GRANT INSERT, DELETE ON cockpit.app_user_grant TO 'cockpit_app'@'%';
-- Data upkeep (targets from Excel): the targets themselves, and the history of every upload.
GRANT INSERT, UPDATE, DELETE ON cockpit.target TO 'cockpit_app'@'%';
GRANT INSERT ON cockpit.data_upload TO 'cockpit_app'@'%';
GRANT INSERT ON cockpit.data_change TO 'cockpit_app'@'%';
