"""Employer eligibility files: what the bff and the worker share.

`files` holds every statement that writes `eligibility_files`; `reports` names the processing
report the worker writes next to each roster (and that the bff refuses as a roster).
"""
