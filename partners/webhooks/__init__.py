"""A partner's own webhook endpoints (core/webhooks/ delivers them)."""
