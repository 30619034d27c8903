# LogoLab API / worker image, multi-stage: `deps` installs, `build` compiles and prunes to production
# dependencies, `runtime` holds only what runs, as the unprivileged user `logolab`.
# CPU by default; for the GPU variant build with
#   --build-arg BASE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 --build-arg TFJS=@tensorflow/tfjs-node-gpu
# (tfjs-node-gpu 4.22 targets CUDA 11.2 / cuDNN 8.1). Checked by test/deploy/dockerfile.test.ts.
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS node-base
# CUDA base images carry no Node.js: install Node 20 there.
RUN command -v node >/dev/null || (apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
      && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*)

FROM node-base AS deps
ARG TFJS=@tensorflow/tfjs-node
WORKDIR /app
COPY package.json package-lock.json ./
# The web client is an npm workspace: its manifest must be there for `npm ci`.
COPY web-client/package.json web-client/
# The native TensorFlow package downloads libtensorflow in its install script: allow exactly that one.
RUN npm ci --no-audit --no-fund && (npm rebuild ${TFJS} --foreground-scripts || echo "native TensorFlow unavailable; using wasm")

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node-base AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 LOGOLAB_HOME=/var/lib/logolab
RUN groupadd --system --gid 10001 logolab \
    && useradd --system --uid 10001 --gid logolab --home-dir /var/lib/logolab --shell /usr/sbin/nologin logolab \
    && mkdir -p /var/lib/logolab && chown logolab:logolab /var/lib/logolab
# What runs: the compiled code, its production dependencies, the migrations and the background photos.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/data ./data
USER logolab
EXPOSE 4000
VOLUME ["/var/lib/logolab"]
# `serve` answers /healthz on PORT; `worker` on LOGOLAB_METRICS_PORT (it has no API port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=process.env.LOGOLAB_METRICS_PORT||process.env.PORT||4000;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/logolab.js"]
CMD ["serve"]
