package volfile_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/volfile"
	"github.com/mortarfs/mortar/mount/volfile/volfiletest"
	"github.com/mortarfs/mortar/volume"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testVolfile(t *testing.T, name string, opts map[string]string) *volume.Volfile {
	t.Helper()
	vf, err := volume.FromBricks(name, []volume.BrickRef{{Addr: "127.0.0.1:1", Name: "b1"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	vf.Options = opts
	return vf
}

// deadAddr is a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestFetchFailsOver(t *testing.T) {
	s := volfiletest.New(t, testVolfile(t, "www", nil))
	f, err := volfile.Fetch(context.Background(), volfile.Config{
		Servers: []string{deadAddr(t), deadAddr(t), s.Addr()}, Volume: "www", Timeout: 2 * time.Second, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.Volfile.Name != "www" || f.Server != s.Addr() || f.Version != s.Version() {
		t.Fatalf("got %+v from %s, want www version %d from %s", f.Volfile, f.Server, s.Version(), s.Addr())
	}
}

func TestFetchRefusals(t *testing.T) {
	s := volfiletest.New(t, testVolfile(t, "www", nil))
	backup := volfiletest.New(t, testVolfile(t, "www", nil))
	fetch := func(vol string) error {
		_, err := volfile.Fetch(context.Background(), volfile.Config{
			Servers: []string{s.Addr(), backup.Addr()}, Volume: vol, Timeout: 2 * time.Second, Logger: quiet,
		})
		return err
	}
	check := func(what string, err, want error, msg string) {
		t.Helper()
		if !errors.Is(err, want) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %v saying %q", what, err, want, msg)
		}
	}
	check("unknown volume", fetch("nope"), volfile.ErrNotFound, "volume nope does not exist")
	s.SetStopped(true)
	check("stopped volume", fetch("www"), volfile.ErrStopped, "volume www is not started")
	s.SetStopped(false)
	s.SetDenied(true)
	check("denied", fetch("www"), volfile.ErrDenied, "not allowed")
	if gets, _ := backup.Counts(); gets != 0 {
		t.Errorf("a refusal is final, yet the backup server was asked %d times", gets)
	}
	_, err := volfile.Fetch(context.Background(), volfile.Config{
		Servers: []string{deadAddr(t), deadAddr(t)}, Volume: "www", Timeout: time.Second, Logger: quiet,
	})
	check("nobody home", err, volfile.ErrUnreachable, "connection refused")
}

func TestParseSource(t *testing.T) {
	for src, want := range map[string][2]string{
		"h:/v":              {"h", "v"},
		"h:v":               {"h", "v"},
		"127.0.0.2:7430:/v": {"127.0.0.2:7430", "v"},
		"h:7430:v":          {"h:7430", "v"},
		"[::1]:/v":          {"[::1]", "v"},
		"h:/v/":             {"h", "v"},
	} {
		s, v, err := volfile.ParseSource(src)
		if err != nil || s != want[0] || v != want[1] {
			t.Errorf("ParseSource(%q) = %q, %q, %v; want %q", src, s, v, err, want)
		}
	}
	for _, bad := range []string{"h", "h:/", ":/v", "h:/a/b", "/v"} {
		if _, _, err := volfile.ParseSource(bad); err == nil {
			t.Errorf("ParseSource(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"h": "h:7420", "h:1": "h:1", "::1": "[::1]:7420", "[::1]": "[::1]:7420"} {
		if got, err := volfile.ServerAddr(in); err != nil || got != want {
			t.Errorf("ServerAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestWatchFollowsAndReconnects: the watch delivers each new version
// once, in order, and after its server dies it follows the volume through
// the backup server.
func TestWatchFollowsAndReconnects(t *testing.T) {
	s1 := volfiletest.New(t, testVolfile(t, "www", nil))
	s2 := volfiletest.New(t, testVolfile(t, "www", nil))
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan volfile.Fetched, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		volfile.Watch(ctx, volfile.Config{Servers: []string{s1.Addr(), s2.Addr()}, Volume: "www", Logger: quiet}, 0, func(f volfile.Fetched) { got <- f })
	}()
	defer func() {
		cancel()
		<-done
	}()
	next := func(what string) volfile.Fetched {
		t.Helper()
		select {
		case f := <-got:
			return f
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no volfile within 10 s", what)
		}
		return volfile.Fetched{}
	}
	if f := next("first"); f.Server != s1.Addr() || f.Version != s1.Version() {
		t.Fatalf("first volfile %d from %s, want %d from %s", f.Version, f.Server, s1.Version(), s1.Addr())
	}
	s1.Set(testVolfile(t, "www", map[string]string{"k": "1"}))
	if f := next("change"); f.Volfile.Options["k"] != "1" {
		t.Fatalf("change not delivered: %+v", f.Volfile)
	}
	// The backup gets a newer version; once the first server is gone the
	// watch follows it there.
	for s2.Version() <= s1.Version() {
		s2.Set(testVolfile(t, "www", map[string]string{"k": "2"}))
	}
	s1.Stop()
	if f := next("after failover"); f.Server != s2.Addr() || f.Volfile.Options["k"] != "2" {
		t.Fatalf("after failover got %+v from %s", f.Volfile.Options, f.Server)
	}
}
