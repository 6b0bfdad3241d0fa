sudo gitlab-runner register --non-interactive \
  --url https://gitlab.example.com \
  --token "$RUNNER_TOKEN" \
  --description 'My Docker Runner' \
  --executor shell
