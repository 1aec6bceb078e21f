# Read by the `flask` command (python-dotenv). Production sets its own environment.
FLASK_APP={{ cookiecutter.package_name }}
FLASK_CONFIG=development
FLASK_DEBUG=1
