# mingjing: multi-stage build. The runtime image holds the binary and a config only; the
# shipped reminders and holiday data are built into the binary.
#
#   docker build -t mingjing .
#   docker run -d --name mingjing -e TELOXIDE_TOKEN=... -v mingjing-data:/data mingjing
#
# To use your own config, mount it over /etc/mingjing/config.toml (keep storage.path under /data).

# The toolchain the project is built and tested with (see Cargo.toml rust-version).
FROM rust:1.95-slim-bookworm AS build
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
