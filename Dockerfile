# Production image: build with dev dependencies, run with production ones only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY curations ./curations
# tsc, then the console's CodeMirror bundle (bin/build-console.js → dist/console/).
RUN npm run build \
 && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=sqlite:/app/data/curation.db
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY curations ./curations
COPY src/server/console/static ./src/server/console/static
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# V8 flags and the C library's malloc setting: src/cli/node-flags.ts says why.
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=4", "dist/src/cli/main.js", "start"]
