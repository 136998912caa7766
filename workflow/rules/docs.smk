# Documentation generated from the code, so that it cannot drift from what the pipeline enforces.


rule data_dictionary:
    """Every table contract (pandera schema) as a data dictionary: columns, dtypes, checks, descriptions."""
    input:
        schemas="src/hubshare/schemas.py",
        # The renderer is an input too: a change of format rebuilds the dictionary.
        renderer="src/hubshare/data_dictionary.py",
    output:
        markdown="docs/data_dictionary.md",
    log:
        "logs/data_dictionary.log",
    benchmark:
        "benchmarks/data_dictionary.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/data_dictionary.py"
