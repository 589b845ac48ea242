"""API routers: system (health/ready/version), documents, review (corrections), jobs, tasks (the feed)."""
