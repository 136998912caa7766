"""The error every Hub transfer raises when a snapshot cannot be fetched or verified."""


class FetchError(RuntimeError):
    """A snapshot that could not be downloaded or verified; the message names the URL and file."""
