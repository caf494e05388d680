"""`python -m solo_brain` runs the `solo-brain` command."""

from solo_brain.cli import main

main()
