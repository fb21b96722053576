#!/usr/bin/env bash
# Installs the local stand-ins for AWS services that the deploy/aws and src/store/s3 tests start
# (test/helpers/aws-servers.ts), into a cache outside the repo. Idempotent: does nothing when they are there.
#   S3:       S3Proxy (Apache-2.0) from Maven Central, org.gaul:s3proxy, jar-with-dependencies; runs on Java 17.
#   DynamoDB: moto in server mode (Apache-2.0) from PyPI, in a virtualenv.
# AWS's DynamoDB Local is deliberately not used: its licence is not an open-source one.
set -euo pipefail
CACHE="${CLICKLAKE_CI_CACHE:-$HOME/.cache/clicklake-ci}"
S3PROXY_VERSION=2.6.0
MOTO_VERSION=5.2.5
mkdir -p "$CACHE"

jar="$CACHE/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
if [ ! -s "$jar" ]; then
  command -v java >/dev/null || { echo "aws-services: java is required (S3Proxy)"; exit 1; }
  command -v mvn >/dev/null || { echo "aws-services: mvn is required to fetch S3Proxy"; exit 1; }
  mvn -q -B dependency:copy "-Dartifact=org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" "-DoutputDirectory=$CACHE"
fi
test -s "$jar" || { echo "aws-services: $jar is missing after the download"; exit 1; }

venv="$CACHE/moto-venv"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
test -x "$venv/bin/moto_server" || { echo "aws-services: moto_server is missing after the install"; exit 1; }

echo "aws-services: S3Proxy $S3PROXY_VERSION and moto $MOTO_VERSION ready in $CACHE"
