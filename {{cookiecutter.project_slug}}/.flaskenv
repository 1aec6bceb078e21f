# Read by every `flask` command (python-dotenv), here and on a server alike.
# Development settings live in .env, which is never committed: without it, as on a
# server, the app runs in production.
FLASK_APP={{ cookiecutter.package_name }}
