# mingjing: multi-stage build. The runtime image holds the binary and a config only; the
# shipped reminders and holiday data are built into the binary.
#
#   docker build -t mingjing .
#   docker run -d --name mingjing -e TELOXIDE_TOKEN=... -e MINGJING_ADMINS=123456789 \
#     -v mingjing-data:/data mingjing
#
# To use your own config, mount it over /etc/mingjing/config.toml (keep storage.path under /data).
# A host folder mounted as /data must be writable by uid 10001 (`chown 10001 ./data`).
#
# The image's config turns the web server on at 0.0.0.0:8080 inside the container (health
# and metrics; the console needs [web] public_url too): Docker's HEALTHCHECK runs
# `mingjing health`, which asks GET /healthz there (the image has no curl). Publish the
# port (-p 127.0.0.1:8080:8080) for Prometheus or a reverse proxy. A config of your own
# must keep [web] listen set, or the container is reported unhealthy (or run it with
# --no-healthcheck).

# The toolchain the project is built and tested with (see Cargo.toml rust-version). The tag
# is one the official `rust` image publishes (docker-library/official-images, library/rust,
# "Bump version to 1.95.0": 1.95.0-slim-bookworm); bookworm matches the runtime image's glibc.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin mingjing \
    && sed 's#^path = "data/mingjing.sled"#path = "/data/mingjing.sled"#' config.toml > /config.toml \
    && sed -i 's#^listen = ""#listen = "0.0.0.0:8080"#' /config.toml \
    && grep -q '^path = "/data/mingjing.sled"' /config.toml \
    && grep -q '^listen = "0.0.0.0:8080"' /config.toml

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mingjing \
    && mkdir -p /data /etc/mingjing && chown mingjing:mingjing /data
COPY --from=build /src/target/release/mingjing /usr/local/bin/mingjing
COPY --from=build /config.toml /etc/mingjing/config.toml
ENV MINGJING_CONFIG=/etc/mingjing/config.toml RUST_LOG=info
USER mingjing
VOLUME ["/data"]
EXPOSE 8080
# Healthy: Telegram answered getUpdates within 2 minutes and the database works.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/mingjing", "health"]
WORKDIR /data
# SIGTERM (docker stop) makes the bot finish or park in-flight sends and exit within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mingjing"]
CMD ["run"]
