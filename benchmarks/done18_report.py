"""The Markdown of benchmarks/done18.py's measurements (each done-when line of issue 18 with
its target, the measured number and met / not met), as benchmarks/results.md shows it."""

from __future__ import annotations

from typing import Any


def _yes(met: bool) -> str:
    return "**met**" if met else "**not met**"


def _procs(m: dict[str, Any]) -> str:
    return ", ".join(f"{p['role']} {p['peak_mb']:.0f}" for p in m["processes"])


def _cpu(m: dict[str, Any]) -> str:
    roles: dict[str, float] = {}
    for p in m["processes"]:
        roles[p["role"]] = roles.get(p["role"], 0.0) + p["cpu_s"]
    return ", ".join(f"{role} {cpu:.1f}" for role, cpu in roles.items())


def render_done18(d: dict[str, Any]) -> list[str]:
    e, c, r, b, a, m = (d[k] for k in ("engine", "calibrate", "run", "big", "actors", "mesa"))
    full = min(r["attempts"]["full"], key=lambda x: x["seconds"])
    summ = min(r["attempts"]["summary"], key=lambda x: x["seconds"])
    cal = {(x["workers"], x["pool"]): x["seconds"] for x in c["rows"]}
    lines = [
        "| done when (issue 18) | target | measured | |",
        "|---|---|---|---|",
        f"| calibration, 2 workers vs 1 ({c['fits']} fits of make validate-model, population "
        f"{c['population']}) | ≤ 1× | {cal[(2, 'pool')]} s vs {cal[(1, 'pool')]} s: "
        f"**{c['two_over_one']}×** (a pool per ensemble: {cal[(2, 'per-ensemble')]} s, "
        f"{c['fresh_pools_over_one']}×) | {_yes(c['met'])} |",
        f"| run -n {r['replications']:,} --steps 200 --workers 2, full series + charts vs "
        f"summary, no plots: wall | ≤ 2× | {full['seconds']} s vs {summ['seconds']} s: "
        f"**{r['ratio_wall']}×** (CPU {full['cpu_seconds']} s vs {summ['cpu_seconds']} s: "
        f"{r['ratio_cpu']}×) | {_yes(r['met_time'])} |",
        f"| … full series + charts: peak RSS of every process (MB) | < 1,024 each | "
        f"{_procs(full)} | {_yes(r['met_memory'])} |",
        f"| engine alone, µs per replication-step, numba 1 thread vs numpy ({e['replications']}"
        f" × {e['steps']}, CPU) | ≤ 1.5 µs and ≤ 0.25× | **{e['numba_us']}** vs "
        f"{e['numpy_us']}: **{e['ratio']}×** | {_yes(e['met'])} |",
        f"| run -n {b['replications']:,} --steps 200 --workers 2 --series summary --no-plots |"
        f" ≤ 60 s | **{b['seconds']} s** wall, {b['cpu_seconds']} s CPU in all processes | "
        f"{_yes(b['met'])} |",
        f"| actors: 200-actor cost ÷ 6-actor cost, numba vs numpy | ≤ 2× numpy's ratio, or "
        f"the exponent documented | {a['ratio_200_over_6']['numba']} vs "
        f"{a['ratio_200_over_6']['numpy']}; exponent numba {a['numba_exponent']} "
        f"({a['numba_exponent_50_200']} from 50 to 200), numpy {a['numpy_exponent']} | "
        f"{_yes(a['met'])} |",
        f"| Mesa ratio, mesa.batch_run vs numba ensemble, both given the loaded scenario, "
        f"{m['replications']} × {m['steps']} | ≥ 100× | {m['mesa_seconds']} s vs "
        f"{m['loaded_seconds_best']} s: **{m['ratio_loaded']}×** (the ensemble loading the "
        f"YAML inside its timing: {m['ratio_best']}×, first call {m['ratio_first']}×) | "
        f"{_yes(m['met'])} |",
        "",
        "1-minute load when each line started / ended: "
        + ", ".join(
            f"{k} {d[k]['load_before']}/{d[k]['load_after']}"
            for k in ("engine", "calibrate", "run", "big", "actors", "mesa")
        )
        + ".",
        "",
    ]
    s = e["spans"]
    lines += [
        f"Kernel threads in one-step spans (full series; {s['replications']} replications × "
        f"{s['steps']} calls): all {s['all']['threads']} threads {s['all']['wall_s']} s wall, "
        f"{s['all']['cpu_s']} s CPU; one thread {s['one']['wall_s']} s wall, "
        f"{s['one']['cpu_s']} s CPU.",
        "",
        "Every attempt of the run line (wall s, CPU s, largest process MB): "
        + "; ".join(
            f"{case} "
            + ", ".join(
                f"({x['seconds']}, {x['cpu_seconds']}, {x['largest_process_mb']})" for x in rows
            )
            for case, rows in r["attempts"].items()
        )
        + f". CPU seconds by process of the best attempts: full ({_cpu(full)}); summary "
        f"({_cpu(summ)})" + f". Full series on disk: {full.get('disk_mb', '?')} MB.",
        "",
        "Measured: "
        + "; ".join(
            f"{k}: {d[k]['command']}"
            for k in ("calibrate", "run", "engine", "big", "actors", "mesa")
        )
        + ".",
        "",
    ]
    return lines
