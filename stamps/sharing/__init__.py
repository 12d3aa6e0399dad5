"""Sharing a VoiceStamp: share links, e-mail and SMS deliveries, the public share page and replies."""
