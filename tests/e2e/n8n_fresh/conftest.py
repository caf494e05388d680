"""The stack configured like a new user's (tests/e2e/n8n_fresh/test_fresh_stack.py).

Its own package, so that its n8n starts after the shared n8n of tests/e2e/n8n has stopped: two
n8n at once (a boot with its imports, beside the other's schedules every 2 s) only slow both
down on two cores, and slow is where timing-dependent tests fail."""
