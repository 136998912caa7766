"""Published claims about who gets the Hub's downloads, checked against the workflow's tables.

`data/raw/claims/published_claims.yaml` lists every claim the project tests
(the anchor paper, the press about it, the Hub's metadata, other studies).
One job per module: `validation` reads that file against its JSON schema
(`workflow/schemas/claims.schema.yaml`); `metrics` computes our value of a
claim from the tables in `ClaimInputs`; `ledger` gives each claim a verdict,
after checking that the build's data cover the claim's window; `rendering`
shows the ledger in the manuscript.
"""
