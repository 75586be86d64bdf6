package ocf

import (
	"os"
	"path/filepath"
	"testing"
)

// NeedAgents fails the test unless Debian's resource-agents package is
// installed: the tests run the real heartbeat agents.
func NeedAgents(t testing.TB) {
	t.Helper()
	for _, a := range []string{"Dummy", "anything"} {
		p := filepath.Join(Root, "resource.d", "heartbeat", a)
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("OCF agent %s is missing (%v): these tests run the real agents; "+
				"install them with: apt-get install -y resource-agents", p, err)
		}
	}
}

// TestProvider is the provider of the test agent UseTestRoot installs.
const TestProvider = "baton-test"

// recorderAgent is a small OCF agent for tests. It appends a line with
// the action and its environment to the file named by its parameter log,
// keeps a state file in HA_RSCTMP like heartbeat/Dummy, and fails, sleeps
// or answers monitor as its parameters say.
const recorderAgent = `#!/bin/sh
# The locale as given, before ocf-shellfuncs sets its own.
given_lc_all=${LC_ALL-unset} given_lang=${LANG-unset} given_lc_messages=${LC_MESSAGES-unset}
: ${OCF_FUNCTIONS_DIR=${OCF_ROOT}/lib/heartbeat}
. ${OCF_FUNCTIONS_DIR}/ocf-shellfuncs

if [ "$1" = meta-data ]; then
	cat <<END
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="recorder" version="1.0">
<version>1.1</version>
<longdesc lang="en">Records each action and its environment.</longdesc>
<shortdesc lang="en">Test agent</shortdesc>
<parameters>
<parameter name="log" required="1" unique="1">
<shortdesc lang="en">File to record to</shortdesc>
<content type="string"/>
</parameter>
<parameter name="rc_start"><shortdesc lang="en">Exit code of start</shortdesc><content type="integer" default="0"/></parameter>
<parameter name="rc_validate"><shortdesc lang="en">Exit code of validate-all</shortdesc><content type="integer" default="0"/></parameter>
<parameter name="rc_monitor"><shortdesc lang="en">Exit code of monitor</shortdesc><content type="integer"/></parameter>
<parameter name="sleep_start"><shortdesc lang="en">Seconds start sleeps</shortdesc><content type="string" default="0"/></parameter>
<parameter name="verbose"><shortdesc lang="en">A boolean</shortdesc><content type="boolean" default="false"/></parameter>
<parameter name="color"><shortdesc lang="en">A choice</shortdesc><content type="select" default="red"><option value="red"/><option value="blue"/></content></parameter>
</parameters>
<actions>
<action name="start" timeout="2s"/>
<action name="stop" timeout="20s"/>
<action name="monitor" timeout="20s" interval="10s" depth="0"/>
<action name="validate-all" timeout="5s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
END
	exit 0
fi

state="${HA_RSCTMP}/recorder-${OCF_RESOURCE_INSTANCE}.state"
echo "$1 offline_action=${OCF_RESKEY_CRM_meta_baton_offline_action-unset} check_level=${OCF_CHECK_LEVEL-unset} instance=${OCF_RESOURCE_INSTANCE} type=${OCF_RESOURCE_TYPE} provider=${OCF_RESOURCE_PROVIDER} timeout=${OCF_RESKEY_CRM_meta_timeout} interval=${OCF_RESKEY_CRM_meta_interval} rsctmp=${HA_RSCTMP} version=${OCF_RA_VERSION_MAJOR}.${OCF_RA_VERSION_MINOR} root=${OCF_ROOT} color=${OCF_RESKEY_color-unset} lc_all=${given_lc_all} lang=${given_lang} lc_messages=${given_lc_messages}" >> "${OCF_RESKEY_log}"

case $1 in
start)
	sleep "${OCF_RESKEY_sleep_start:-0}"
	if [ "${OCF_RESKEY_rc_start:-0}" != 0 ]; then
		echo "some noise on stderr" >&2
		ocf_exit_reason "start told to fail with %s" "$OCF_RESKEY_rc_start"
		exit "$OCF_RESKEY_rc_start"
	fi
	touch "$state"
	exit 0;;
stop)
	rm -f "$state"
	exit 0;;
monitor)
	if [ -n "$OCF_RESKEY_rc_monitor" ]; then exit "$OCF_RESKEY_rc_monitor"; fi
	[ -f "$state" ] && exit 0
	exit 7;;
validate-all)
	exit "${OCF_RESKEY_rc_validate:-0}";;
*)
	exit 3;;
esac
`

// UseTestRoot points the type at a scratch OCF root for the rest of the
// test: the real heartbeat agents and shell functions, plus the test
// agent TestProvider/recorder. It returns the root.
func UseTestRoot(t testing.TB) string {
	t.Helper()
	NeedAgents(t)
	root := t.TempDir()
	for _, l := range []struct{ target, link string }{
		{filepath.Join(Root, "lib"), filepath.Join(root, "lib")},
		{filepath.Join(Root, "resource.d", "heartbeat"), filepath.Join(root, "resource.d", "heartbeat")},
	} {
		if err := os.MkdirAll(filepath.Dir(l.link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l.target, l.link); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, "resource.d", TestProvider)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "recorder"), []byte(recorderAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	old := ocfRoot
	ocfRoot = root
	t.Cleanup(func() { ocfRoot = old })
	return root
}
