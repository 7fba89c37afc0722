"""Scheduled-job runs shared by the scheduler role and the ops command line.

The job definitions live in `gateway/jobs`; what both the scheduler and
`python -m shared.ops jobs ...` need lives here: the injected clock
(`clock`), cron slots and catch-up policies (`schedule`), and the run rows
with their advisory lock, leases and fencing (`runs`).
"""
