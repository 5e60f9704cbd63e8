# Anode: build with `docker build -t anode .`, run with
#   docker run -v anode-data:/data -p 50001:50001 -e DAEMON_URL=http://user:pass@bitcoind:8332 anode
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc -p . && npm prune --omit=dev

FROM node:24-bookworm-slim
# rocksdb-native's prebuilt binary links libatomic.
RUN apt-get update && apt-get install -y --no-install-recommends libatomic1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY coins ./coins
# Two malloc arenas: with a dozen threads (libuv, V8, RocksDB, the fetch worker) glibc's per-thread
# arenas fragment; measured 1.37-1.53 GB peak RSS in the sync benchmark without, 1.20 GB with.
ENV NODE_ENV=production \
    DB_DIRECTORY=/data \
    MALLOC_ARENA_MAX=2
VOLUME /data
# Electrum tcp, ssl, ws, wss (the coin file's defaults; SERVICES chooses what listens).
EXPOSE 50001 50002 50003 50004
USER node
# A larger young generation: sync allocates many short-lived objects (measured in docs/benchmarks.md).
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/src/cli/main.js"]
CMD ["serve"]
