# mingjing: multi-stage build. The runtime image holds the binary and a config only; the
# shipped reminders and holiday data are built into the binary.
#
#   docker build -t mingjing .
#   docker run -d --name mingjing -e TELOXIDE_TOKEN=... -e MINGJING_ADMINS=123456789 \
#     -v mingjing-data:/data mingjing
#
# To use your own config, mount it over /etc/mingjing/config.toml (keep storage.path under /data).
# A host folder mounted as /data must be writable by uid 10001 (`chown 10001 ./data`).

# The toolchain the project is built and tested with (see Cargo.toml rust-version). The tag
# is one the official `rust` image publishes (docker-library/official-images, library/rust,
# "Bump version to 1.95.0": 1.95.0-slim-bookworm); bookworm matches the runtime image's glibc.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin mingjing \
    && sed 's#^path = "data/mingjing.sled"#path = "/data/mingjing.sled"#' config.toml > /config.toml \
    && grep -q '^path = "/data/mingjing.sled"' /config.toml

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mingjing \
    && mkdir -p /data /etc/mingjing && chown mingjing:mingjing /data
COPY --from=build /src/target/release/mingjing /usr/local/bin/mingjing
COPY --from=build /config.toml /etc/mingjing/config.toml
ENV MINGJING_CONFIG=/etc/mingjing/config.toml RUST_LOG=info
USER mingjing
VOLUME ["/data"]
WORKDIR /data
# SIGTERM (docker stop) makes the bot finish or park in-flight sends and exit within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mingjing"]
CMD ["run"]
