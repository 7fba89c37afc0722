"""The scheduler role's jobs: declared in `catalog`, run by `runner.Scheduler` on every replica.

The run rows, leases and advisory locks that make each (job, slot) run once
across replicas live in `shared.jobs` (the ops command line uses them too).
"""
