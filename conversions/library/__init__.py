"""The studio library: projects, folders, recordings (uploaded, synthesised, converted), notes, TTS voices."""
