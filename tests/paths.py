"""Where the project's own files are, for tests that read the checkout (compose, Docker, the CLI's cwd)."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
