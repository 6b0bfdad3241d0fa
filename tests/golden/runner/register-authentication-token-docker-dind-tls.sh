sudo gitlab-runner register --non-interactive \
  --url https://gitlab.example.com \
  --token "$RUNNER_TOKEN" \
  --description 'My Docker Runner' \
  --executor docker \
  --docker-image docker:29-cli \
  --docker-privileged \
  --docker-volumes /certs/client \
  --docker-volumes /cache
