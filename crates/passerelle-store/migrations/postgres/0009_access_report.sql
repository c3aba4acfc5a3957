-- The access report of one child's record reads the audit trail by object.
CREATE INDEX audit_log_object ON audit_log (object_id, seq);
