"""The accounts endpoints: /api/v1/auth/* (VoiceStamps dialect) and the Respeecher login, logout, api-key and credits."""
