"""Planning's logic. No HTTP here: functions take a TenantContext and raise domain errors."""
