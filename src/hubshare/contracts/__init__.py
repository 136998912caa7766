"""Contracts: the pandera table schemas, the JSON schemas of config, claims and demo settings, and the data dictionary built from them."""
