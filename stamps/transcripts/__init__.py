"""A VoiceStamp's words: transcription of its recording and translation of its texts."""
