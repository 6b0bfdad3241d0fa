# Registration tokens are deprecated since GitLab 15.6 and disabled by default since 17.0.
# Prefer creating the runner in GitLab (or POST /user/runners) and registering with its glrt- token.
# Paste the registration token at the prompt (not echoed): the token stays out of the command line, where `ps`
# would show it to every user of the machine.
read -rs REGISTRATION_TOKEN && export REGISTRATION_TOKEN
sudo --preserve-env=REGISTRATION_TOKEN gitlab-runner register --non-interactive \
  --url https://gitlab.example.com \
  --description 'My Docker Runner' \
  --executor docker \
  --tag-list docker,linux \
  --run-untagged=false \
  --locked=true \
  --access-level=ref_protected \
  --docker-image docker:29-cli \
  --docker-volumes /var/run/docker.sock:/var/run/docker.sock \
  --docker-volumes /cache
unset REGISTRATION_TOKEN
