# digitbot container image, two targets:
#   slim (default): serves predictions; no TensorFlow, so /retrain explains how to enable it.
#   full: adds the `train` extra (TensorFlow) so admins can /retrain from the chat.
# Build:  docker build --target slim -t digitbot:slim .
# Run:    docker run --env-file .env -v digitbot_data:/data digitbot:slim  (or: docker compose up -d)
# The base is an argument so the image also builds on a locally made Debian base (see README).
ARG BASE=python:3.12-slim

# ---- build stages: a virtual environment per target, copied whole into the runtime stage ----

FROM ${BASE} AS build-base
WORKDIR /src
# pip trusts the system bundle explicitly: a build behind a TLS proxy lends its own bundle at that
# path as a read-only mount for the RUN steps only, so no certificate is written into a layer.
ENV PATH=/opt/venv/bin:$PATH \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
# pyproject.toml without the sources: installing it pulls the dependencies into a layer of
# their own, so editing the code or the docs does not download them again. The README it names
# only has to exist here; the real one comes with the sources.
COPY pyproject.toml ./
RUN touch README.md

# The code the image runs; the emulator and the tests stay out (see .dockerignore).
FROM scratch AS sources
COPY README.md LICENSE /src/
COPY bot/ /src/bot/
COPY recognizer/ /src/recognizer/
COPY training/ /src/training/

FROM build-base AS venv-slim
RUN pip install .
COPY --from=sources /src/ ./
# Replaces the source-less distribution above; pip is then dropped, the running bot never needs it.
RUN pip install --no-deps --force-reinstall . && pip uninstall --yes pip

FROM build-base AS venv-full
RUN pip install "./[train]"
COPY --from=sources /src/ ./
RUN pip install --no-deps --force-reinstall . && pip uninstall --yes pip

# ---- runtime: what both targets share ----

FROM ${BASE} AS runtime
# The model is shipped read-only in the image; everything the bot writes (database, retrained
# models, heartbeat, Keras' MNIST download under HOME) goes to the /data volume.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/data \
    DATA_DIR=/data \
    MODEL_DIR=/app/models
RUN groupadd --gid 10001 digitbot \
    && useradd --uid 10001 --gid digitbot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin digitbot \
    && mkdir /data \
    && chown digitbot:digitbot /data
COPY models/ /app/models/
WORKDIR /app
VOLUME ["/data"]
USER 10001:10001
# On SIGTERM the bot finishes the answers in progress (without retrying failed calls), leaves
# updates not yet started stored for its next start, stops a running retrain and closes its
# database. Give it 30 s: compose.yaml's stop_grace_period, `docker run --stop-timeout 30`.
STOPSIGNAL SIGTERM
# Healthy means the model loads and the running bot's heartbeat file in DATA_DIR is fresh.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "--healthcheck"]
CMD ["python", "-m", "bot"]

FROM runtime AS full
COPY --from=venv-full /opt/venv/ /opt/venv/

# Last, so a plain `docker build .` gives the small serve-only image.
FROM runtime AS slim
COPY --from=venv-slim /opt/venv/ /opt/venv/
