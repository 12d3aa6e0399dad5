"""Talents: the voice actors programs book, with their avatars, demos and public pages."""
