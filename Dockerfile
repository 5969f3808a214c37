# Production-like image of econf: a static binary on a small base, run as a
# non-root user, with the system's CA certificates (SMTP over TLS, an
# EventStoreDB cluster with TLS, PostgreSQL with sslmode=verify-full).
#
# Build: docker build -t econf .
# Where proxy.golang.org is unreachable (e.g. in mainland China):
#   docker build --build-arg GOPROXY=https://goproxy.cn,direct -t econf .
FROM golang:1.26-bookworm AS build
ARG GOPROXY=https://proxy.golang.org,direct
ENV GOPROXY=${GOPROXY}
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/econf ./cmd/econf

FROM debian:bookworm-slim
# The build stage's CA bundle (Debian's ca-certificates): no package
# download in the runtime stage.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN groupadd --system --gid 10001 econf \
 && useradd --system --uid 10001 --gid 10001 --home /var/lib/econf --shell /usr/sbin/nologin econf \
 && mkdir -p /var/lib/econf && chown econf:econf /var/lib/econf
COPY --from=build /out/econf /usr/local/bin/econf
USER 10001:10001
# No demo organisation or demo logins in an image: create the first
# administrator with `econf admin create`; ECONF_DEMO=on seeds the demo.
ENV ECONF_ADDR=0.0.0.0:8080 ECONF_DATA=/var/lib/econf ECONF_LOG_FORMAT=json ECONF_DEMO=off \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME /var/lib/econf
EXPOSE 8080
# The image has no curl: the binary asks its own /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["econf", "healthcheck"]
ENTRYPOINT ["econf"]
CMD ["serve"]
