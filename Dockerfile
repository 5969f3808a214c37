# Production-like image of econf: a static binary on a small base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/econf ./cmd/econf

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/econf econf && mkdir -p /var/lib/econf && chown econf /var/lib/econf
COPY --from=build /out/econf /usr/local/bin/econf
USER econf
ENV ECONF_ADDR=0.0.0.0:8080 ECONF_DATA=/var/lib/econf ECONF_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["econf"]
CMD ["serve"]
