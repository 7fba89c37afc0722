"""The gateway's SQL: functions taking the caller's cursor, binding values, never committing."""
