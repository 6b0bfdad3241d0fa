# Registration tokens are deprecated since GitLab 15.6 and disabled by default since 17.0.
# Prefer creating the runner in GitLab (or POST /user/runners) and registering with its glrt- token.
sudo gitlab-runner register --non-interactive \
  --url https://gitlab.example.com \
  --registration-token "$RUNNER_TOKEN" \
  --description 'My Docker Runner' \
  --executor docker \
  --tag-list docker,linux \
  --run-untagged=false \
  --locked=true \
  --access-level=ref_protected \
  --docker-image docker:29-cli \
  --docker-volumes /var/run/docker.sock:/var/run/docker.sock \
  --docker-volumes /cache
