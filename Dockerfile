# magsim on any system with a container tool: Debian 12 and the README's set-up inside.
#   docker build -t magsim .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/data" magsim run /data/scenarios/healthy_adult.yaml
# (podman takes the same commands.) The image's command is magsim itself: `docker run --rm magsim
# --help`. Files are written beside the scenario, in the mounted directory.
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
# tools/setup installs the Debian packages (apt-get as root), builds into build/ and makes
# `import magsim` work for /usr/bin/python3. The package lists are dropped afterwards.
COPY . /opt/magsim
WORKDIR /opt/magsim
RUN tools/setup && rm -rf /var/lib/apt/lists/*

WORKDIR /data
ENTRYPOINT ["/opt/magsim/build/bin/magsim"]
CMD ["--help"]
