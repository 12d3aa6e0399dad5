"""Signed webhooks (Standard Webhooks): endpoints, job events, SSRF-safe delivery with retries.

- ``events``: each domain registers how to describe its job kinds; ``announce_job_outcome``
  (called once, where core.jobs records an outcome) writes a delivery per subscribed endpoint.
- ``delivery``: signs and POSTs one delivery, schedules retries, disables a dead endpoint.
- ``endpoints``: create, change, rotate and delete endpoints (the services the APIs call).
- ``api``: the user API (/api/v1/webhooks) and the partners' (/v4/partners/webhooks).
"""
