# syntax=docker/dockerfile:1.7
# kafka-exporter: consumer group lag and topic offsets for Prometheus with the kafka_exporter metric names
# (tools/stack/kafka-exporter, the same program the local stack runs); /metrics and /healthz on 9308.
# Build from the repository root:
#   docker build -f docker/tools/kafka-exporter.Dockerfile -t ghcr.io/imageflow/kafka-exporter:0.1.0 .
# Multi-stage: build (Go toolchain of the module's go directive, static binary) → runtime (Alpine for the
# busybox wget of the healthcheck, numeric non-root user, nothing else). The Kafka address is an argument at run
# time (--kafka.server=…), nothing is baked in.
ARG GO_IMAGE=golang:1.26.8-bookworm
ARG RUNTIME_IMAGE=alpine:3.22.2

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY tools/stack/kafka-exporter/go.mod tools/stack/kafka-exporter/go.sum ./
RUN go mod download
COPY tools/stack/kafka-exporter/ ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/kafka-exporter .

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=build /out/kafka-exporter /usr/local/bin/kafka-exporter
EXPOSE 9308
# nobody:nogroup; the binary is owned by root and the pods mount / read-only.
USER 65534:65534
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9308/healthz"]
ENTRYPOINT ["/usr/local/bin/kafka-exporter", "--web.listen-address=0.0.0.0:9308"]
