# syntax=docker/dockerfile:1
# Production image: TypeScript compiled to dist/, the default face model's ONNX weights and
# thresholds beside it (onnxruntime-node's CPU binaries ship in its npm package; .npmrc skips its
# CUDA download), the native TensorFlow backend for FACE_MODEL=faceapi (@tensorflow/tfjs-node,
# whose install step downloads libtensorflow: fine in an image build with network, never required
# by `npm ci` on a developer machine), ffmpeg for camera streams, non-root, HEALTHCHECK on /healthz.

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Allow the optional native backend's install script here (it is denied for local installs).
RUN node -e "const f='package.json',p=require('./'+f);p.allowScripts['@tensorflow/tfjs-node']=true;require('fs').writeFileSync(f,JSON.stringify(p,null,2))" \
 && npm ci --no-audit --no-fund \
 && node -e "require('@tensorflow/tfjs-node')"
COPY tsconfig.json tsconfig.build.json ./
COPY service ./service
COPY index ./index
COPY models ./models
RUN npm run build \
 && cp -r service/db/migrations dist/service/db/migrations && cp -r service/db/keystore-migrations dist/service/db/keystore-migrations \
 && cp -r service/console dist/service/console && rm -f dist/service/console/*.test.* \
 && cp -r models/weights dist/models/weights && cp -r models/thresholds dist/models/thresholds \
 && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 VISAGE_DATA_DIR=/var/lib/visage
WORKDIR /app
# ffmpeg pulls the cameras' RTSP / MJPEG streams (Debian's package).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 visage && useradd --system --uid 10001 --gid visage --home /app visage \
 && mkdir -p /var/lib/visage && chown visage:visage /var/lib/visage
COPY --from=build --chown=visage:visage /app/node_modules ./node_modules
COPY --from=build --chown=visage:visage /app/dist ./dist
COPY --from=build --chown=visage:visage /app/package.json ./package.json
# Numeric, so that Kubernetes can check runAsNonRoot.
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/service/main.js"]
