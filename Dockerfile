# edge-phone-auth outside Cloudflare: the Worker's bundles served by workerd
# (Cloudflare's open-source Workers runtime). docs/self-hosting.md explains
# the three configs; test/node/dockerfile.test.ts lints this file.
#
#   docker build -t edge-phone-auth .
#   docker run --rm -p 8080:8080 --env-file prod.env -v edge-auth-data:/data edge-phone-auth embedded
#
# Base images are pinned by tag. To pin a digest too, look it up with
#   docker buildx imagetools inspect node:22-bookworm-slim
# and write `FROM node:22-bookworm-slim@sha256:<digest> AS build` (likewise
# for debian:bookworm-slim); Dependabot or Renovate can keep digests current.
#
# The workerd binary copied below is the linux-x64 build (amd64 images only):
# npm installs @cloudflare/workerd-linux-arm64 instead on an arm64 builder.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# dist/workerd/default/index.js and dist/workerd/mongo/index.js (wrangler
# deploy --dry-run --outdir) and public/ (the static assets).
RUN npm run build:workerd

FROM debian:bookworm-slim
# CA certificates: the system trust store for outbound TLS (SMS providers,
# Upstash, MongoDB); config.capnp also trusts the browsers' CAs.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid/gid (10001) that Kubernetes' runAsUser can name; /data
# (Durable Object and SQLite storage) is the only place the process writes.
RUN groupadd --system --gid 10001 app \
  && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
  && mkdir /data \
  && chown 10001:10001 /data
WORKDIR /app
# Code and config stay root-owned and read-only for the app user, so the
# container also runs with a read-only root filesystem.
COPY --from=build /app/node_modules/@cloudflare/workerd-linux-64/bin/workerd /usr/local/bin/workerd
COPY --from=build /app/dist/workerd /app/dist/workerd
COPY --from=build /app/public /app/public
COPY --from=build /app/deploy/workerd /app/deploy/workerd
COPY --from=build /app/migrations /app/migrations
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
# No HEALTHCHECK: the image has no curl or wget (nor anything else that speaks
# HTTP besides workerd), and adding one only for that would enlarge it. The
# orchestrator checks GET /healthz and GET /readyz on port 8080 instead
# (deploy/k8s: liveness and readiness probes).
ENTRYPOINT ["/usr/local/bin/workerd", "serve", "--experimental", "/app/deploy/workerd/config.capnp"]
# The config to serve: embedded (the default), production or productionMongo.
CMD ["embedded"]
