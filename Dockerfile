# Clicklake server image (used by `clicklake deploy aws` for ECS Fargate; also runs anywhere with Docker).
# Stage 1 installs every dependency and builds dist/ (TypeScript, tracker, demo, dashboard UI when present);
# stage 2 keeps the production dependencies and the build, and runs as the unprivileged `node` user.
# ECS checks health through the load balancer (GET /healthz), so the image has no HEALTHCHECK.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
RUN npx tsc -p tsconfig.json \
  && node scripts/build-tracker.mjs \
  && if [ -f scripts/build-ui.mjs ]; then node scripts/build-ui.mjs; fi \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    CLICKLAKE_HOST=0.0.0.0 \
    CLICKLAKE_PORT=8080 \
    CLICKLAKE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
CMD ["node", "bin/clicklake.js", "start"]
