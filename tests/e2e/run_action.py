#!/usr/bin/env python3
"""Runs the steps of a composite GitHub Action (action.yml) locally, as the runner would: each
`run:` script in bash -eo pipefail with GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ACTION_PATH and
RUNNER_TEMP, `env:` and `if:` expressions over inputs and earlier step outputs. `uses:` steps are
not run; their resolved `with:` is recorded. Writes a JSON summary of every step.

Usage: run_action.py ACTION_YML --workspace DIR --runner-temp DIR --summary FILE [--input NAME=VALUE]...
Exits with the status of the first failing step, 0 when all pass.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def value_of(expr, ctx):
    """The few expression forms action.yml uses: names, 'literals', ==, ||."""
    expr = expr.strip()
    if "||" in expr:
        for part in expr.split("||"):
            value = value_of(part, ctx)
            if value:
                return value
        return ""
    if "==" in expr:
        left, right = expr.split("==", 1)
        return "true" if value_of(left, ctx) == value_of(right, ctx) else ""
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    parts = expr.split(".")
    if parts[0] == "inputs":
        return ctx["inputs"].get(parts[1], "")
    if parts[0] == "steps" and parts[2] == "outputs":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    if expr == "runner.temp":
        return ctx["runner_temp"]
    if expr == "github.action_path":
        return ctx["action_path"]
    raise SystemExit(f"run_action.py: unsupported expression: {expr}")


def substitute(text, ctx):
    return EXPR.sub(lambda m: value_of(m.group(1), ctx), str(text))


def read_pairs(path):
    """NAME=VALUE lines of a GITHUB_OUTPUT file (the heredoc form is not used by action.yml)."""
    pairs = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if "=" in line:
                name, value = line.rstrip("\n").split("=", 1)
                pairs[name] = value
    return pairs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--runner-temp", required=True)
    parser.add_argument("--summary", required=True)
    parser.add_argument("--input", action="append", default=[])
    args = parser.parse_args()

    action = yaml.safe_load(open(args.action, encoding="utf-8"))
    assert action["runs"]["using"] == "composite", action["runs"]
    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for item in args.input:
        name, value = item.split("=", 1)
        if name not in inputs:
            raise SystemExit(f"run_action.py: action.yml has no input {name}")
        inputs[name] = value
    ctx = {
        "inputs": inputs,
        "steps": {},
        "runner_temp": os.path.abspath(args.runner_temp),
        "action_path": os.path.dirname(os.path.abspath(args.action)),
    }
    os.makedirs(ctx["runner_temp"], exist_ok=True)
    path_file = os.path.join(ctx["runner_temp"], "github_path")
    open(path_file, "w").close()
    summary = []
    status = 0
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{index}")
        record = {"id": step_id}
        summary.append(record)
        condition = step.get("if")
        if condition is not None and not value_of(EXPR.sub(lambda m: m.group(1), str(condition)), ctx):
            record["status"] = "skipped"
            continue
        if "uses" in step:
            record["status"] = "not run"
            record["uses"] = step["uses"]
            record["with"] = {k: substitute(v, ctx) for k, v in step.get("with", {}).items()}
            continue
        assert step.get("shell") == "bash", f"step {step_id}: shell must be bash"
        output_file = os.path.join(ctx["runner_temp"], f"output-{step_id}")
        open(output_file, "w").close()
        env = dict(os.environ)
        extra_path = [line.strip() for line in open(path_file) if line.strip()]
        env["PATH"] = os.pathsep.join(list(reversed(extra_path)) + [env["PATH"]])
        env.update({
            "GITHUB_ACTION_PATH": ctx["action_path"],
            "GITHUB_WORKSPACE": os.path.abspath(args.workspace),
            "GITHUB_OUTPUT": output_file,
            "GITHUB_PATH": path_file,
            "RUNNER_TEMP": ctx["runner_temp"],
        })
        env.update({k: substitute(v, ctx) for k, v in step.get("env", {}).items()})
        stdout_file = os.path.join(ctx["runner_temp"], f"stdout-{step_id}")
        with open(stdout_file, "w") as out:
            # What the runner runs for shell: bash.
            result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                    cwd=args.workspace, env=env, stdout=out)
        record["exit_code"] = result.returncode
        record["stdout"] = stdout_file
        record["outputs"] = ctx["steps"][step_id] = read_pairs(output_file)
        record["status"] = "passed" if result.returncode == 0 else "failed"
        if result.returncode != 0:
            status = result.returncode
            break
    json.dump(summary, open(args.summary, "w"), indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
