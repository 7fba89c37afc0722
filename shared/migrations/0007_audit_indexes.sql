-- The audit log is read newest first by id, for one member or one actor
-- (audit_log_member_id_idx, audit_log_actor_idx). These two indexes served no
-- query, yet every audited request (each member-screen view) paid to update them.
DROP INDEX audit_log_member_idx;
DROP INDEX audit_log_time_idx;
