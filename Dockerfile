# syntax=docker/dockerfile:1
# One build, three images that differ only in their default command:
#   docker build --target operator -t ghcr.io/zajoni/zajoni-operator:<version> .
#   docker build --target relay    -t ghcr.io/zajoni/zajoni-relay:<version> .
#   docker build --target api      -t ghcr.io/zajoni/zajoni-api:<version> .
# Node 24 runs the TypeScript sources directly (type stripping: the code uses only erasable
# syntax and .ts import paths), so there is no build step and tsx is not shipped.

ARG NODE_IMAGE=node:24-slim

# Production dependencies only. argon2 ships a glibc prebuild, so no compiler is needed.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# .dockerignore is an allowlist: package.json (for the #shared import map), the services'
# sources without tests, and the SQL migrations. Files stay root-owned and read-only to the
# process user.
COPY . .
RUN printf '#!/bin/sh\nexec node /app/api/src/cli.ts "$@"\n' > /usr/local/bin/zajoni-admin \
  && chmod 0755 /usr/local/bin/zajoni-admin
# The base image's unprivileged "node" user, by number so runAsNonRoot can verify it.
USER 1000:1000

FROM runtime AS operator
EXPOSE 8080
CMD ["node", "operator/src/main.ts"]

FROM runtime AS relay
EXPOSE 2587 2465
CMD ["node", "--import", "./relay/src/telemetry/register.ts", "relay/src/main.ts"]

# Last, so a plain `docker build .` gives the API image.
FROM runtime AS api
EXPOSE 4000
CMD ["node", "--import", "./api/src/telemetry/register.ts", "api/src/main.ts"]
