# Paste the runner's glrt- token at the prompt (not echoed): the token stays out of the command line, where `ps`
# would show it to every user of the machine.
read -rs CI_SERVER_TOKEN && export CI_SERVER_TOKEN
sudo --preserve-env=CI_SERVER_TOKEN gitlab-runner register --non-interactive \
  --url https://gitlab.example.com \
  --description 'My Docker Runner' \
  --executor docker \
  --docker-image docker:29-cli \
  --docker-volumes /var/run/docker.sock:/var/run/docker.sock \
  --docker-volumes /cache
unset CI_SERVER_TOKEN
