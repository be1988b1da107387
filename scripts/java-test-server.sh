#!/usr/bin/env bash
# Prints the path of a time-skipping Temporal test server for TestWorkflowEnvironment.createTimeSkipping:
# Temporal's Java test server (io.temporal:temporal-test-server, Maven Central) behind a small wrapper
# that the SDK starts with the port as its first argument. The SDK's own download of this server
# (a native build from GitHub releases) is not reachable from every network; Maven Central is.
# Order: $JAVA_TEST_SERVER, then .tools/java-test-server/<version>/test-server, else fetch the jar and
# its dependencies once with Maven (about 40 MB; Maven's cache ~/.m2 makes later fetches offline).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.38.0
dir="$PWD/.tools/java-test-server/$VERSION"
wrapper="$dir/test-server"

if [ -n "${JAVA_TEST_SERVER:-}" ]; then
  [ -x "$JAVA_TEST_SERVER" ] || { echo "JAVA_TEST_SERVER=$JAVA_TEST_SERVER is not an executable file" >&2; exit 1; }
  echo "$JAVA_TEST_SERVER"; exit 0
fi
if [ -x "$wrapper" ]; then echo "$wrapper"; exit 0; fi

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "No $tool found: the time-skipping workflow tests run Temporal's Java test server. Install a JDK (tested with 17) and Maven (Debian: apt-get install default-jdk-headless maven), or set JAVA_TEST_SERVER to an executable that starts a test server on the port given as its first argument." >&2
    exit 1
  }
done
echo "== fetching Temporal's Java test server $VERSION from Maven Central (first time only)" >&2
start=$(date +%s)
mkdir -p "$PWD/.tools/java-test-server"
# Fetched into a temporary folder first so an interrupted fetch never leaves a half-filled one.
tmp="$(mktemp -d "$PWD/.tools/java-test-server/fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.okta-account-access</groupId>
  <artifactId>java-test-server</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
POM
# Maven's output is shown only when the fetch fails.
if ! mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
  cat "$tmp/mvn.log" >&2
  exit 1
fi
rm "$tmp/pom.xml" "$tmp/mvn.log"
cat >"$tmp/test-server" <<WRAPPER
#!/usr/bin/env bash
# Temporal's Java test server $VERSION; the SDK passes the port (and any extra arguments).
exec java -cp "\$(dirname "\$0")/lib/*" io.temporal.testserver.TestServer "\$@"
WRAPPER
chmod +x "$tmp/test-server"
mv "$tmp" "$dir"
trap - EXIT
echo "== fetched $dir in $(( $(date +%s) - start ))s ($(du -sh "$dir/lib" | cut -f1))" >&2
echo "$wrapper"
