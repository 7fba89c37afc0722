"""The job framework: what the scheduler role and the ops command line need.

`job` declares a job and gives each run its `JobContext`; `runner.Scheduler`
is the loop every replica runs; `role` makes it an app (health, shutdown);
`runs` holds the run rows with their advisory lock, leases and fencing (which
`python -m shared.ops jobs ...` reads and writes too, so the command line finds
the jobs the scheduler registered without importing them); `schedule` the cron
slots and catch-up policies; `clock` the injected clock. Which jobs exist is
composition: `gateway/scheduler.py` lists each feature's jobs.
"""
