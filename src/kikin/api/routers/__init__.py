"""One module per resource of the API (see kikin.api.api)."""
