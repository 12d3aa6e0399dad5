"""A partner's account: Partner Program access, live or test mode, API keys, the credit ledger, the audit log."""
