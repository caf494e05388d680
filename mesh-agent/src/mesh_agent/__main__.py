"""`python -m mesh_agent` runs the mesh-agent command (the installed hook uses this form)."""

from mesh_agent.cli import main

main()
