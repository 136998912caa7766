# Documentation generated from the code, so that it cannot drift from what the pipeline enforces.


rule data_dictionary:
    """Every table contract (pandera schema) as a data dictionary: columns, dtypes, checks, descriptions."""
    output:
        markdown=DATA_DICTIONARY,
    log:
        "logs/data_dictionary.log",
    benchmark:
        "benchmarks/data_dictionary.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        # The schemas and the renderer: a change of either rebuilds the dictionary.
        code=script_code("data_dictionary.py"),
    script:
        "../scripts/data_dictionary.py"
