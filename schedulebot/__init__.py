"""schedulebot's application shell: settings, the `schedulebot` CLI, the launcher, telemetry, benchmarks.

Kept empty of imports so that `import schedulebot.config` loads only the settings.
"""
