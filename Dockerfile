# The drillctl worker image (docker-compose.yml). Node 20, production dependencies, compiled lib/.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/*
# The data folder exists in the image and belongs to `node`, so a named volume mounted there starts
# with that ownership and the worker can write reports and snapshots into it.
RUN mkdir -p /var/lib/drillctl && chown node:node /var/lib/drillctl
WORKDIR /app
# MALLOC_ARENA_MAX: see src/temporal/worker-process-env.ts (bounds the worker's native memory).
ENV NODE_ENV=production \
    DRILLCTL_HOME=/var/lib/drillctl \
    MALLOC_ARENA_MAX=2
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json ./
COPY bin ./bin
USER node
EXPOSE 9464
CMD ["node", "bin/drillctl.js", "worker"]
