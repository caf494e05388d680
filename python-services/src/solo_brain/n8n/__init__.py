"""The local n8n: install it, fill its credentials from the environment, import and activate the
workflows of `n8n-workflows/`, and run it with a dedicated N8N_USER_FOLDER."""
