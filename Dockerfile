# Builds the onestop binary and runs it on a slim Debian image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin onestop

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/onestop --create-home onestop
COPY --from=build /src/target/release/onestop /usr/local/bin/onestop
USER onestop
WORKDIR /var/lib/onestop
ENV ONESTOP_BIND=0.0.0.0:8080 \
    ONESTOP_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["onestop"]
CMD ["serve"]
