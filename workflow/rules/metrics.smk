# Shares by country group and developer type; concentration over organisations.


rule group_shares:
    # Reruns with every new week: the library called directly (see normalize_snapshot).
    """Weekly, trailing-52-week and per-period download shares in every view, from the weekly sums."""
    input:
        groups=AGGREGATES["groups"],
        panel=PANEL_WEEKS,
    output:
        weekly=SHARES_WEEKLY,
        trailing=SHARES_TRAILING52,
        periods=report(SHARES_BY_PERIOD, caption="../report/table.rst", category="Tables"),
        totals=PERIOD_TOTALS,
    log:
        "logs/group_shares.log",
    benchmark:
        "benchmarks/group_shares.tsv"
    params:
        code=run_code(group_shares_file),
        periods=config["periods"],
    run:
        group_shares_file(input.groups, input.panel, params.periods, output, log[0])


rule concentration:
    # Reruns with every new week: the library called directly (see normalize_snapshot).
    """HHI, Gini and top-k shares over organisations, per view and week (each week's computed with its sums)."""
    input:
        weeks=AGGREGATES["concentration"],
    output:
        weekly=CONCENTRATION_WEEKLY,
    log:
        "logs/concentration.log",
    benchmark:
        "benchmarks/concentration.tsv"
    params:
        code=run_code(concentration_file),
    run:
        concentration_file(input.weeks, output.weekly, log[0])


rule block_sums:
    """One calendar block's sums (attributed downloads by model and group, namespace sums, panel downloads by model, counts after counter falls): summed again only while its month is open."""
    input:
        unpack(block_weeks),
    output:
        **BLOCK_FILES,
    log:
        "logs/block_sums/{block}.log",
    benchmark:
        "benchmarks/block_sums/{block}.tsv"
    wildcard_constraints:
        block=r"\d{4}-\d{2}-\d{2}",
    params:
        code=run_code(log_to, "hubshare.analysis.block_sums"),
    run:
        from hubshare.analysis.block_sums import block_sums_file

        with log_to(log[0]):
            block_sums_file(input, output)


rule composition:
    """Each group's share change between the first and last window: among models in both, entrants and leavers."""
    input:
        blocks=block_tables("credited"),
        attributed=expand(ATTRIBUTED_WEEK, date=SNAPSHOT_DATES),
    output:
        table=report(COMPOSITION, caption="../report/table.rst", category="Tables"),
    log:
        "logs/composition.log",
    benchmark:
        "benchmarks/composition.tsv"
    params:
        code=run_code(log_to, "hubshare.analysis.composition"),
        settings={"blocks": list(BLOCKS), "periods": config["periods"], "measure": PANEL_MEASURE},
    run:
        from hubshare.analysis.composition import composition_file

        with log_to(log[0]):
            composition_file(input, params.settings, output.table)
