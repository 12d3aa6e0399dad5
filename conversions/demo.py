"""Demo data for `make run`: the starter voice catalogue with its rendered samples."""

from .catalogue_seed import seed_voices


def seed(stdout):
    seed_voices(stdout)
