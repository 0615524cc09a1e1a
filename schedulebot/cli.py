"""The `schedulebot` console script: one subcommand per process or tool, each in its own package."""

from __future__ import annotations

import importlib
import sys

# subcommand -> ("module:function", one-line help); ".x" is schedulebot.x. Each function takes the remaining argv.
COMMANDS: dict[str, tuple[str, str]] = {
    "migrate": ("storage.migrate:cli", "bring the database to the newest schema (the Procfile's release step)"),
    "rotate-key": ("storage.rekey:cli", "re-encrypt stored Slack tokens under the first key of SCHEDULEBOT_SECRET_KEY"),
    "parse": ("scheduling.cli:cli", "parse a schedule phrase and print its next runs"),
    "web": ("bot.cli:cli", "serve the Slack app on $PORT (HTTP; Socket Mode too when SLACK_APP_TOKEN is set)"),
    "worker": ("tasks.cli:worker", "run a Celery worker that fires due runs (the Procfile's worker)"),
    "beat": ("tasks.cli:beat", "run Celery beat, which ticks every SCHEDULEBOT_TICK_SECONDS (the Procfile's beat)"),
    "flower": ("tasks.flower:cli", "Celery's Flower dashboard, on localhost unless FLOWER_BASIC_AUTH is set"),
    "tick": ("tasks.cli:tick", "claim and enqueue what is due now, once"),
    "run": (".launcher:cli", "migrate and run web, worker and beat on working defaults, with a console if no Slack"),
    "bench": (".bench.cli:cli", "measure the performance claims: --quick (default, under 3 minutes) or --full; --json"),
    "chaos": (".bench.cli:chaos_cli", "run the whole stack under faults and reconcile Slack against the runs table"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return (
        "usage: schedulebot COMMAND [ARGS...]\n\ncommands:\n"
        + "\n".join(lines)
        + "\n\n"
        + ("Run `schedulebot COMMAND --help` for a command's options.")
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"schedulebot: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, function_name = COMMANDS[name][0].split(":")
    function = getattr(importlib.import_module(module_name, __package__), function_name)
    return int(function(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
