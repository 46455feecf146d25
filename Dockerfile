# iot-gateway container image: docker build -t iot-gateway .
# Stage 1 builds the jar with the Maven wrapper; stage 2 runs it on a JRE as a non-root user.

FROM eclipse-temurin:17.0.15_6-jdk-noble AS build
WORKDIR /build
# Dependencies first, so a source change does not download them again.
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -ntp -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -ntp -q -o -DskipTests -Dspotless.check.skip=true package \
    && java -Djarmode=tools -jar target/iot-gateway-*.jar extract --layers --launcher --destination target/extracted

FROM eclipse-temurin:17.0.15_6-jre-noble
# curl for the container health check only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --home-dir /app --shell /usr/sbin/nologin gateway
WORKDIR /app
# Layers from least to most often changed.
COPY --from=build /build/target/extracted/dependencies/ ./
COPY --from=build /build/target/extracted/spring-boot-loader/ ./
COPY --from=build /build/target/extracted/snapshot-dependencies/ ./
COPY --from=build /build/target/extracted/application/ ./
# User-editable YAML routes and Kamelets live next to the app (./routes is where the gateway looks by default).
COPY --chown=gateway:gateway routes/ routes/
COPY --chown=gateway:gateway kamelets/ kamelets/
USER 10001:10001
EXPOSE 8080
# Container-aware heap (a share of the memory limit, not of the host), fail fast on OOM so the orchestrator
# restarts the container. Override with JAVA_TOOL_OPTIONS.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://localhost:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
