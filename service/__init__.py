"""docproc HTTP service (FastAPI): a thin shell over ``docproc.process``."""
