"""`python -m assistant.cli`: the `policydesk` command."""

from assistant.cli.main import main

main()
