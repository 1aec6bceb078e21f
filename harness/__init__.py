"""What the template's tests, benchmarks and docs share: baking a project, and real
peers on 127.0.0.1 (an SMTP inbox, gunicorn). It imports none of them."""
