# syntax=docker/dockerfile:1
# ppro-kakaopay-sandbox: compile and bundle the TypeScript, then ship the bundle (with its loader and code cache), the fixtures and the dashboard.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
# The build starts the bundle once so that it writes its V8 code cache (dist/bundle/code-cache/), which
# needs the fixtures and the dashboard beside it.
COPY fixtures ./fixtures
COPY dashboard ./dashboard
RUN npm run build

FROM node:22-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
# The bundle holds the sandbox and its runtime dependencies: no node_modules in the image. Its code cache
# was written by the build stage's Node, the same image as this one.
COPY --from=build /app/dist/bundle ./dist/bundle
COPY fixtures ./fixtures
COPY dashboard ./dashboard
# Durable mode's folder (DATA_DIR=/data): owned by the non-root user, so a volume mounted there is writable.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# node runs as PID 1 and handles SIGTERM itself (src/server.ts closes the server gracefully).
CMD ["node", "dist/bundle/server.mjs"]
