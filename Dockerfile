# LogoLab API / worker image. CPU by default; build with
#   --build-arg BASE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 --build-arg TFJS=@tensorflow/tfjs-node-gpu
# for the GPU variant (tfjs-node-gpu 4.22 targets CUDA 11.2 / cuDNN 8.1).
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
ARG TFJS=@tensorflow/tfjs-node
WORKDIR /app
ENV HOST=0.0.0.0 PORT=4000 LOGOLAB_HOME=/var/lib/logolab
# CUDA base images carry no Node.js: install Node 20 there.
RUN command -v node >/dev/null || (apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
      && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*)
COPY package.json package-lock.json ./
# The web client is an npm workspace: its manifest must be there for `npm ci`.
COPY web-client/package.json web-client/
# The native TensorFlow package downloads libtensorflow in its install script: allow exactly that one.
RUN npm ci --no-audit --no-fund && (npm rebuild ${TFJS} --foreground-scripts || echo "native TensorFlow unavailable; using wasm")
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 4000
VOLUME ["/var/lib/logolab"]
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:4000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/logolab.js"]
CMD ["serve"]
