# syntax=docker/dockerfile:1
# One image for every process of okta-account-access: the worker (default command), the HTTP API and
# the codec server (client/http-api/main.ts), compiled to JavaScript at build time (`npm run build`):
# no TypeScript at run time, about 40 MB less memory per process than through tsx.
# No secrets in the image: every credential comes from the environment at run time (Kubernetes
# Secrets in deploy/k8s/). Build: docker build -t okta-account-access .

ARG NODE_IMAGE=node:20.19-bookworm-slim

# Production dependencies only (no TypeScript compiler, linters or test tools). Debian, not Alpine:
# the Temporal SDK's native core ships for glibc.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Compiled with the full dependency tree (the TypeScript compiler is a development dependency), and
# the workflows bundled once from the compiled files: workers start without webpack (seconds sooner,
# less memory) and every replica runs the identical bundle.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json temporal.config.ts ./
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY client ./client
COPY scripts/bundle-workflows.ts scripts/build.mjs ./scripts/
RUN node scripts/build.mjs dist && node dist/scripts/bundle-workflows.js /app/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, read-only for the app user: the running process cannot change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/workflow-bundle.js ./workflow-bundle.js
ENV WORKFLOW_BUNDLE_PATH=/app/workflow-bundle.js
# The official image's unprivileged user (uid 1000).
USER node
# worker health + metrics, HTTP API, codec server
EXPOSE 9464 8090 8888
ENTRYPOINT ["node"]
CMD ["dist/workers/main.js"]
