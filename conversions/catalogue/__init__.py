"""The voice catalogue: voices, accents, narration styles, tiers, favourites and settings, calibrations."""
