"""`python -m bff`: serve the backend-for-frontend (port 8080 unless PORT is set)."""

from bff.app import DEFAULT_PORT, SERVICE_NAME, create_app
from shared.process import run_role

if __name__ == "__main__":
    run_role(SERVICE_NAME, DEFAULT_PORT, create_app)
