"""A VoiceStamp's thumbnail: its styles, the automatic one and the one an owner generates."""
