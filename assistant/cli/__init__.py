"""The `policydesk` command line (main.py; approvals and coverage commands beside it). Nothing imports it."""
