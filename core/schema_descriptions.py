"""What each API operation does, written for the people who call it (the OpenAPI descriptions).

Keyed by operation id. Docstrings stay what they are, notes for maintainers; core.schema shows
these instead, and tests/core/test_openapi_truth.py fails on an operation without one.
"""

_PARTNER_TEST_MODE = " Send TEST-MODE: 1 to try it without side effects."

OPERATION_DESCRIPTIONS = {
    # --- accounts: the VoiceStamps auth endpoints ---------------------------------------------
    "v1_auth_register_create": "Create an account with an email address and a password; answers the new user "
    "and a token pair.",
    "v1_auth_token_create": "Exchange an email address and password for an access token (Bearer) and a refresh token.",
    "v1_auth_token_refresh_create": "Exchange a refresh token for a new token pair. Each refresh token works once.",
    "v1_auth_me_retrieve": "The account the credentials belong to.",
    # --- accounts: the Respeecher gateway set -------------------------------------------------
    "login_create": "Sign in with email and password (JSON): starts a session cookie; send the CSRF token it "
    "returns in X-Csrf-Token with later writes.",
    "logout_create": "End the session.",
    "api_key_create": "Create an API key for the signed-in account. The key is shown once; send it in the api-key "
    "header.",
    "api_key_destroy": "Revoke the account's API key.",
    "credits_retrieve": "The account's credit balance.",
    "auth_create": "Your profile, with the calibration your conversions use.",
    # --- Respeecher library --------------------------------------------------------------------
    "projects_list": "Your projects (and your teams'), newest first.",
    "projects_create": "Create a project; its URL stays the same when it is renamed.",
    "projects_retrieve": "One of your projects.",
    "projects_update": "Accepted for compatibility: per-project model settings are no longer used; the project "
    "is returned unchanged.",
    "projects_partial_update": "Rename a project.",
    "projects_destroy": "Delete a project with its folders, recordings and their files.",
    "projects_export_retrieve": "Download a project's recordings as a ZIP archive (optionally only starred ones).",
    "projects_by_url_retrieve": "Find one of your projects by its URL.",
    "folders_list": "The folders of a project.",
    "folders_create": "Create a folder in a project, optionally inside another folder.",
    "folders_retrieve": "One of your folders.",
    "folders_partial_update": "Rename a folder.",
    "folders_destroy": "Delete a folder with everything inside it; answers the ids deleted.",
    "recordings_list": "The recordings of a folder.",
    "recordings_create": "Upload a recording (multipart) into a folder; its audio is checked by content.",
    "recordings_retrieve": "One of your recordings.",
    "recordings_update": "Set a recording's label and star.",
    "recordings_partial_update": "Change a recording's label or star; fields not sent are not changed.",
    "recordings_destroy": "Delete a recording with its conversions; answers the ids deleted.",
    "recordings_originals_list": "The original recordings of a folder (not conversions).",
    "recordings_conversions_list": "The conversions made from one original recording.",
    "recordings_export_retrieve": "Download the conversions of a recording as a ZIP archive.",
    "recordings_tts_create": "Create a recording from text with a TTS voice (the older form of "
    "POST /api/v2/recordings/tts).",
    "v2_recordings_tts_create": "Create a recording from text, read by a TTS voice in the text's language "
    "(and region, e.g. en-GB).",
    "files_recordings_audio_retrieve": "A recording's audio, streamed, with Range requests for seeking.",
    "files_recordings_waveform.png_retrieve": "A recording's waveform as a PNG image.",
    "tts_voices_list": "The TTS voices you can use: public ones and your own.",
    "notes_list": "The notes on the recordings of a folder.",
    "notes_create": "Add a note to a recording (a recording has at most one: 409 if it has one already).",
    "notes_update": "Change the note of a recording.",
    "notes_destroy": "Delete the note of a recording, named by recording_id in the JSON body.",
    "stats_retrieve": "Counts and durations across your whole library, by month.",
    "stats_projects_list": "Counts and durations for the projects you name.",
    "stats_projects_create": "Counts and durations for the projects named in the body.",
    "stats_folders_list": "Counts and durations for the folders you name.",
    "stats_folders_create": "Counts and durations for the folders named in the body.",
    # --- Respeecher catalogue and orders -------------------------------------------------------
    "calibration_list": "Your voice calibrations.",
    "calibration_create": "Calibrate with a recording of your voice (multipart): its pitch is measured in the "
    "background.",
    "calibration_retrieve": "One of your calibrations, with its measured pitch once done.",
    "calibration_partial_update": "Rename a calibration.",
    "calibration_destroy": "Delete a calibration.",
    "calibration_enable_update": "Use this calibration for your conversions.",
    "calibration_auto_create": "Stop using a calibration: each conversion measures its own source.",
    "v2_voices_list": "The voice catalogue, filtered by gender, age, pitch, species, nationality and visibility.",
    "v2_voices_search_list": "Search the voice catalogue by name.",
    "v2_voices_favorite_create": "Mark a voice as a favourite, or not.",
    "v2_voices_settings_create": "Your settings for a voice's accents and narration styles (favourite, pitch "
    "correction).",
    "v2_accents_samples_retrieve": "Signed links to listen to an accent's samples.",
    "v2_narration_styles_samples_retrieve": "Signed links to listen to a narration style's samples.",
    "v2_orders_create": "Order conversions of a recording into catalogue voices; spends credits (402 when they do "
    "not suffice). Safe to retry with an Idempotency-Key.",
    "v2_orders_retrieve": "An order's state and progress, and its conversion once done.",
    "v2_orders_retry_create": "Retry failed conversions: of one conversion, or every failed one of an original.",
    # --- VoiceStamps -----------------------------------------------------------------------------
    "v1_voicestamps_list": "Your VoiceStamps, newest first, filtered by status or a search in title and description.",
    "v1_voicestamps_create": "Create a VoiceStamp with a title, description, voice tags and metadata.",
    "v1_voicestamps_retrieve": "One of your VoiceStamps; include_manifest and include_sharing add its manifest and "
    "its shares.",
    "v1_voicestamps_update": "Change a VoiceStamp's title, description, voice tags or metadata; fields not sent are "
    "not changed.",
    "v1_voicestamps_partial_update": "Same as PUT: fields not sent are not changed.",
    "v1_voicestamps_destroy": "Delete a VoiceStamp with all its files, shares and replies.",
    "v1_security_vst_draft_create": "Start a draft VoiceStamp to upload files into; answers its vst_id.",
    "v1_security_vst_audio_create": "Upload the recording (multipart): checked by its content, size and length "
    "capped, duration measured. Replaces an earlier one.",
    "v1_security_vst_image_create": "Upload an image (JPEG, PNG or WebP; metadata such as GPS is removed) at a "
    "position.",
    "v1_security_vst_audio_retrieve": "The VoiceStamp's audio (original or delivery format), with Range requests. "
    "Share viewers pass share (and token or X-Share-Password).",
    "v1_security_vst_image_retrieve": "One of the VoiceStamp's images. Share viewers pass share (and token or "
    "X-Share-Password).",
    "v1_files_retrieve": "Any file of your VoiceStamps by its file name (or of a share you may view).",
    "v1_security_vst_manifest_retrieve": "The VoiceStamp's manifest: files, voice tags, timestamps, drawings, texts, "
    "transcription and translations.",
    "v1_security_vst_manifest_update": "Change voice tags, timestamps or metadata. Send manifest_version to refuse "
    "the change (409) if someone else changed the manifest first.",
    "v1_security_vst_drawings_create": "Add a drawing: strokes in a coordinate frame, optionally at a time in the "
    "audio.",
    "v1_security_vst_upload_txt_create": "Add a text: a note, caption, transcription or description.",
    "v1_security_vst_complete_package_create": "Finish the VoiceStamp and build its .vst package in the background "
    "(202 while it runs, 200 once done). Every time must fall within "
    "the audio: 422 names each one that does not.",
    "v1_security_vst_convert_create": "Build (again) the delivery audio, waveform, thumbnail and .vst package in "
    "the background.",
    "v1_security_vst_convert_retrieve": "The conversion's state, progress and error, and the download link once done.",
    "v1_security_vst_package_retrieve": "Download the .vst package (a ZIP archive; see docs/vst-format.md). 409 "
    "until it is ready.",
    "v1_security_vst_download_retrieve": "A signed, expiring link to the .vst package. 409 until it is ready.",
    "v1_security_vst_thumbnail_retrieve": "The VoiceStamp's thumbnail (JPEG).",
    "v1_security_vst_thumbnail_generate_create": "Render a thumbnail in a style (auto, cover, waveform, card), "
    "optionally at a time in the audio.",
    "v1_security_vst_thumbnail_regenerate_create": "Render the thumbnail again; force renders it even when "
    "nothing changed.",
    "v1_voicestamps_transcribe_create": "Transcribe the recording in the background (speech recognition); 202 "
    "while it runs.",
    "v1_voicestamps_transcribe_retrieve": "The transcription's state, and its text with timed segments once done.",
    "v1_security_ai_translate_create": "Translate a text, or a VoiceStamp's text or transcription, into another "
    "language; the source language is detected when not given.",
    # --- VoiceStamps sharing -----------------------------------------------------------------------
    "voicestamps_share_create": "Create a share link: public, password-protected or private, optionally expiring, "
    "with or without replies.",
    "voicestamps_share_email": "Share by email: the recipient gets a personal link. The response says which link "
    "is theirs (recipient_url) and gives you a preview of what they see "
    "(owner_preview_url).",
    "voicestamps_share_sms": "Share by SMS (E.164 number): the recipient gets a personal link. The response says "
    "which link is theirs (recipient_url) and gives you a preview (owner_preview_url).",
    "voicestamps_shares_list": "The shares of one of your VoiceStamps, with their recipients and deliveries.",
    "voicestamps_share_detail": "One share, with its recipients and the state of each delivery.",
    "voicestamps_share_revoke": "Revoke a share: its links stop working at once.",
    "voicestamps_replies_list": "The replies to one of your VoiceStamps, with signed links to their recordings.",
    "voicestamp_public_share": "A shared VoiceStamp as its viewers see it, with short-lived links to its media. "
    "Private shares need the personal token; password shares X-Share-Password. 410 once "
    "expired.",
    "voicestamp_public_share_data": "A shared VoiceStamp's details and view counts. 410 once expired.",
    "vst_reply_submit": "Reply to a shared VoiceStamp with a message and/or a recording (multipart). No account "
    "needed: the reply token is the credential. 410 once the share expired.",
    # --- Voice Gallery -----------------------------------------------------------------------------
    "v1_voice_gallery_list": "Published voices by order number, then name (case and accents ignored), with "
    "playable sample links. Admins also see unpublished ones (isPublished filters).",
    "v1_voice_gallery_create": "Admins: add a voice with one to five MP3 samples, as URLs from upload-url (JSON) "
    "or as files sampleFile[0]..sampleFile[4] (multipart).",
    "v1_voice_gallery_retrieve": "One voice, with playable sample links. Unpublished voices are shown to admins only.",
    "v1_voice_gallery_update": "Admins: change a voice; fields not sent are not changed (JSON and multipart alike). "
    "Samples, when sent, replace the existing ones.",
    "v1_voice_gallery_destroy": "Admins: delete a voice (it can be restored by staff). 409 VOICE_IN_USE while audio "
    "generations use it.",
    "v1_voice_gallery_upload_url_create": "Admins: a pre-signed URL to PUT one MP3 sample (at most 5 MB) to; then "
    "create or update a voice with its fileUrl.",
    "v1_tts_submissions_list": "Your TTS submissions, newest first.",
    "v1_tts_submissions_create": "Have a published voice speak your text; 202 while the audio is rendered. The text "
    "is stored and returned exactly as you sent it.",
    "v1_tts_submissions_retrieve": "One of your TTS submissions: its status and, once completed, a signed link to "
    "the MP3.",
    # --- webhooks (the same operations for users and, under /v4/partners, for partners) ---------------
    **{
        f"{prefix}{operation}": text
        for prefix in ("v1_", "partners_")
        for operation, text in {
            "webhooks_list": "Your webhook endpoints.",
            "webhooks_create": "Register an HTTPS endpoint for events; the signing secret is shown in this response "
            "and on rotation only.",
            "webhooks_retrieve": "One of your webhook endpoints.",
            "webhooks_partial_update": "Change an endpoint's URL, events or description; enabled: true turns a disabled "
            "one back on. Fields not sent are not changed.",
            "webhooks_destroy": "Delete a webhook endpoint: no more deliveries.",
            "webhooks_deliveries_list": "Deliveries to an endpoint, newest first, each with its attempts.",
            "webhooks_rotate_secret_create": "Replace the signing secret; the old one stops signing at once.",
        }.items()
    },
    # --- Voices.com Partner API --------------------------------------------------------------------
    "partners_programs_list": "All programs associated with your partner account." + _PARTNER_TEST_MODE,
    "partners_programs_retrieve": "One of your programs. Errors: 100, 120.",
    "partners_programs_jobs_list": "Every job of one of your programs. Errors: 100, 120.",
    "partners_programs_talents_list": "The talents of one of your programs, with their demos. Errors: 100, 120.",
    "partners_talents_retrieve": "One talent of your programs. Errors: 102, 122.",
    "partners_jobs_create": "Create a job for a talent in one of your programs, with a script file or sample script "
    "(JSON or multipart); charges the program's price. Errors: 100, 102, 104, 105, 106, 120, "
    "122, 123, 140-143; notice 240." + _PARTNER_TEST_MODE,
    "partners_jobs_retrieve": "One of your jobs, with its status and delivered file. Errors: 101, 121.",
    "partners_jobs_approveFile_create": "Approve the delivered file: the job becomes approved. Errors: 101, 121, 144.",
    "partners_jobs_editFile_create": "Ask for an edit of the delivered file, with notes; past the program's edit "
    "limit the program manager is told. Errors: 101, 103, 121, 145-147.",
}
