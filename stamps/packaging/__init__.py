"""Manifest edits and packaging a VoiceStamp into its .vst container."""
