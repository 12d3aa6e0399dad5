"""Demo data for `make run` (seed_demo loads each app's demo module): the starter voice catalogue
with its rendered samples."""

from conversions.catalogue.seed import seed_voices


def seed(stdout):
    seed_voices(stdout)
