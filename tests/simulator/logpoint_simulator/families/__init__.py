"""API families: one module and one Flask blueprint each, registered in `app.FAMILIES`."""
