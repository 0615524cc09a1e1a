"""Benchmarks and the fault-injection run: `schedulebot bench` and `schedulebot chaos` (issue 8).

Every figure these modules print is measured on the machine they run on; nothing here asserts a
timing. Each benchmark gets a private PostgreSQL database and a leased Redis db number.
"""
