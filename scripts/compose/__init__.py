"""GMBot's images and docker-compose.yml, run for real with podman and podman-compose
(`make containers`, `python -m scripts.compose`).

1. Builds every image of the Dockerfile (`podman build --format docker`, so HEALTHCHECKs stay)
   and reports its size (images).
2. Brings the compose stack up as an operator would (an env file from deploy/new-env.sh), with the
   Bot API sandbox as Telegram (deploy/compose.sandbox.yml): PostgreSQL, Redis, both migrations,
   the four services, the webhook proxy and Prometheus; waits for each container's own
   HEALTHCHECK and plays the demo story through the containers (polling).
3. Webhook mode with per-caller tokens: three gateways behind the proxy, the story again, the
   operator's token accepted and an internal caller's refused, Prometheus scraping all three
   gateways (webhook).
4. A rolling restart under load: two replicas of each backend, a steady stream of members writing,
   every container replaced one at a time, then nothing lost and nothing done twice (rolling).
5. Takes the stack down (volumes too) and prints the figures and timings.

Needs root, podman and podman-compose (scripts/podman-setup.sh installs them); `make containers`
runs both. Exit 0 when every step passed.
"""
