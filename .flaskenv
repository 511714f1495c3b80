# Read by the `flask` command in a checkout (python-dotenv): a checkout is for development.
# gunicorn and celery never read this file, so a deployment stays production unless told.
# Variables already set in the environment win over these.
FLASK_APP=engage
ENGAGE_ENV=development
