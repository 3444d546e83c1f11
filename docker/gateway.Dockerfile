# syntax=docker/dockerfile:1.7
# gateway: HTTP 8080 (REST, camera ingest, /healthz, /readyz, /metrics).
# Build from the repository root:  docker build -f docker/gateway.Dockerfile -t ghcr.io/imageflow/gateway:0.1.0 .
# Multi-stage: build (all dependencies, nx build) → deps (production dependencies only) → runtime (non-root,
# read-only app files, no secrets: every credential comes from the environment at run time).
# The Node version here, .nvmrc and package.json "engines" must agree (checked by tools/checks and e2e/deploy).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run gateway:build --outputStyle=stream && npx nx run web:build --outputStyle=stream

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, so the app user cannot change its own code (the pods also mount / read-only).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist/apps/gateway ./dist
# The web UI, served at / (WEB_DIST_DIR); a cluster may serve it from elsewhere and leave this unused.
COPY --from=build /src/dist/apps/web ./web
ENV WEB_DIST_DIR=/app/web
# Listen on all interfaces inside the container (the apps default to 127.0.0.1 for single-machine runs).
ENV HTTP_HOST=0.0.0.0
EXPOSE 8080
USER node
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/gateway/src/main.js"]
