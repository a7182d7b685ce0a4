"""SLA tracking's logic. No HTTP here: functions take a TenantContext (or ids, for jobs) and raise domain
errors."""
