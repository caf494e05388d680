"""French sentences both sides of the protocol send: Claude reads them when a tool is denied.

The hub and the agent can each end a permission without a tool running (the phone denied it
without a reason, or nobody decided in time); the same words reach Claude whichever side did it.
"""

from __future__ import annotations

# A deny from the phone that gave no reason of its own.
DENIED_BY_PHONE = "Refusé depuis le téléphone."
# Nobody decided before the permission timed out (on the hub or on the agent).
NO_DECISION_IN_TIME = "Aucune décision reçue du téléphone à temps : outil refusé."
