package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mortarfs/mortar/peer"
)

func TestParseCreate(t *testing.T) {
	r, err := parseCreate([]string{"www", "replica", "3", "arbiter", "1", "transport", "tcp", "h1:/a", "h2:/a", "h3:/a", "force"})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetName() != "www" || r.GetReplica() != 3 || !r.GetArbiter() || !r.GetForce() || !slices.Equal(r.GetBricks(), []string{"h1:/a", "h2:/a", "h3:/a"}) {
		t.Errorf("parsed %v", r)
	}
	for _, bad := range [][]string{{}, {"www"}, {"www", "replica"}, {"www", "replica", "x", "h:/a"}, {"www", "arbiter", "2", "h:/a"}, {"www", "force"}} {
		if _, err := parseCreate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// run runs a mortar command line and returns its exit status and output.
func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb}
	code := dispatch(context.Background(), e, root(), []string{"mortar"}, args)
	return code, out.String(), errb.String()
}

// TestPoolCommands drives one daemon through its unix socket: the words,
// the tables, --json and the exit statuses.
func TestPoolCommands(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("MORTAR_REQUIRE_FUSE") == "1" {
			t.Fatal("needs root (bricks keep trusted.* xattrs)")
		}
		t.Skip("needs root (bricks keep trusted.* xattrs); skipped when not root")
	}
	dir := t.TempDir()
	host := "127.0.9.1"
	sock := filepath.Join(dir, "mortar.sock")
	d, err := peer.New(peer.Config{StateDir: filepath.Join(dir, "state"), Host: host, Port: freeTCPPort(t, host), GossipPort: freeTCPPort(t, host),
		Socket: sock, RootFS: "/dev/shm", Timing: peer.TestTiming, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := "--socket=" + sock
	brick := host + ":" + filepath.Join(dir, "b")

	code, out, _ := run("pool", "list", s)
	if code != 0 || !strings.Contains(out, "localhost") || !strings.Contains(out, "Connected") {
		t.Errorf("pool list: %d %q", code, out)
	}
	code, _, errs := run("volume", "create", "www", "replica", "2", brick, brick+"2", s)
	if code != 1 || !strings.Contains(errs, "mortar volume create: failed: replica 2 volumes are prone to split-brain") {
		t.Errorf("refused create: %d %q", code, errs)
	}
	code, _, errs = run("volume", "create", s)
	if code != 2 || !strings.Contains(errs, "usage:") {
		t.Errorf("create without arguments: %d %q", code, errs)
	}
	if code, out, errs = run("volume", "create", "www", brick, s); code != 0 || !strings.Contains(out, "volume create: www: success") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	if code, out, errs = run("volume", "start", "www", s); code != 0 {
		t.Fatalf("start: %d %q %q", code, out, errs)
	}
	code, out, _ = run("volume", "info", "www", s)
	if code != 0 {
		t.Errorf("volume info: %d", code)
	}
	for _, want := range []string{"Volume Name: www", "Type: Distribute", "Status: Started", "Brick1: " + brick} {
		if !strings.Contains(out, want) {
			t.Errorf("volume info lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run("volume", "status", "www", "--json", s)
	var st struct {
		Volumes []struct {
			Bricks []struct {
				Online bool  `json:"online"`
				Port   int32 `json:"port"`
			} `json:"bricks"`
		} `json:"volumes"`
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st.Volumes) != 1 || !st.Volumes[0].Bricks[0].Online {
		t.Errorf("volume status --json: %d %v %q", code, err, out)
	}
	if code, _, errs = run("volume", "set", "www", "cluster.quorum-type", "maybe", s); code != 1 || !strings.Contains(errs, "cluster.quorum-type") {
		t.Errorf("bad set: %d %q", code, errs)
	}
	if code, _, _ = run("volume", "set", "www", "performance.entry-timeout", "10", s); code != 0 {
		t.Errorf("set: %d", code)
	}
	code, out, _ = run("volume", "get", "www", "all", s)
	if code != 0 || !strings.Contains(out, "performance.entry-timeout") || !strings.Contains(out, "auth.allow") || !strings.Contains(out, "(DEFAULT)") {
		t.Errorf("get: %d %q", code, out)
	}
	if code, _, errs = run("volume", "delete", "www", s); code != 1 || !strings.Contains(errs, "stop it before deleting it") {
		t.Errorf("delete started: %d %q", code, errs)
	}
	code, out, _ = run("volume", "list", "--json", s)
	if code != 0 || !strings.Contains(out, `"www"`) {
		t.Errorf("list --json: %d %q", code, out)
	}
	if code, _, _ = run("volume", "stop", "www", s); code != 0 {
		t.Errorf("stop: %d", code)
	}
	if code, out, _ = run("volume", "delete", "www", "--remote-host", d.Addr()); code != 0 || !strings.Contains(out, "success") {
		t.Errorf("delete through --remote-host: %d %q", code, out)
	}
	if code, out, _ = run("peer", "status", s); code != 0 || !strings.Contains(out, "Number of Peers: 0") {
		t.Errorf("peer status: %d %q", code, out)
	}
	code, _, errs = run("peer", "probe", "127.0.9.254:1", s)
	if code != 1 || !strings.Contains(errs, "not reachable") {
		t.Errorf("probe of nothing: %d %q", code, errs)
	}
	code, _, errs = run("volume", "list", "--socket", filepath.Join(dir, "none.sock"))
	if code != 1 || !strings.Contains(errs, "cannot reach the mortar daemon") {
		t.Errorf("no daemon: %d %q", code, errs)
	}
	for _, c := range [][]string{{"daemon", "--help"}, {"volume", "create", "--help"}, {"peer", "detach", "--help"}, {"pool", "list", "--help"}} {
		if code, out, _ := run(c...); code != 0 || !strings.Contains(out, "usage:") {
			t.Errorf("%v: %d %q", c, code, out)
		}
	}
}

func freeTCPPort(t *testing.T, host string) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if u, err := net.ListenPacket("udp", l.Addr().String()); err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// TestDaemonConfig: the configuration file under the flags, and defaults.
func TestDaemonConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "daemon.json")
	if err := os.WriteFile(file, []byte(`{"state_dir": "/srv/state", "listen": "10.0.0.1:7500", "gossip_port": 7600, "log_level": "debug"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	logf := logFlags{level: "info"}
	cfg, err := daemonConfig{Socket: "/tmp/s.sock"}.resolve(file, &logf)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StateDir != "/srv/state" || cfg.Host != "10.0.0.1" || cfg.Port != 7500 || cfg.GossipPort != 7600 || cfg.Socket != "/tmp/s.sock" || logf.level != "debug" {
		t.Errorf("resolved %+v, log level %s", cfg, logf.level)
	}
	cfg, err = daemonConfig{Listen: "127.0.0.5"}.resolve("", &logFlags{level: "info"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StateDir != "/var/lib/mortar" || cfg.Host != "127.0.0.5" || cfg.Port != 0 || cfg.Socket != DefaultSocket {
		t.Errorf("defaults %+v", cfg)
	}
	if _, err := (daemonConfig{}).resolve(filepath.Join(t.TempDir(), "none.json"), &logFlags{}); err == nil {
		t.Error("missing config file accepted")
	}
}
