helm repo add gitlab https://charts.gitlab.io
helm repo update gitlab
kubectl create namespace gitlab-runner --dry-run=client -o yaml | kubectl apply -f -
# Paste the runner's glrt- token at the prompt (not echoed): it goes into a Kubernetes secret through stdin,
# never into the values file or the command line.
read -rs CI_SERVER_TOKEN && export CI_SERVER_TOKEN
printf '%s' "$CI_SERVER_TOKEN" | kubectl create secret generic gitlab-runner-secret --namespace gitlab-runner \
  --from-file=runner-token=/dev/stdin --from-literal=runner-registration-token= \
  --dry-run=client -o yaml | kubectl apply -f -
unset CI_SERVER_TOKEN
helm upgrade --install gitlab-runner gitlab/gitlab-runner --namespace gitlab-runner -f gitlab-runner-values.yaml
